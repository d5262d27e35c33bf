"""Decide when the evidence is too weak to answer.

A threshold on the top similarity alone separates answerable from unanswerable questions poorly
(AUC ≈ 0.64 in our measurements), because plausible unanswerable questions name real projects and
topics. The fitted scorer (assistant/scorer.py) gives the best candidate's probability of being
evidence, and a question whose best candidate falls under the fitted threshold is refused. Beside it
stand the structural checks: the question's proper nouns exist in the corpus, a figure question
found a figure of the asked kind, a when-question a date, a question about one part (a year, a
municipality, the realised value) a passage about that part.
"""

from __future__ import annotations

import re

from assistant.evidence import (UNIT_WORDS, Candidate, answer_kind, asks_percentage, counts_something_else,
                                question_units, text_lemmas, units_of)
from assistant.glossary import finnish_terms
from assistant.index import IndexView
from assistant.query import FINNISH_STOP_LEMMAS, QueryAnalysis
from assistant.retrieval import Hit
from assistant.scorer import load_scorer
from core.numbers import find_figures
from core.text_analysis import (ENGLISH_MONTHS, ENGLISH_WORDS, base_forms, case_stems, is_finnish_word, is_hypothetical,
                                is_noun, lemmas, word_classes, words)

# Finnish nouns the corpus never uses are a strong sign; untranslated English words a weaker one.
MAX_UNKNOWN_SHARE = {"fi": 0.2, "en": 0.5}


ENGLISH_NUMBER_WORDS = {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                        "twelve", "dozen", "hundred", "thousand", "million"}


def unknown_names(analysis: QueryAnalysis, index: IndexView) -> list[str]:
    """Proper nouns of the question that occur nowhere in the corpus (e.g. "Helsinki")."""
    # The base form only: compound parts ("rova" + "niemi") would make any place name look known.
    names = [re.sub(r"['’]s$", "", word) for word in analysis.proper_nouns]  # "Oulu's" is Oulu
    return [word for word in names if (analysis.language == "fi" or names_something_unknown(word))
            and not finnish_terms(word.lower()) and not index.knows(lemmas(word)[0]) and not index.knows(word.lower())
            and not index.knows_stem(word) and not index.names_a_document(word) and not knows_uninflected(word, index)]


def knows_uninflected(word: str, index: IndexView) -> bool:
    """A name the corpus has, inflected in the question ("LUTin", "SATTUKOssa")."""
    return any(index.knows(stem) or index.knows(lemmas(stem)[0]) for stem in case_stems(word))


ACRONYM_MIN_LETTERS = 4
MIN_NAME_LETTERS = 3


def names_something_unknown(word: str) -> bool:
    """In an English question, a capitalised word we can tell is a name: one the Finnish lexicon
    knows (a place, a Finnish word), or an acronym of a project's kind (NUTKE). Other capitalised
    words are often ordinary English ("April", "Commissioner", "Regional") or abbreviations (UAS,
    R&D), and say nothing about whether the documents cover the question. (Finnish capitalises
    only names, so every capitalised word of a Finnish question counts.)"""
    if word.lower() in ENGLISH_MONTHS:
        return False
    if word.isupper() and len(word) >= ACRONYM_MIN_LETTERS:
        return True
    return len(word) >= MIN_NAME_LETTERS and is_finnish_word(word)  # "R" and "D" of "R&D" are letters


def unknown_share(analysis: QueryAnalysis, index: IndexView) -> float:
    """Share of the question's content words that the corpus never uses.

    Finnish: nouns whose base form occurs nowhere (kuukausipalkka, puheenjohtaja); compound parts do
    not count, since "puhe" + "johtaja" existing says nothing about "puheenjohtaja", but a compound
    the corpus has inside a longer one does ("päivämäärä" of "päättymispäivämäärä"). English: words
    that are neither function words, nor in the glossary, nor anywhere in the corpus (which has one
    English summary, so ordinary English words are known).
    """
    content = [w for w in words(analysis.text) if not w[:1].isdigit() and w.lower() not in ENGLISH_WORDS
               and w.lower() not in FINNISH_STOP_LEMMAS and w.lower() not in ENGLISH_NUMBER_WORDS]
    if not content:
        return 0.0
    unknown = 0
    for word in content:
        if finnish_terms(word.lower()) or index.knows(word.lower()):
            continue
        base = lemmas(word)[0]
        if (index.knows(base) or any(index.knows(b) for b in base_forms(word))
                or (len(lemmas(word)) > 1 and index.knows_compound(base)) or knows_modifier(word, index)):
            continue  # any reading known: "kesti" is a rare noun but also "kestää" (it lasted)
        # English: only Finnish words of the question count (an English word the glossary lacks
        # says nothing about the documents); Finnish: nouns.
        if (analysis.language == "en" and is_finnish_word(word)) or (analysis.language == "fi" and is_noun(word)):
            unknown += 1
    return unknown / len(content)


def knows_modifier(word: str, index: IndexView) -> bool:
    """A compound whose head says nothing (a stop lemma: "keikkatyöhanke", "hoitajapulahanke" name a
    project by its topic) means what its modifier means, so it is known when the modifier is."""
    parts = lemmas(word)
    base, head = parts[0], parts[-1]
    if len(parts) < 3 or head not in FINNISH_STOP_LEMMAS or not base.endswith(head):
        return False
    modifier = base[:-len(head)]
    return index.knows(modifier) or index.knows_compound(modifier)


def out_of_corpus(analysis: QueryAnalysis, index: IndexView) -> bool:
    """The question names things the documents never mention."""
    return bool(unknown_names(analysis, index)) or (
        unknown_share(analysis, index) >= MAX_UNKNOWN_SHARE[analysis.language])


PLANNED_LABEL_RE = re.compile(r"^\s*(suunnit\w*|planned|tavoite\w*|target)\b", re.I)
REALISED_LABEL_RE = re.compile(r"^\s*(toteutu\w*|realised|realized|actual)\b", re.I)


def states_a_number(text: str) -> bool:
    """A figure, or a cardinal written out ("kahdeksan paluumuuttajatarinaa", "eight stories")."""
    if find_figures(text):
        return True
    for word in words(text):
        lowered = word.lower()
        if lowered in ENGLISH_NUMBER_WORDS:
            return True
        # Voikko's numerals include ordinals (ensimmäinen, toinen, kolmas), which count nothing.
        if "lukusana" in word_classes(word) and not lemmas(word)[0].endswith(("nen", "s")):
            return True
    return False


def planned_given_for_realised(analysis: QueryAnalysis, chosen: list[Candidate], cands: list[Candidate]) -> bool:
    """The question asks what was realised, but the evidence only gives the plan: "Suunniteltu: 500"
    with no "Toteutunut" line under the same heading. Answering with the plan would state the
    planned figure as the outcome."""
    if not analysis.wants_realised or not chosen[0].figures:
        return False
    lead = chosen[0]
    if not PLANNED_LABEL_RE.match(lead.text):
        return False
    same_heading = [c for c in cands if c.hit.chunk.doc == lead.hit.chunk.doc
                    and c.hit.chunk.section == lead.hit.chunk.section]
    return not any(REALISED_LABEL_RE.match(c.text) for c in same_heading)


def estimate_given_for_realised(analysis: QueryAnalysis, chosen: list[Candidate]) -> bool:
    """The question asks what was realised, and every figure the evidence gives is what would or could
    happen ("noin 400 henkilöä voisi työllistyä"): an estimate is not an outcome."""
    stated = [c for c in chosen if c.figures]
    return analysis.wants_realised and bool(stated) and all(only_estimates(c.text) for c in stated)


def only_estimates(sentence: str) -> bool:
    """Every clause of the sentence that holds a figure says what would or could happen (clauses
    split at commas: "120 nuorta osallistui, joista 40 olisi halunnut jatkaa" states 120)."""
    clauses = [c for c in re.split(r"[,;:]\s", sentence) if find_figures(c)]
    return bool(clauses) and all(is_hypothetical(c) for c in clauses)


# "…in Muhos specifically", "Juuan osalta", "pelkästään Juuassa": one place of a project is asked about.
SPECIFIC_PLACE_CUE_RE = re.compile(r"^(specifically|particularly|alone|separately|erikseen|nimenomaan|pelkästään|"
                                   r"yksinään|ainoastaan|osalta)$", re.I)


# Asked for a time outright. English "when" asks only as a question word: first, or followed by an
# auxiliary ("…and when was it published?"); "…say when she visited" is a conjunction.
WHEN_RE = re.compile(r"^\s*when\b|\bwhen\s+(is|was|were|are|did|does|do|has|have|had|will|would|can|could|"
                     r"should)\b|\b(milloin|what date|which date|what time|minä päivänä|mihin aikaan)\b", re.I)
# A date, a year, or a time of day ("kello 10–17", "klo 9.00", "10 am") answers it.
DATE_OR_YEAR_RE = re.compile(r"\b(\d{1,2}\.\d{1,2}\.(19|20)\d{2}|(19|20)\d{2}|(kello|klo)\s*\d{1,2}"
                             r"|\d{1,2}[.:]\d{2}|\d{1,2}\s*(am|pm|a\.m\.|p\.m\.))\b", re.I)


def year_not_broken_down(analysis: QueryAnalysis, chosen: list[Candidate]) -> bool:
    """"…in 2020 alone", "vuonna 2020 erikseen": one year is singled out, but the evidence never names
    it, so its figure is the whole project's, not that year's."""
    tokens = words(analysis.text)
    if not any(SPECIFIC_PLACE_CUE_RE.match(w) for w in tokens):
        return False
    years = {w for w in tokens if re.fullmatch(r"(19|20)\d{2}", w)}
    return bool(years) and not any(year in c.text for c in chosen for year in years)


def specific_place(analysis: QueryAnalysis, index: IndexView) -> str | None:
    """The place a question singles out ("in Muhos specifically"): the project place nearest to the cue."""
    tokens = words(analysis.text)
    cues = [i for i, w in enumerate(tokens) if SPECIFIC_PLACE_CUE_RE.match(w)]
    if not cues:
        return None
    places = {t for p in index.projects.values() for t in p.places}
    # The cue's word is its neighbour: "Juuan osalta", "in Muhos specifically", "pelkästään Juuassa";
    # in "Etelä-Pohjanmaan elintarvikeklusterin osalta" the cue belongs to the cluster, not the region.
    located = [(i, lemmas(w)[0]) for i, w in enumerate(tokens) if w[:1].isupper() and lemmas(w)[0] in places
               and any(abs(i - c) == 1 for c in cues)]
    if not located:
        return None
    return located[0][1]


def place_not_broken_down(analysis: QueryAnalysis, index: IndexView, chosen: list[Candidate]) -> bool:
    """The question asks about one municipality specifically, but the evidence never names it: the
    documents give the project's figure, not that municipality's, and answering with it would pass
    the whole for the part."""
    place = analysis.focus_place
    if place is None:
        return False
    for cand in chosen:
        if place in {lemmas(w)[0] for w in words(with_heading_if_short(cand))}:
            return False
    return True


def with_heading_if_short(cand: Candidate) -> str:
    """A short row ("Suunniteltu: 465", "Juuka 35") read with its heading, which says what it is about."""
    return f"{cand.text} {cand.hit.chunk.section.split('›')[-1]}" if len(cand.text) < 60 else cand.text


def counted_thing_missing(analysis: QueryAnalysis, chosen: list[Candidate]) -> bool:
    """A count question whose counted thing ("kalastajaa", "Ukrainians") no chosen sentence mentions
    together with a number: a number elsewhere counts something else (the 15 pages of a guide are not
    15 Ukrainians employed)."""
    if not (analysis.wants_count and analysis.counted):
        return False
    kinds = units_of(analysis.counted)
    counted = analysis.counted | {word for word, kind in UNIT_WORDS.items() if kind in kinds}  # ihmistä ~ henkilöä
    for cand in chosen:
        context = with_heading_if_short(cand)
        if counted & text_lemmas(context) and states_a_number(context):
            return False
    return True


COUNTED_EN_RE = re.compile(r"\bhow many\s+(\w+)(?:\s+(\w+))?", re.I)


def counts_unknown_thing(analysis: QueryAnalysis, index: IndexView) -> bool:
    """"How many electric buses…": the counted phrase (the one or two words after "how many": an
    adjective and its noun, or the noun and a verb) holds no word the glossary or the documents
    know, so no number in them counts it."""
    match = COUNTED_EN_RE.search(analysis.text) if analysis.language == "en" else None
    if not match:
        return False

    def known(word: str) -> bool:
        lowered = word.lower()
        forms = {lowered, lowered.removesuffix("s"), lowered.removesuffix("es")}  # English plurals
        return (lowered in ENGLISH_WORDS or lowered in ENGLISH_NUMBER_WORDS or word[:1].isdigit()
                or any(finnish_terms(w) or index.knows(w) for w in forms) or index.knows(lemmas(word)[0]))

    return not any(known(w) for w in match.groups() if w)


def asks_for_a_part_not_given(analysis: QueryAnalysis, index: IndexView, chosen: list[Candidate],
                              cands: list[Candidate]) -> bool:
    """The question asks for a part (one year, one municipality, the realised value) that the
    documents do not break down: a whole-project figure or field must not answer it either."""
    return (year_not_broken_down(analysis, chosen) or planned_given_for_realised(analysis, chosen, cands)
            or estimate_given_for_realised(analysis, chosen) or place_not_broken_down(analysis, index, chosen))


def should_refuse(analysis: QueryAnalysis, index: IndexView, hits: list[Hit],
                  chosen: list[Candidate], cands: list[Candidate] | None = None) -> bool:
    if not hits or not chosen:
        return True
    if out_of_corpus(analysis, index) or counts_unknown_thing(analysis, index):
        return True
    if max(c.confidence for c in (cands or chosen)) < load_scorer().threshold(answer_kind(analysis)):
        return True  # no candidate is probable evidence (threshold fitted in assistant/data/scorer.json)
    if analysis.wants_count and not any(states_a_number(c.text) for c in chosen):
        return True  # "how many" with no number anywhere in the evidence
    if counted_thing_missing(analysis, chosen):
        return True
    asked_units = question_units(analysis)
    if analysis.wants_figure and "EUR" in asked_units and not any(c.figures for c in chosen):
        return True  # "How much did X cost" is answered by a sum only
    if (analysis.wants_figure and asked_units == {"%"} and asks_percentage(analysis)
            and not any(c.primary and c.primary.unit == "%" or "\t" in c.text for c in chosen)):
        return True  # a rate or percentage asked, and no percentage (nor a table's share column) found
    if (analysis.wants_figure and "EUR" in asked_units
            and all(counts_something_else(c, {"EUR"}) for c in chosen if c.primary)):
        return True  # a cost question whose evidence only counts things (measures, people)
    if WHEN_RE.search(analysis.text) and not any(DATE_OR_YEAR_RE.search(c.text) for c in chosen):
        return True  # "milloin" with no date or year anywhere in the evidence
    return asks_for_a_part_not_given(analysis, index, chosen, cands or chosen)
