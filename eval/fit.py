"""Fit the candidate scorer (assistant/scorer.py) on the development question sets: `hanke fit`.

Training data: every candidate sentence the assistant considers for each development question,
labelled 1 when it holds one of the question's evidence strings (or lies inside one), else 0;
unanswerable questions give only 0s. A logistic regression (scikit-learn) learns the weights. The
refusal threshold is the probability of the best candidate below which at most 5 % of the
answerable development questions fall. The TEST halves are never used here.

Needs an index that holds the development sets' documents:
`hanke ingest corpus eval/corpus-dev && hanke fit`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.scorer import FEATURES, SCORER_FILE
from eval.metrics import collapse
from eval.questions_io import Question, load_questions

REPO = Path(__file__).resolve().parents[1]
# The sets fitted on: the tuning set, the held-out DEV half (odd ids), dev2, the corpus-dev DEV half.
TRAINING_SETS = (("eval/questions.jsonl", None), ("eval/questions_heldout.jsonl", "odd"),
                 ("eval/questions_dev2.jsonl", None), ("eval/questions_corpusdev_dev.jsonl", None))
MAX_ANSWERABLE_REFUSED = 0.05
MIN_EVIDENCE_OVERLAP = 15


@dataclass
class Row:
    qid: str
    answerable: bool
    features: list[float]
    label: int


def training_questions() -> list[Question]:
    questions = []
    for path, half in TRAINING_SETS:
        for q in load_questions(REPO / path):
            if half == "odd" and int("".join(ch for ch in q.id if ch.isdigit()) or 0) % 2 == 0:
                continue
            questions.append(q)
    return questions


def is_evidence(text: str, question: Question) -> bool:
    """The candidate holds an evidence string, or is itself a long enough part of one."""
    candidate = collapse(text).lower()
    for evidence in question.evidence:
        evidence = collapse(evidence).lower()
        if evidence in candidate or (len(candidate) >= MIN_EVIDENCE_OVERLAP and candidate in evidence):
            return True
    return False


def collect(assistant, questions: list[Question]) -> list[Row]:
    rows = []
    for question in questions:
        gathered = assistant.gather(question.question)
        for cand in gathered.cands:
            label = int(question.answerable and is_evidence(cand.text, question))
            rows.append(Row(question.id, question.answerable, [cand.features[f] for f in FEATURES], label))
    return rows


def fit(rows: list[Row]) -> dict:
    from sklearn.linear_model import LogisticRegression

    x = np.array([r.features for r in rows])
    y = np.array([r.label for r in rows])
    model = LogisticRegression(C=1.0, max_iter=2000)
    model.fit(x, y)
    weights, intercept = model.coef_[0], float(model.intercept_[0])
    probability = 1 / (1 + np.exp(-(x @ weights + intercept)))
    best: dict[str, tuple[bool, float]] = {}
    for row, p in zip(rows, probability):
        answerable, old = best.get(row.qid, (row.answerable, 0.0))
        best[row.qid] = (answerable, max(old, float(p)))
    answerable_best = sorted(p for a, p in best.values() if a)
    cut = int(MAX_ANSWERABLE_REFUSED * len(answerable_best))
    threshold = answerable_best[cut] if answerable_best else 0.5
    unanswerable = [p for a, p in best.values() if not a]
    return {
        "version": 1,
        "features": list(FEATURES),
        "weights": [round(float(w), 5) for w in weights],
        "intercept": round(intercept, 5),
        "answer_threshold": round(float(threshold) - 1e-6, 6),
        "follower_threshold": 0.5,
        "fitted_on": [f"{path}{' (' + half + ' ids)' if half else ''}" for path, half in TRAINING_SETS],
        "training": {"questions": len(best), "candidates": len(rows), "positives": int(y.sum()),
                     "answerable_refused": round(sum(p < threshold for a, p in best.values() if a)
                                                 / max(1, len(answerable_best)), 3),
                     "unanswerable_refused": round(sum(p < threshold for p in unanswerable)
                                                   / max(1, len(unanswerable)), 3)},
        "refit": "hanke ingest corpus eval/corpus-dev && hanke fit",
    }


def run_fit(assistant, out: Path = SCORER_FILE) -> dict:
    rows = collect(assistant, training_questions())
    data = fit(rows)
    out.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return data


# The development halves printed after a fit (never the TEST halves).
DEV_REPORT_SETS = (("eval/questions_corpusdev_dev.jsonl", None), ("eval/questions_heldout.jsonl", "odd"))


class FitError(RuntimeError):
    """The index lacks the documents the development sets ask about."""


def run_cli(out: Path = SCORER_FILE) -> None:
    """`hanke fit`: refit, write assistant/data/scorer.json, print the dev-half metrics."""
    from rich.console import Console

    from assistant import scorer
    from assistant.service import Assistant
    from eval.pipelines import HankePipeline
    from eval.runner import evaluate_pipeline

    console = Console()
    assistant = Assistant()
    indexed = set(assistant.index.records)
    needed = {s for q in training_questions() for s in q.sources}
    missing = sorted(needed - indexed)
    if missing:
        raise FitError(f"{len(missing)} source documents of the development sets are not indexed "
                       f"(e.g. {missing[0]}). Run `hanke ingest corpus eval/corpus-dev` first.")
    with console.status("Collecting candidates of the development questions…"):
        data = run_fit(assistant, out)
    console.print(f"Fitted on {data['training']['questions']} questions, {data['training']['candidates']} "
                  f"candidates ({data['training']['positives']} evidence). Answer threshold "
                  f"{data['answer_threshold']:.3f}: answerable refused {data['training']['answerable_refused']:.0%}, "
                  f"unanswerable refused {data['training']['unanswerable_refused']:.0%}. Wrote {out}.")
    scorer.load_scorer.cache_clear()
    for path, half in DEV_REPORT_SETS:
        questions = [q for q in load_questions(REPO / path)
                     if half != "odd" or int("".join(ch for ch in q.id if ch.isdigit()) or 0) % 2 == 1]
        metrics = evaluate_pipeline(HankePipeline(assistant), questions, k=5).metrics
        console.print(f"{path}{' (DEV half)' if half else ''}: " + ", ".join(
            f"{key} {metrics[key]:.3f}" for key in ("hit@5", "answer_accuracy", "refused_unanswerable",
                                                    "answered_answerable") if metrics.get(key) is not None))
