"""Questions about the set of projects by topic: "Mitkä hankkeet liittyvät matkailuun?", "Which
projects are aimed at young people?". No form field holds a topic, so the projects are those whose
documents use every content word of the question (a Finnish lemma, or an English word's Finnish
translations), most-discussing first, each cited with its sentence that uses the most of them.
"""

from __future__ import annotations

import re
from collections import defaultdict

import numpy as np

from assistant import texts
from assistant.fact_answers import SUPERLATIVE_ROWS, project_label
from assistant.fields import MEASURE_WORDS
from assistant.glossary import finnish_terms
from assistant.query import ENGLISH_STOP_WORDS, FINNISH_STOP_LEMMAS, QueryAnalysis
from core.sentences import chunk_sentences
from core.text_analysis import ENGLISH_WORDS, lemmas, tokens, word_classes, words
from core.types import Fact

# The words that ask about the set itself ("Which projects…", "Mitkä hankkeet…") are not its topic.
SET_TERMS = {"hanke", "projekti", "kokoelma", "aineisto", "joukko"} | set(finnish_terms("project"))
# A Finnish action noun ("puurakentamista", "kehittämisen") is a topic though the analyser classes it
# with the verb it comes from; a finite verb or a participle ("liittyvät", "kehitetään") is not.
ACTION_NOUN_RE = re.compile(r"mi(nen|s\w*)$")
# "Which projects focus on…", "Which projects are aimed at…": the set's predicate, not its topic.
PREDICATE_EN_RE = re.compile(r"\bprojects?\s+(?:(?:are|were|is|was|have|has|had|do|did|does|will|can)\s+)?"
                             r"(?:\w+ly\s+)?(\w+)", re.I)
# A quoted sentence is cut at this length in the row (the citation keeps it whole).
ROW_CHARS = 160


def topic_groups(analysis: QueryAnalysis, index) -> list[set[str]]:
    """One set of terms per content word of the question; a passage is on the topic when it uses
    one term of every set."""
    skip = FINNISH_STOP_LEMMAS | MEASURE_WORDS | SET_TERMS | analysis.answer_type | analysis.source
    groups: list[set[str]] = []
    predicates = {m.group(1).lower() for m in PREDICATE_EN_RE.finditer(analysis.text)}
    for position, word in enumerate(words(analysis.text)):
        lowered = word.lower()
        if word[:1].isdigit() or lowered in ENGLISH_STOP_WORDS:
            continue
        if analysis.language == "en":
            if lowered in predicates:
                continue
            terms = {t for t in finnish_terms(lowered) if "teonsana" not in word_classes(t)}
            if not terms and position > 0 and word[:1].isupper() and lowered not in ENGLISH_WORDS:
                terms = {lemmas(word)[0]}  # a name in an English question ("Kainuu", "Lapland" → none)
        else:
            if "teonsana" in word_classes(word) and not ACTION_NOUN_RE.search(lowered):
                continue
            terms = {lemmas(piece)[0] for piece in re.split(r"[-–]", word) if piece} if "-" in word else {lemmas(word)[0]}
        terms = {t for t in terms if index.knows(t)} - skip
        if terms:
            groups.append(terms)
    return groups


def citable_sentence(index, chunk_ids: list[str], groups: list[set[str]]):
    """The sentence that uses the most of the topic's words, from the first of these chunks whose
    sentences use any (a chunk may match by its heading alone); None when none does."""
    for cid in chunk_ids:
        chunk = index.chunks[cid]
        scored = [(sum(bool(g & set(tokens(s[2]))) for g in groups), s) for s in chunk_sentences(chunk)]
        matched, sentence = max(scored, key=lambda pair: pair[0], default=(0, None))
        if matched:
            return chunk, sentence
    return None


def projects_on_topic(analysis: QueryAnalysis, index) -> tuple[list[str], list[Fact]] | None:
    """A row per project whose documents use every content word of the question, with the sentence
    that uses the most; None when the question has no such words or no project uses them all."""
    groups = topic_groups(analysis, index)
    if not groups:
        return None
    keyword = index.keyword
    # BM25 scores a chunk above zero exactly when it holds one of the query's terms.
    present = [keyword.scores(sorted(group)) > 0 for group in groups]
    on_topic = np.logical_and.reduce(present)
    if not on_topic.any():
        return None
    strength = keyword.scores(sorted(set().union(*groups)))
    by_project: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for row in np.flatnonzero(on_topic):
        cid = keyword.ids[row]
        chunk = index.chunks.get(cid)
        project = index.document(chunk.doc).project if chunk else None
        if project:
            by_project[project].append((float(strength[row]), cid))
    if not by_project:
        return None
    # Most-discussing first: how many passages use the topic, then how strongly the best one does.
    ranked = sorted(by_project.items(), key=lambda item: (-len(item[1]), -max(item[1])[0]))
    lines: list[str] = [texts.TOPIC_LEAD[analysis.language].format(n=len(ranked))]
    facts: list[Fact] = []
    for code, scored in ranked[:SUPERLATIVE_ROWS]:
        best = citable_sentence(index, [cid for _, cid in sorted(scored, reverse=True)], groups)
        if best is None:
            continue
        chunk, (start, end, sentence) = best
        facts.append(Fact(doc=chunk.doc, kind="statement", quantity="", label="", value_text=sentence,
                          section=chunk.section, start=start, end=end, line=sentence))
        shown = sentence if len(sentence) <= ROW_CHARS else sentence[:ROW_CHARS].rsplit(" ", 1)[0] + " …"
        lines.append(f"{project_label(index, code)}: „{shown}“ [@{len(facts) - 1}]")
    if len(ranked) > SUPERLATIVE_ROWS:
        lines.append(texts.MORE_PROJECTS[analysis.language].format(n=len(ranked) - SUPERLATIVE_ROWS))
    return lines, facts
