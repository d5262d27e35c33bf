"""Answers from form fields: one project's field, or a field across every project in the index.

"Kuka on X:n yhteyshenkilö?" is answered by the field of X's form whose label matches the question
(assistant/fields.py). "Which projects does Pirkanmaan liitto oversee?", "Mikä hankkeista alkoi
aikaisimmin?", "Which were applied for by foundations?" are the same field read across all projects:
filtered by the value the question names, or ordered by the date the question asks about. Each line
cites its field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import numpy as np

from assistant import texts
from assistant.fact_answers import difference_line, format_value
from assistant.fitted import FITTED
from assistant.fields import FieldIndex, FieldMatch, label_in, label_lemmas
from assistant.query import ENGLISH_STOP_WORDS, FINNISH_STOP_LEMMAS, QueryAnalysis
from core.text_analysis import related_lemmas, words
from core.types import Fact


# Superlatives and comparatives ("Kumpi päättyi myöhemmin?", "Which began earlier?").
EARLIEST_RE = re.compile(r"\b(earliest|earlier|first|sooner|oldest|aikaisi\w*|aikaisemmin|aiemmin|ensin|ensimmäi\w*|"
                         r"varhaisi\w*|vanhi\w*)\b", re.I)
LATEST_RE = re.compile(r"\b(latest|later|last|most recent|newest|myöhäisi\w*|myöhemmin|viimei\w*|uusin|uusimma\w*)\b",
                       re.I)
END_RE = re.compile(r"\b(end\w*|finish\w*|päätty\w*|loppu\w*|päättymis\w*)\b", re.I)
YEAR_RE = re.compile(r"\b((?:19|20)\d{2})\b")
# A numbered value's number ("5. Sosiaalinen osallisuus…", "3.2. Uusiutuvan…"), as a question gives it.
NUMBERING_RE = re.compile(r"(?<![\d.])(\d{1,2}(?:\.\d{1,2})?)(?=\.?(?:\s|$|,))")
VALUE_NUMBERING_RE = re.compile(r"^\s*(\d{1,2}(?:\.\d{1,2})?)\.\s")
# Web and e-mail addresses are never what a question names ("ely-keskus.fi" is not the ELY centre).
ADDRESS_RE = re.compile(r"https?://|www\.|\(at\)|@|\.fi\b|\.com\b")
DATE_RE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
# "Which projects…", "Mitkä hankkeet…", "Missä näistä hankkeista…": the question is about the set.
ACROSS_RE = re.compile(r"\b(which|what)\s+(of\s+(the|these)\s+)?(\w+\s+){0,2}projects\b|\bprojects\b.*\?"
                       r"|\b(which|what) project (in|of) (this|the|these)\b"
                       r"|\b(in|of|across) (this|the|these|all) (collection|set|material|index|corpus)\b"
                       r"|\b(mi(tkä|kä|nkä|ssä|llä|stä)|ketkä|kenen)\b.{0,40}\bhankk?e(et|iden|ista|ita|issa|illa)\b"
                       r"|\bhankkeista\b"
                       # imperatives: "List the projects…", "Listaa hankkeet…"
                       r"|\b(list|name)\b.{0,30}\bprojects\b|\b(listaa|luettele|nimeä)\b.{0,30}\bhankkee(t|ita)\b", re.I)


def asked_fields(matches: list[FieldMatch], fields: FieldIndex | None = None) -> list[FieldMatch]:
    """The fields the question may ask for ("the contact person and her title" asks two), best first:
    a label's score (cosine of question and label + the share of the label's lemmas the question
    uses) must reach the threshold measured on the corpus-dev DEV half (assistant/data/fitted.json)."""
    above = [m for m in matches if m.score >= FITTED["field_min_score"]]
    if fields is None or not above:
        return above
    # The fields together must account for most of what the question asks ("the contact person and
    # her position" is two labels); otherwise the question is about something a field does not name.
    content = set(above[0].content)
    together: list[FieldMatch] = [above[0]]
    covered = above[0].terms & content
    while len(together) < int(FITTED["fields_per_question"]):
        # The label that accounts for the most of what is still uncovered ("hakija ja yhteyshenkilö":
        # the applicant's name, not a second contact field that shares a derived word), best first on ties.
        gains = [(fields.weight(m.terms & (content - covered)), m) for m in above if m not in together]
        gain, match = max(gains, key=lambda pair: pair[0], default=(0.0, None))
        if match is None or gain <= 0:
            break
        together.append(match)
        covered |= match.terms & content
    if fields.residual(together) > FITTED["field_max_residual"]:
        return []
    return together + [m for m in above if m not in together]


def is_across_projects(question: str, named: list[str]) -> bool:
    """A question about the set of projects ("Minkä hankkeiden hakija…", "Which of the projects…").
    A place it names ("…sijaitsee Seinäjoella") filters the set; it does not pick one project."""
    return len(named) != 1 and bool(ACROSS_RE.search(question))


def _dates(value: str) -> list[date]:
    found = []
    for d, m, y in DATE_RE.findall(value):
        try:
            found.append(date(int(y), int(m), int(d)))
        except ValueError:
            continue
    return found


def _line(fact: Fact, fields: FieldIndex, language: str, n: int, with_project: bool) -> str:
    document = fields.index.document(fact.doc)
    project = f"{document.project_name} ({document.project}): " if with_project and document.project else ""
    # A figure is written for the reader (1,137,380 in English); the citation quotes it as written.
    value = format_value(fact, language) if fact.value is not None else " ".join(fact.value_text.split())
    return f"{project}{label_in(fact.label, language)}: {value} [@{n}]"


def project_field(match: FieldMatch, fields: FieldIndex, codes: list[str], language: str, first: int = 0
                  ) -> tuple[list[str], list[Fact]]:
    """The asked field of each given project, one line each (lines cite facts as [@first + i])."""
    lines: list[str] = []
    cited: list[Fact] = []
    seen: set[tuple[str, str]] = set()
    for fact in fields.values(match.label, codes):
        key = (fields.index.document(fact.doc).project or fact.doc, fact.value_text)
        if key in seen:
            continue
        seen.add(key)
        cited.append(fact)
        lines.append(_line(fact, fields, language, first + len(cited) - 1, len(codes) > 1))
    return lines, cited


def _dated(facts: list[Fact], question: str) -> list[tuple[Fact, date]]:
    """One date per project line: the start, or the end when the question asks about ends
    ("Alkaa 1.4.2020 ja päättyy 31.3.2023" holds both)."""
    by_line: dict[tuple[str, str], list[tuple[Fact, date]]] = {}
    for fact in facts:
        for d in _dates(fact.value_text):
            by_line.setdefault((fact.doc, fact.line), []).append((fact, d))
    wants_end = bool(END_RE.search(question))
    return [(pairs[-1] if wants_end else pairs[0]) for pairs in by_line.values()]


def best_date_facts(fields: FieldIndex, labels: list[str]) -> list[Fact]:
    """Each project's dates from the best-matching date label it has (a final report's
    Päättymispäivämäärä where there is one, else the form's planned period)."""
    chosen: list[Fact] = []
    done: set[str] = set()
    for label in labels:
        facts = [f for f in fields.values(label) if fields.index.document(f.doc).project]
        codes = {fields.index.document(f.doc).project for f in facts} - done
        chosen += [f for f in facts if fields.index.document(f.doc).project in codes]
        done |= codes
    return chosen


def asks_order(question: str) -> bool:
    """"Which started first?", "Kumpi päättyy myöhemmin?": an order of dates is asked."""
    return bool(EARLIEST_RE.search(question) or LATEST_RE.search(question))


def across_projects(matches: list[FieldMatch], fields: FieldIndex, analysis: QueryAnalysis, vector: list[float],
                    group: list[str] | None = None) -> tuple[list[str], list[Fact]] | None:
    """A field over every project (or over the `group` of projects the question names): ordered by
    date when the question asks for the earliest or latest, filtered by a year, or filtered by the
    field value the question names (of any field: "applied for by foundations" names the
    organisation type Säätiö). None when the question narrows nothing (then a list of every
    project would not answer it)."""
    question = analysis.text
    language = analysis.language
    chosen: list[Fact] = []
    label = ""
    years = set(YEAR_RE.findall(question))
    wants_order = asks_order(question)

    def in_group(facts: list[Fact]) -> list[Fact]:
        return [f for f in facts if group is None or fields.index.document(f.doc).project in group]

    # Ordering or a year needs a date field: the best-matching ones (a form's planned period and a
    # report's start/end date both hold a project's dates).
    date_labels = {f.label for f in fields.fields if f.kind == "date"}
    dated_matches = [m for m in matches if m.label in date_labels]
    dated: list[tuple[Fact, date]] = []
    ordered_subset = False
    if dated_matches and wants_order and group is None:
        # "Which of the ESF projects started first?": the order among the projects whose field value
        # the question names (at least fitted min_subset_share of the value's words, by weight).
        subset = [f for f in named_value(fields, analysis, vector, matches, FITTED["min_subset_share"])[0]
                  if f.label not in date_labels]
        group = sorted({fields.index.document(f.doc).project for f in subset}) or None
        ordered_subset = group is not None
    if dated_matches and (wants_order or years):
        labels = [m.label for m in dated_matches]  # each project takes the best of these it has
        dated = _dated(in_group(best_date_facts(fields, labels)), question)
        label = labels[0]
        if dated and wants_order:
            latest = bool(LATEST_RE.search(question)) and not EARLIEST_RE.search(question)
            dated.sort(key=lambda pair: pair[1], reverse=latest)
            # Over many projects the first answers; over a named few, each in order, the first leading.
            chosen = ([f for f, d in dated if d == dated[0][1]] if group is None or ordered_subset
                      else [f for f, _ in dated])
        elif dated:
            chosen = [f for f, d in dated if str(d.year) in years]
    if not chosen:
        # A field the question names outright ("with co-implementers") only some projects fill in
        # answers it, unless the question also names one of that field's values.
        having = in_group(having_field(fields, matches))
        named, whole = named_value(fields, analysis, vector, matches)
        named = in_group(named)
        chosen = named if named and (not having or whole or named[0].label == having[0].label) else having
        label = chosen[0].label if chosen else ""
    if not chosen:
        return None
    lines: list[str] = []
    cited: list[Fact] = []
    seen: set[str] = set()
    for fact in chosen:
        code = fields.index.document(fact.doc).project or ""
        if code in seen:
            continue
        seen.add(code)
        cited.append(fact)
        lines.append(_line(fact, fields, language, len(cited) - 1, True))
    if group is not None and wants_order and dated and not ordered_subset:
        lead = [texts.ORDER_LEAD[language].format(label=label_in(cited[0].label, language))]
        if len(dated) > 1 and dated[0][1] == dated[1][1]:  # "Which started first?" when two started together
            first, second = (fields.index.document(f.doc).project_name for f, _ in dated[:2])
            lead.append(texts.SAME_DAY[language].format(first=first, second=second,
                                                        date=f"{dated[0][1].day}.{dated[0][1].month}.{dated[0][1].year}"))
        elif len(dated) == 2:  # two projects in order: how far apart
            lines.append(difference_line((dated[1][1] - dated[0][1]).days, language))
        return lead + lines, cited
    return [texts.ACROSS_LEAD[language].format(label=label_in(label, language), n=len(seen))] + lines, cited


def is_categorical(value: str, fields: FieldIndex) -> bool:
    """A value that sorts projects into kinds: short (a town, an organisation, a type) or shared by
    several projects (an authority, a priority axis). A long one-off value (a work package's
    description) is prose, which the passages answer better."""
    return len(words(value)) <= FITTED["value_max_words"] or fields.projects_with_value(value) > 1


def named_value(fields: FieldIndex, analysis: QueryAnalysis, vector: list[float], matches: list[FieldMatch],
                min_share: float = 0.0) -> tuple[list[Fact], bool]:
    """The facts whose field value the question names: the value that shares most of its words with
    the question ("Keski-Suomen ELY-keskus" → keski, suomi; "priority axis 5" → "5. Sosiaalinen
    osallisuus…"), counting also how well its label matches the question; or, when no value shares a
    word, the value closest in meaning (foundations → Säätiö). The flag: the question uses every word
    of the value ("kuntayhtymä"), not just one of several ("projects" of "Projektitutkija")."""
    label_score = {m.label: m.score for m in matches}
    own = {lemma for word in words(analysis.text) if not word[:1].isdigit() for lemma in related_lemmas(word)}
    # Words of project names count here: no project is named, and "kunta" asks for the type Kunta.
    asked = (analysis.key_terms | analysis.lemmas | own) - FINNISH_STOP_LEMMAS - ENGLISH_STOP_WORDS
    for match in asked_fields(matches, fields)[:1]:
        asked -= label_lemmas(match.label)  # the words naming the field do not name a value
    pairs = sorted({(f.label, f.value_text) for f in fields.fields if fields.index.document(f.doc).project
                    and is_categorical(f.value_text, fields) and not ADDRESS_RE.search(f.value_text)})
    if not pairs:
        return [], False
    index = fields.index
    numbers = set(NUMBERING_RE.findall(analysis.text))
    acronyms = {w.lower() for word in words(analysis.text) for w in re.split(r"[-–]", word) if INITIALISM_RE.match(w)}
    label_terms = {label: label_lemmas(label) for label, _ in pairs}
    value_words = {pair: [w for w in value_pieces(pair[1]) if not w.lemmas <= label_terms[pair[0]]] for pair in pairs}
    scores = {}
    for (label, value), pieces in value_words.items():
        weight = [index.idf(w.head) for w in pieces]
        spelled_out = abbreviated(pieces, acronyms)
        named = sum(wt for i, (w, wt) in enumerate(zip(pieces, weight)) if w.head in asked or i in spelled_out)
        numbering = set(VALUE_NUMBERING_RE.findall(value))
        # "priority axis 5" names the value numbered 5 outright.
        scores[(label, value)] = 1.0 if numbering & numbers else named / (sum(weight) or 1.0)
    whole = max(scores.values()) >= 1.0
    if max(scores.values()) < min_share:
        return [], False
    if max(scores.values()) > 0:
        # A value the question names, under a label it asks about, beats the same words elsewhere.
        scores = {pair: score + FITTED["value_label_weight"] * label_score.get(pair[0], 0.0)
                  for pair, score in scores.items() if score > 0}
    else:
        # Values are embedded only here, once, and cached beside the model.
        values = sorted({v for _, v in pairs})
        dense = dict(zip(values, (fields.value_vectors(values) @ np.asarray(vector, dtype=float)).tolist()))
        scores = {(label, value): dense[value] for label, value in pairs}
        if max(scores.values()) < FITTED["value_dense_min"]:
            return [], False
    (best_label, _), best = max(scores.items(), key=lambda item: item[1])
    wanted = {pair for pair, score in scores.items() if pair[0] == best_label and score >= best - FITTED["pair_tie_margin"]}
    return [f for f in fields.fields if (f.label, f.value_text) in wanted], whole


@dataclass(frozen=True)
class ValueWord:
    text: str
    head: str  # its first lemma
    lemmas: frozenset


@lru_cache(maxsize=100_000)
def value_pieces(value: str) -> tuple[ValueWord, ...]:
    """The words of a field value, a hyphenated word in its parts ("Pohjois-Pohjanmaan"), without
    numbers and the function words an acronym skips."""
    pieces = [p for w in words(value) for p in re.split(r"[-–]", w)
              if p and not p[:1].isdigit() and p.lower() not in ACRONYM_SKIPS | ENGLISH_STOP_WORDS]
    return tuple(ValueWord(p, related_lemmas(p)[0], frozenset(label_lemmas(p))) for p in pieces
                 if label_lemmas(p))


# A word of capitals only: "ELY", "TTY", "SAMK".
INITIALISM_RE = re.compile(r"^[A-ZÅÄÖ]{2,6}$")
# Words that an acronym skips ("elinkeino-, liikenne- ja ympäristökeskus" is ELY).
ACRONYM_SKIPS = {"ja", "sekä", "för", "och"}


def abbreviated(pieces: list[ValueWord], acronyms: set[str]) -> set[int]:
    """Which of the value's words an acronym of the question stands for: the initials of consecutive
    words ("ELY-keskus" → elinkeino-, liikenne- ja ympäristökeskus; "TTY" → Tampereen teknillinen
    yliopisto)."""
    initials = "".join(w.text[0].lower() for w in pieces)
    found: set[int] = set()
    for acronym in acronyms:
        at = initials.find(acronym)
        if at >= 0:
            found.update(range(at, at + len(acronym)))
    return found


def having_field(fields: FieldIndex, matches: list[FieldMatch]) -> list[Fact]:
    """"Which projects have co-implementers?": the question names a field outright (every lemma of
    its label) that only some projects' forms fill in; those projects answer it."""
    if not matches or matches[0].lexical < 1.0 or matches[0].residual > FITTED["field_max_residual"]:
        return []  # not named outright, or the question asks about more than the field
    label = matches[0].label
    facts = [f for f in fields.values(label) if fields.index.document(f.doc).project]
    with_form = {d.project for d in fields.index.documents() if d.project and d.type == "hankekuvaus"}
    having = {fields.index.document(f.doc).project for f in facts}
    return facts if facts and having < with_form else []
