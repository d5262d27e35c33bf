"""The fitted candidate scorer (assistant/scorer.py) and its refit command (`hanke fit`, eval/fit.py)."""

import json

import numpy as np
import pytest

from assistant.scorer import FEATURES, SCORER_FILE, Scorer, load_scorer
from eval.fit import Row, answer_threshold, fit, is_evidence
from eval.questions_io import Question
from tests.test_cli import run


def test_the_shipped_weights_are_fitted_on_the_current_features():
    data = json.loads(SCORER_FILE.read_text(encoding="utf-8"))
    assert data["features"] == list(FEATURES) and len(data["weights"]) == len(FEATURES)
    assert data["ranking"]["degree"] == 2 and len(Scorer(data).ranking.weights)  # the ranking model loads
    assert 0 < data["answer_threshold"] < 1 and 0 < data["follower_ratio"] < 1
    assert data["training"]["answerable_refused"] <= 0.05  # the cap on refusing answerable questions
    assert not any("test" in name for name in data["fitted_on"])  # the TEST halves are never fitted on


def test_weights_fitted_on_other_features_are_refused():
    data = json.loads(SCORER_FILE.read_text(encoding="utf-8"))
    data["features"] = data["features"][:-1]
    with pytest.raises(ValueError, match="hanke fit"):
        Scorer(data)


def test_more_of_the_question_covered_is_more_probable_evidence():
    scorer = load_scorer()
    base = {name: 0.0 for name in FEATURES}
    covered = dict(base, lexical=1.0, asked_term=1.0)
    assert scorer.probability(covered) > scorer.probability(base)
    assert scorer.follows(0.8) == pytest.approx(0.8 * scorer.follower_ratio)


def test_evidence_labels_come_from_the_evidence_strings():
    question = Question(id="x1", lang="fi", category="figure", question="?", must_contain=[["345"]],
                        evidence=["Lääkäriaikoja oli 345."])
    assert is_evidence("Kaikkiaan lääkäriaikoja oli 345.", question)
    assert is_evidence("Lääkäriaikoja oli 345.", question)
    assert not is_evidence("Vuonna 2020 asiakkaita oli 345.", question)  # the answer string alone is no evidence


def rows_of(question: str, answerable: bool, features: list[list[float]], labels: list[int]) -> list[Row]:
    return [Row(question, answerable, f, label) for f, label in zip(features, labels)]


def test_fit_ranks_the_evidence_first_and_refuses_at_most_five_percent():
    # Synthetic candidates: evidence covers more of the question (feature 0) than the other
    # candidates; unanswerable questions' best candidates cover little.
    rng = np.random.default_rng(7)
    rows = []
    width = len(FEATURES)
    for q in range(60):
        answerable = q % 5 != 0
        cands = []
        labels = []
        for c in range(8):
            x = list(rng.uniform(0, 0.3, width))
            is_evidence_row = answerable and c == 0
            if is_evidence_row:
                x[0] = rng.uniform(0.5, 1.0)
            cands.append(x)
            labels.append(int(is_evidence_row))
        rows += rows_of(f"q{q}", answerable, cands, labels)
    data = fit(rows)
    weights = np.array(data["weights"])
    for q in range(60):
        group = [r for r in rows if r.qid == f"q{q}"]
        if group[0].answerable:
            assert max(group, key=lambda r: float(np.dot(weights, r.features))).label == 1
    assert data["training"]["answerable_refused"] <= 0.05
    assert data["training"]["unanswerable_refused"] >= 0.5  # their best candidates score low


def test_the_ranking_model_learns_what_only_a_product_of_features_says():
    # Feature 0 is the question's (a figure asked: the same for all its candidates), feature 1 the
    # candidate's (it holds a figure). Evidence holds a figure when one is asked and none otherwise:
    # one weight per feature ranks one kind of question wrong, the product of the two ranks both.
    rows = []
    for q in range(40):
        asked = float(q % 2)
        for has_figure in (0.0, 1.0):
            x = [0.0] * len(FEATURES)
            x[0], x[1] = asked, has_figure
            rows += rows_of(f"q{q}", True, [x], [int(has_figure == asked)])
    data = fit(rows)
    linear, scorer = np.array(data["weights"]), Scorer(dict(data, follower_ratio=0.5))
    groups = [[r for r in rows if r.qid == f"q{q}"] for q in range(40)]

    def right(score) -> int:
        return sum(max(group, key=score).label for group in groups)

    assert right(lambda r: scorer.rank_probability(dict(zip(FEATURES, r.features)))) == 40
    assert right(lambda r: float(np.dot(linear, r.features))) <= 20


def test_expanded_features_are_in_scikit_learns_order():
    from sklearn.preprocessing import PolynomialFeatures

    from assistant.scorer import expanded

    values = [0.5, 2.0, 3.0]
    reference = PolynomialFeatures(2, include_bias=False).fit_transform(np.array([values]))[0]
    assert list(expanded(values, 2)[0]) == pytest.approx(list(reference))
    assert list(expanded(values, 1)[0]) == values


def test_threshold_refuses_the_unanswerable_below_the_evidence():
    rows = (rows_of("a", True, [[0.9]], [1]) + rows_of("b", True, [[0.8]], [1])
            + rows_of("u", False, [[0.2]], [0]))
    threshold = answer_threshold(rows, np.array([0.9, 0.8, 0.2]))
    assert 0.2 < threshold <= 0.8


def test_fit_says_what_to_ingest_when_the_development_documents_are_missing(corpus_settings):
    result = run(["fit"], corpus_settings)
    assert result.returncode == 1
    assert "hanke ingest corpus eval/corpus-dev" in result.stdout and "Traceback" not in result.stderr
