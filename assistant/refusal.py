"""Decide when the evidence is too weak to answer.

A threshold on the top similarity alone separates answerable from unanswerable questions poorly
(AUC ≈ 0.64 in our measurements), because plausible unanswerable questions name real projects and
topics. So we also check whether the question's proper nouns exist in the corpus at all, whether its
key terms are covered by the chosen evidence, and whether a figure question found any figure.
"""

from __future__ import annotations

from assistant.evidence import Candidate
from assistant.glossary import finnish_terms
from assistant.index import IndexView
from assistant.query import QueryAnalysis
from assistant.retrieval import Hit
from core.text_analysis import lemmas

MIN_LEXICAL = 0.35
MIN_SIMILARITY = 0.45


def unknown_names(analysis: QueryAnalysis, index: IndexView) -> list[str]:
    """Proper nouns of the question that occur nowhere in the corpus (e.g. "Helsinki")."""
    return [word for word in analysis.proper_nouns
            if not finnish_terms(word) and not any(index.knows(l) for l in lemmas(word))
            and not index.knows(word.lower())]


def should_refuse(analysis: QueryAnalysis, index: IndexView, hits: list[Hit],
                  chosen: list[Candidate]) -> bool:
    if not hits or not chosen:
        return True
    if unknown_names(analysis, index):
        return True
    best = chosen[0]
    top_similarity = max(h.dense_similarity for h in hits)
    if best.lexical < MIN_LEXICAL and top_similarity < MIN_SIMILARITY:
        return True
    if analysis.wants_figure and not any(c.figures for c in chosen):
        return best.lexical < 0.5
    return False
