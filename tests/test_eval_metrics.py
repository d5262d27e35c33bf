"""The evaluation's metric functions against small cases computed by hand (no model, no index)."""

import json
import math

import pytest

from eval.metrics import (answer_passes, breakdown, cited_relevant, contains_evidence, hit_at_k, judge,
                          missing_groups, ndcg_at_k, percentile, reciprocal_rank, refusal_correct, summarise)
from eval.questions_io import Question, QuestionFileError, load_questions

NBSP = "\u00a0"
NARROW_NBSP = "\u202f"


def question(qid="q", category="figure", lang="fi", must_contain=(("465",),), evidence=("465 henkilöä",)):
    return Question(id=qid, lang=lang, category=category, question="?", answer="",
                    must_contain=[list(g) for g in must_contain], evidence=list(evidence))


# --- retrieval ---------------------------------------------------------------------------------

def test_hit_at_k_looks_only_at_the_first_k():
    relevant = [False, False, True, False]
    assert not hit_at_k(relevant, 1)
    assert not hit_at_k(relevant, 2)
    assert hit_at_k(relevant, 3)
    assert not hit_at_k([], 5)


def test_reciprocal_rank_is_one_over_the_first_relevant_rank():
    assert reciprocal_rank([True, True]) == 1.0
    assert reciprocal_rank([False, False, True, True]) == pytest.approx(1 / 3)
    assert reciprocal_rank([False] * 10) == 0.0


def test_ndcg_binary_relevance_by_hand():
    # One relevant chunk in the index, retrieved at rank 3: DCG = 1/log2(4) = 0.5, IDCG = 1.
    assert ndcg_at_k([False, False, True], 10, n_relevant=1) == pytest.approx(0.5)
    # Ranks 1 and 3 relevant, two relevant in the index: (1 + 0.5) / (1 + 1/log2(3)).
    assert ndcg_at_k([True, False, True], 10, n_relevant=2) == pytest.approx(1.5 / (1 + 1 / math.log2(3)))
    # Three relevant in the index but only one retrieved (at rank 1): 1 / (1 + 1/log2 3 + 1/2).
    assert ndcg_at_k([True, False, False], 10, n_relevant=3) == pytest.approx(1 / (1 + 1 / math.log2(3) + 0.5))
    # Nothing relevant retrieved, or nothing relevant at all.
    assert ndcg_at_k([False] * 10, 10, n_relevant=2) == 0.0
    assert ndcg_at_k([], 10, n_relevant=0) == 0.0


def test_ndcg_cuts_at_k_and_caps_the_ideal_at_k():
    relevant = [False] * 10 + [True]  # rank 11 is outside nDCG@10
    assert ndcg_at_k(relevant, 10, n_relevant=1) == 0.0
    # 20 relevant chunks, all 10 retrieved ones relevant: a perfect ranking.
    assert ndcg_at_k([True] * 10, 10, n_relevant=20) == pytest.approx(1.0)


def test_ndcg_without_a_count_uses_the_retrieved_relevant_ones():
    assert ndcg_at_k([False, True], 10) == pytest.approx(1 / math.log2(3))


def test_evidence_is_compared_with_whitespace_collapsed():
    chunk = f"Osallistujia oli\n  yhteensä 465{NBSP}henkilöä."
    assert contains_evidence(chunk, ["yhteensä 465 henkilöä"])
    assert contains_evidence(chunk, ["ei tätä", "465\thenkilöä"])
    assert not contains_evidence(chunk, ["530 henkilöä"])
    assert not contains_evidence(chunk, [])
    assert not contains_evidence(chunk, ["   "])  # a blank evidence string matches nothing


# --- answers -----------------------------------------------------------------------------------

def test_must_contain_needs_every_group_and_one_alternative_of_each():
    must = [["465", "530"], ["Lieksa", "Lieksassa"]]
    assert answer_passes("Osallistujia oli 530 Lieksassa.", must)
    assert not answer_passes("Osallistujia oli 530.", must)
    assert missing_groups("Osallistujia oli 530.", must) == [["Lieksa", "Lieksassa"]]
    assert answer_passes("anything", [])


def test_must_contain_is_case_insensitive_and_collapses_nbsp_and_line_breaks():
    assert answer_passes(f"Myönnetty rahoitus: 863{NBSP}000 euroa", [["863 000"]])
    assert answer_passes(f"863{NARROW_NBSP}000 €", [["863 000"]])
    assert answer_passes("Kohti työtä\nja koulutusta", [["kohti TYÖTÄ ja koulutusta"]])
    assert answer_passes("863 000", [[f"863{NBSP}000"]])
    assert not answer_passes("863000", [["863 000"]])
    assert not answer_passes("Budjetti oli 86 300.", [["863 000"]])


# --- refusals and citations --------------------------------------------------------------------

def test_refusal_correct():
    assert refusal_correct(answerable=False, found=False)
    assert not refusal_correct(answerable=False, found=True)
    assert refusal_correct(answerable=True, found=True)
    assert not refusal_correct(answerable=True, found=False)


def test_cited_relevant_counts_passages_with_evidence():
    assert cited_relevant(["a 465 henkilöä b", "muuta", f"465{NBSP}henkilöä"], ["465 henkilöä"]) == (2, 3)
    assert cited_relevant([], ["465"]) == (0, 0)


def test_a_refusal_never_passes_even_if_its_closest_passages_contain_the_words():
    judged = judge(question(), found=False, answer="Asiakirjoista ei löydy vastausta. „465 henkilöä“",
                   retrieved_texts=["465 henkilöä"], cited_texts=["465 henkilöä"], ms=10.0, n_relevant=1)
    assert judged.answer_pass is False
    assert judged.refusal_ok is False
    assert judged.citations_total == 0  # refusals are skipped for citation precision


def test_summary_by_hand():
    answerable_hit = judge(question("a"), found=True, answer="465", retrieved_texts=["x", "465 henkilöä"],
                           cited_texts=["465 henkilöä", "muuta"], ms=100.0, n_relevant=1)
    answerable_miss = judge(question("b", lang="en", category="goal"), found=True, answer="530",
                            retrieved_texts=["x"] * 10, cited_texts=["x"], ms=300.0, n_relevant=1)
    refused_right = judge(question("c", category="unanswerable", must_contain=(), evidence=()), found=False,
                          answer="ei", retrieved_texts=["465 henkilöä"], cited_texts=["y"], ms=200.0)
    answered_wrong = judge(question("d", lang="en", category="unanswerable", must_contain=(), evidence=()),
                           found=True, answer="jotain", retrieved_texts=[], cited_texts=["z"], ms=400.0)
    judgements = [answerable_hit, answerable_miss, refused_right, answered_wrong]
    metrics = summarise(judgements, k=5)
    assert metrics["n"] == 4 and metrics["n_answerable"] == 2 and metrics["n_retrieval"] == 2
    assert metrics["hit@1"] == 0.0
    assert metrics["hit@5"] == 0.5
    assert metrics["mrr"] == pytest.approx(0.25)  # (1/2 + 0) / 2
    assert metrics["ndcg@10"] == pytest.approx(round((1 / math.log2(3)) / 2, 4))
    assert metrics["answer_accuracy"] == 0.5  # over the answerable questions only
    assert metrics["refusal_accuracy"] == 0.75  # over all four: a, b and c right, d wrong
    assert metrics["refused_unanswerable"] == 0.5
    assert metrics["citation_precision"] == pytest.approx(round(1 / 3, 4))  # 1 of 3 citations of a and b
    assert metrics["latency_p50_ms"] == 250.0
    assert metrics["latency_p95_ms"] == pytest.approx(385.0)  # 300 + 0.85 * 100
    groups = breakdown(judgements, k=5)
    assert groups["by_language"]["en"]["refusal_accuracy"] == 0.5
    assert groups["by_language"]["fi"]["hit@5"] == 1.0
    assert groups["by_category"]["unanswerable"]["hit@5"] is None  # no retrieval metric without evidence
    assert groups["by_category"]["unanswerable"]["refusal_accuracy"] == 0.5
    assert groups["by_category"]["goal"]["answer_accuracy"] == 0.0


def test_percentile_interpolates_linearly():
    assert percentile([5.0], 95) == 5.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([10.0, 20.0, 30.0, 40.0, 50.0], 95) == pytest.approx(48.0)
    assert percentile([], 50) is None


# --- the question file -------------------------------------------------------------------------

def test_question_file_errors_name_the_line(tmp_path):
    good = {"id": "q1", "lang": "fi", "category": "goal", "question": "Mikä?", "answer": "a",
            "must_contain": [["a"]], "sources": ["x.txt"], "evidence": ["a"]}
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps(good) + "\n\n" + json.dumps({**good, "id": "q2"}) + "\n", encoding="utf-8")
    assert [q.id for q in load_questions(path)] == ["q1", "q2"]
    for bad, message in [("{not json", "line 1: not valid JSON"),
                         (json.dumps({**good, "lang": "sv"}), "line 1: 'lang'"),
                         (json.dumps({k: v for k, v in good.items() if k != "evidence"}), "missing key(s): evidence"),
                         (json.dumps({**good, "must_contain": ["a"]}), "must_contain"),
                         (json.dumps(good) + "\n" + json.dumps(good), "line 2: duplicate id 'q1'")]:
        path.write_text(bad + "\n", encoding="utf-8")
        with pytest.raises(QuestionFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
            load_questions(path)
    with pytest.raises(QuestionFileError, match="not found"):
        load_questions(tmp_path / "missing.jsonl")


def test_a_question_that_raised_fails_every_check():
    errored = judge(question("e", category="unanswerable", must_contain=(), evidence=()), found=False, answer="",
                    retrieved_texts=[], cited_texts=[], ms=0.0, error="RuntimeError: boom")
    assert not errored.refusal_ok  # an exception is not a refusal
    metrics = summarise([errored], k=5)
    assert metrics["refusal_accuracy"] == 0.0 and metrics["refused_unanswerable"] == 0.0
    assert metrics["errors"] == 1 and metrics["latency_p50_ms"] is None
