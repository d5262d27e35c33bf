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
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

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


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, x))))


class Scorer:
    """The fitted weights: score = Σ weight × feature; probability = sigmoid(scale × score + offset)."""

    def __init__(self, data: dict):
        if list(data["features"]) != list(FEATURES):
            raise ValueError("assistant/data/scorer.json was fitted on other features; run `hanke fit`")
        self.weights = [float(w) for w in data["weights"]]
        self.scale = float(data["scale"])
        self.offset = float(data["offset"])
        self.answer_threshold = float(data["answer_threshold"])
        self.answer_thresholds = {kind: float(t) for kind, t in data.get("answer_thresholds", {}).items()}
        # A further sentence is shown when its probability reaches this share of the best one's.
        self.follower_ratio = float(data["follower_ratio"])

    def score(self, features: dict[str, float]) -> float:
        return sum(w * features.get(name, 0.0) for w, name in zip(self.weights, FEATURES))

    def probability(self, features: dict[str, float]) -> float:
        return sigmoid(self.scale * self.score(features) + self.offset)

    def threshold(self, kind: str) -> float:
        """The least probability of the best candidate for a question of this kind to be answered."""
        return self.answer_thresholds.get(kind, self.answer_threshold)

    def follows(self, best: float) -> float:
        """The least probability a further sentence needs to be shown beside the best one."""
        return best * self.follower_ratio


@lru_cache(maxsize=1)
def load_scorer() -> Scorer:
    return Scorer(json.loads(SCORER_FILE.read_text(encoding="utf-8")))
