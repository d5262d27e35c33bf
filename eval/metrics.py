"""Metric functions: plain functions over plain values, so that each can be checked by hand.

Definitions (eval/README.md explains them for readers of the report):
- A retrieved chunk is *relevant* when it contains one of the question's evidence strings, compared
  after collapsing whitespace (non-breaking spaces included).
- hit@k: a relevant chunk among the first k. MRR: 1 / rank of the first relevant chunk (0 when
  none of the retrieved chunks is relevant). nDCG@10: binary relevance, log2 discount; the ideal
  ranking puts every relevant chunk the pipeline has (at most 10) first.
- An answer *passes* when every inner list of must_contain has one alternative in the answer text
  (case-insensitive, whitespace collapsed) and the pipeline did not refuse.
- Refusal is correct when the pipeline refuses an unanswerable question or answers an answerable one.
- Citation precision: cited passages that contain an evidence string / all cited passages, over the
  answerable questions the pipeline answered.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Iterable, Sequence

WHITESPACE = re.compile(r"\s+")  # \s covers U+00A0 and U+202F (the no-break spaces in Finnish figures)


def collapse(text: str) -> str:
    """Whitespace runs (any Unicode space, line breaks) become one space; ends are stripped."""
    return WHITESPACE.sub(" ", text).strip()


def group_matches(answer: str, alternatives: Sequence[str]) -> bool:
    """One alternative of a must_contain group occurs in the answer (case-insensitive, whitespace
    collapsed on both sides: "863 000" with a no-break space matches "863 000")."""
    text = collapse(answer).casefold()
    return any(collapse(alt) and collapse(alt).casefold() in text for alt in alternatives)


def missing_groups(answer: str, must_contain: Sequence[Sequence[str]]) -> list[list[str]]:
    """The must_contain groups the answer does not satisfy."""
    return [list(group) for group in must_contain if not group_matches(answer, group)]


def answer_passes(answer: str, must_contain: Sequence[Sequence[str]]) -> bool:
    return not missing_groups(answer, must_contain)


def contains_evidence(text: str, evidence: Iterable[str]) -> bool:
    """The text contains one of the evidence strings, compared with whitespace collapsed."""
    body = collapse(text)
    return any(collapse(e) and collapse(e) in body for e in evidence)


def relevances(texts: Iterable[str], evidence: Sequence[str]) -> list[bool]:
    return [contains_evidence(text, evidence) for text in texts]


def first_relevant_rank(relevant: Sequence[bool]) -> int | None:
    """1-based rank of the first relevant item, or None."""
    return next((rank for rank, flag in enumerate(relevant, start=1) if flag), None)


def hit_at_k(relevant: Sequence[bool], k: int) -> bool:
    return any(relevant[:k])


def reciprocal_rank(relevant: Sequence[bool]) -> float:
    rank = first_relevant_rank(relevant)
    return 1.0 / rank if rank else 0.0


def dcg(relevant: Sequence[bool]) -> float:
    return sum(1.0 / math.log2(rank + 1) for rank, flag in enumerate(relevant, start=1) if flag)


def ndcg_at_k(relevant: Sequence[bool], k: int = 10, n_relevant: int | None = None) -> float:
    """Binary-relevance nDCG@k.

    `n_relevant` is how many relevant chunks the pipeline's whole index holds (an evidence string
    in the overlap of two chunks makes two); the ideal ranking puts min(n_relevant, k) of them
    first. Without it, the relevant chunks that were retrieved stand in for it.
    """
    top = list(relevant[:k])
    ideal_count = min(k, max(n_relevant or 0, sum(top)))
    if ideal_count == 0:
        return 0.0
    return dcg(top) / dcg([True] * ideal_count)


def refusal_correct(answerable: bool, found: bool) -> bool:
    """Refuse the unanswerable, answer the answerable."""
    return found if answerable else not found


def cited_relevant(cited_texts: Iterable[str], evidence: Sequence[str]) -> tuple[int, int]:
    """(citations whose passage contains an evidence string, all citations)."""
    flags = relevances(cited_texts, evidence)
    return sum(flags), len(flags)


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0–100) with linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100.0
    low = math.floor(position)
    high = math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


@dataclass
class Judgement:
    """One question, one pipeline: what was checked and how it came out."""

    id: str
    lang: str
    category: str
    answerable: bool
    has_evidence: bool
    relevant: list[bool]
    n_relevant: int
    found: bool
    answer_pass: bool | None
    missing: list[list[str]]
    refusal_ok: bool
    citations_relevant: int
    citations_total: int
    ms: float
    error: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def judged_for_retrieval(self) -> bool:
        return self.answerable and self.has_evidence

    def first_rank(self) -> int | None:
        return first_relevant_rank(self.relevant)

    def to_dict(self) -> dict:
        return {"lang": self.lang, "category": self.category, "found": self.found,
                "first_relevant_rank": self.first_rank() if self.judged_for_retrieval else None,
                "answer_pass": self.answer_pass, "missing": self.missing, "refusal_ok": self.refusal_ok,
                "citations": [self.citations_relevant, self.citations_total], "ms": round(self.ms, 1),
                "error": self.error}


def judge(question, found: bool, answer: str, retrieved_texts: Sequence[str], cited_texts: Sequence[str],
          ms: float, n_relevant: int = 0, error: str | None = None) -> Judgement:
    """Judge one pipeline run on one question (an `eval.questions_io.Question`)."""
    relevant = relevances(retrieved_texts, question.evidence)
    answerable = question.answerable
    missing = missing_groups(answer, question.must_contain) if answerable else []
    cit_rel, cit_total = cited_relevant(cited_texts, question.evidence) if answerable and found else (0, 0)
    return Judgement(
        id=question.id, lang=question.lang, category=question.category, answerable=answerable,
        has_evidence=bool([e for e in question.evidence if collapse(e)]), relevant=relevant,
        n_relevant=n_relevant, found=found,
        answer_pass=(found and not missing and error is None) if answerable else None,
        missing=missing, refusal_ok=refusal_correct(answerable, found) and error is None,
        citations_relevant=cit_rel, citations_total=cit_total, ms=ms, error=error)


def _rate(flags: Sequence[bool]) -> float | None:
    return sum(flags) / len(flags) if flags else None


def summarise(judgements: Sequence[Judgement], k: int = 5, ndcg_depth: int = 10) -> dict:
    """Every metric over a group of judgements; None where the group has nothing to judge."""
    retrieval = [j for j in judgements if j.judged_for_retrieval]
    answerable = [j for j in judgements if j.answerable]
    unanswerable = [j for j in judgements if not j.answerable]
    cited = [j for j in answerable if j.found and j.has_evidence and j.citations_total]
    timed = [j.ms for j in judgements if j.error is None]
    citations_total = sum(j.citations_total for j in cited)
    metrics = {
        "n": len(judgements),
        "n_answerable": len(answerable),
        "n_retrieval": len(retrieval),
        "hit@1": _rate([hit_at_k(j.relevant, 1) for j in retrieval]),
        f"hit@{k}": _rate([hit_at_k(j.relevant, k) for j in retrieval]),
        "mrr": mean([reciprocal_rank(j.relevant) for j in retrieval]),
        f"ndcg@{ndcg_depth}": mean([ndcg_at_k(j.relevant, ndcg_depth, j.n_relevant) for j in retrieval]),
        "answer_accuracy": _rate([bool(j.answer_pass) for j in answerable]),
        "refusal_accuracy": _rate([j.refusal_ok for j in judgements]),
        "refused_unanswerable": _rate([j.refusal_ok for j in unanswerable]),
        "answered_answerable": _rate([j.found for j in answerable]),
        "citation_precision": (sum(j.citations_relevant for j in cited) / citations_total
                               if citations_total else None),
        "latency_p50_ms": percentile(timed, 50),
        "latency_p95_ms": percentile(timed, 95),
        "errors": sum(1 for j in judgements if j.error),
    }
    return {key: (round(value, 1) if key.startswith("latency") else round(value, 4))
            if isinstance(value, float) else value for key, value in metrics.items()}


def breakdown(judgements: Sequence[Judgement], k: int = 5, ndcg_depth: int = 10) -> dict:
    """Overall metrics, and the same metrics per language and per category."""
    def grouped(attribute: str) -> dict:
        keys = sorted({getattr(j, attribute) for j in judgements})
        return {key: summarise([j for j in judgements if getattr(j, attribute) == key], k, ndcg_depth)
                for key in keys}

    return {"overall": summarise(judgements, k, ndcg_depth), "by_language": grouped("lang"),
            "by_category": grouped("category")}
