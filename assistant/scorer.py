"""One fitted model scores every candidate sentence, form row and table row, and decides refusal.

Each candidate is described by a few features (how much of the question it covers, how retrieval
ranked its chunk, whether it holds what the question asks: a figure of the asked kind, a date, a
name…). Its score is a weighted sum of them, the weights fitted on the development question sets
(`hanke fit`, eval/fit.py) as a ranking: a logistic regression on pairs of one evidence sentence
and one other candidate of the same question, so that what is learned is which candidate of a
question answers it, not how answerable questions are on the whole. A second, one-variable
logistic regression turns the score into the probability that the candidate is evidence. The answer
leads with the most probable candidate; the question is refused when no candidate is probable
enough (a threshold per kind of answer asked, chosen on the development data so that at most 5 % of
answerable questions are refused). The weights live in assistant/data/scorer.json, never in code.

Which candidate leads is decided by a second fit of the same kind over the features and every
product of two of them ("ranking" in scorer.json): a figure row is good evidence for a figure
question and poor for another, which one weight per feature cannot say. It ranks the evidence first
more often on every question set it was not fitted on (corpus-dev VAL2 0.603 → 0.669 of the
answerable questions), but its probabilities separate answerable from unanswerable questions worse,
so refusal stays with the linear model's probability.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

SCORER_FILE = Path(__file__).parent / "data" / "scorer.json"

# The features, in the order of the fitted weights. Each is in [0, 1] or a small count.
FEATURES = (
    "lexical",            # IDF-weighted share of the question's key terms in the sentence
    "retrieval",          # the chunk's fused retrieval score / the best chunk's
    "dense",              # cosine of question and chunk embeddings
    "keyword_first",      # the chunk is BM25's best
    "position",           # sentence index in its chunk (earlier sentences carry the topic)
    "figure_asked",       # a figure question and the sentence holds a figure
    "figure_unasked",     # the sentence holds a figure nobody asked for
    "unit_mismatch",      # its figure counts another kind of thing than the one asked
    "total_asked",        # a whole asked ("budget of X") and the sentence gives a total
    "place_figure",       # the figure follows the one place the question singles out
    "date_asked",         # a when-question and the sentence gives a full date
    "year_asked",         # a when-question and the sentence gives only a year
    "person_asked",       # a who-question and the sentence names a person
    "name_asked",         # an organisation or person asked and a form row gives a name
    "cause_asked",        # a why-question and the sentence gives a reason
    "very_short",         # under 25 characters and no figure
    "boilerplate",        # "Ei liity suoraan hankkeen tavoitteisiin", "Ei relevantti"
    "checkbox",           # a form tick ("…: Ei", "…\tKyllä") for a question that is not yes/no
    "form_row",           # a "Label: value" line
    "table_row",          # a tab-separated row
    "field_match",        # how well the row's label matches the question (form rows only)
    "named_project",      # the sentence's document belongs to a project the question names
    "length",             # characters / 200
    "heading_lexical",    # IDF-weighted share of the question's key terms in the chunk's heading
    "top_chunk",          # the chunk is retrieval's first
    "most_lexical",       # no other candidate covers more of the question
    "asked_term",         # it holds a word of what is asked, beyond the project's name and the measure
    "content_dense",      # cosine of the sentence and the question without its project's names
)


# What a question asks for decides how sure the answer must be: the refusal threshold is fitted per kind.
ANSWER_KINDS = ("figure", "date", "other")


def expanded(x: np.ndarray, degree: int) -> np.ndarray:
    """Rows of features, and for degree 2 also every product of two of them (x0·x0, x0·x1, …, x1·x1,
    …: scikit-learn's PolynomialFeatures order)."""
    x = np.atleast_2d(np.asarray(x, dtype=float))
    if degree < 2:
        return x
    rows, columns = np.triu_indices(x.shape[1])
    return np.hstack([x, x[:, rows] * x[:, columns]])


class LogisticModel:
    """Weights over the features (and, for degree 2, their pairwise products); the weighted sum,
    scaled and offset, is the log-odds that a candidate is evidence."""

    def __init__(self, data: dict, degree: int = 1):
        self.degree = int(data.get("degree", degree))
        self.weights = np.array([float(w) for w in data["weights"]])
        self.scale = float(data["scale"])
        self.offset = float(data["offset"])
        if len(self.weights) != expanded(np.zeros(len(FEATURES)), self.degree).shape[1]:
            raise ValueError("assistant/data/scorer.json was fitted on other features; run `hanke fit`")

    def probabilities(self, features: list[dict[str, float]]) -> list[float]:
        if not features:
            return []
        x = expanded(np.array([[f.get(name, 0.0) for name in FEATURES] for f in features]), self.degree)
        z = self.scale * (x @ self.weights) + self.offset
        return [float(p) for p in 1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))]


class Scorer:
    """The two fitted models (linear: refusal; ranking: which candidate leads) and the thresholds."""

    def __init__(self, data: dict):
        if list(data["features"]) != list(FEATURES):
            raise ValueError("assistant/data/scorer.json was fitted on other features; run `hanke fit`")
        self.linear = LogisticModel(data)
        # A file without the ranking model (fitted before it existed) ranks with the linear one.
        self.ranking = LogisticModel(data["ranking"]) if data.get("ranking") else self.linear
        self.answer_threshold = float(data["answer_threshold"])
        self.answer_thresholds = {kind: float(t) for kind, t in data.get("answer_thresholds", {}).items()}
        # A further sentence is shown when its probability reaches this share of the best one's.
        self.follower_ratio = float(data["follower_ratio"])

    def probabilities(self, features: list[dict[str, float]]) -> list[float]:
        """Each candidate's probability of being evidence, by the linear model (refusal)."""
        return self.linear.probabilities(features)

    def probability(self, features: dict[str, float]) -> float:
        return self.probabilities([features])[0]

    def rank_probabilities(self, features: list[dict[str, float]]) -> list[float]:
        """Each candidate's probability of being evidence, by the ranking model (which one leads)."""
        return self.ranking.probabilities(features)

    def rank_probability(self, features: dict[str, float]) -> float:
        return self.rank_probabilities([features])[0]

    def threshold(self, kind: str) -> float:
        """The least probability of the best candidate for a question of this kind to be answered."""
        return self.answer_thresholds.get(kind, self.answer_threshold)

    def follows(self, best: float) -> float:
        """The least probability a further sentence needs to be shown beside the best one."""
        return best * self.follower_ratio


@lru_cache(maxsize=1)
def load_scorer() -> Scorer:
    return Scorer(json.loads(SCORER_FILE.read_text(encoding="utf-8")))
