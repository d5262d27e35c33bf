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
from assistant.query import FINNISH_STOP_LEMMAS, QueryAnalysis
from assistant.retrieval import Hit
from core.text_analysis import ENGLISH_WORDS, is_noun, lemmas, words

MIN_LEXICAL = 0.35
MIN_SIMILARITY = 0.45
# Finnish nouns the corpus never uses are a strong sign; untranslated English words a weaker one.
MAX_UNKNOWN_SHARE = {"fi": 0.2, "en": 0.5}


def unknown_names(analysis: QueryAnalysis, index: IndexView) -> list[str]:
    """Proper nouns of the question that occur nowhere in the corpus (e.g. "Helsinki")."""
    # The base form only: compound parts ("rova" + "niemi") would make any place name look known.
    return [word for word in analysis.proper_nouns
            if not finnish_terms(word.lower()) and not index.knows(lemmas(word)[0]) and not index.knows(word.lower())]


def unknown_share(analysis: QueryAnalysis, index: IndexView) -> float:
    """Share of the question's content words that the corpus never uses.

    Finnish: nouns whose base form occurs nowhere (kuukausipalkka, puheenjohtaja); compound parts do
    not count, since "puhe" + "johtaja" existing says nothing about "puheenjohtaja". English: words
    that are neither function words, nor in the glossary, nor anywhere in the corpus (which has one
    English summary, so ordinary English words are known).
    """
    content = [w for w in words(analysis.text) if not w[:1].isdigit() and w.lower() not in ENGLISH_WORDS
               and w.lower() not in FINNISH_STOP_LEMMAS]
    if not content:
        return 0.0
    unknown = 0
    for word in content:
        if finnish_terms(word.lower()) or index.knows(word.lower()):
            continue
        base = lemmas(word)[0]
        if index.knows(base):
            continue
        if analysis.language == "en" or is_noun(word):
            unknown += 1
    return unknown / len(content)


def out_of_corpus(analysis: QueryAnalysis, index: IndexView) -> bool:
    """The question names things the documents never mention."""
    return bool(unknown_names(analysis, index)) or (
        unknown_share(analysis, index) >= MAX_UNKNOWN_SHARE[analysis.language])


def should_refuse(analysis: QueryAnalysis, index: IndexView, hits: list[Hit],
                  chosen: list[Candidate]) -> bool:
    if not hits or not chosen:
        return True
    if out_of_corpus(analysis, index):
        return True
    best = chosen[0]
    top_similarity = max(h.dense_similarity for h in hits)
    if best.lexical < MIN_LEXICAL and top_similarity < MIN_SIMILARITY:
        return True
    if analysis.wants_figure and not any(c.figures for c in chosen):
        return best.lexical < 0.5
    return False
