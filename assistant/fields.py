"""Form fields: every `Label: value` line (and form cell) of any document, found by what a question asks.

A question that asks for a field ("Kuka on X:n yhteyshenkilö?", "Which priority axis does X belong
to?", "Mikä on hakijan organisaatiotyyppi?") is matched to the field whose label means the same: by
the embedding model, which compares the question with the label across languages (the English name
of each standard EURA label, from data/eura_labels.json, is embedded beside the Finnish one), and by
lemmas. No field name is listed in code: a new label in a new form is a field as soon as it is indexed.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from assistant.index import IndexView
from assistant.query import ENGLISH_STOP_WORDS, FINNISH_STOP_LEMMAS, ORGANISATION_TERMS, QueryAnalysis
from core.text_analysis import base_forms, compound_heads, is_finnish_word, lemmas, related_lemmas, word_classes, words
from core.types import Fact

LABELS_FILE = Path(__file__).parent / "data" / "eura_labels.json"
FIELD_KINDS = ("text", "date", "value", "contact")


@lru_cache(maxsize=1)
def english_labels() -> dict[str, list[str]]:
    """Each label's English names: the first is shown, every one is matched against questions."""
    data = json.loads(LABELS_FILE.read_text(encoding="utf-8"))
    return {k: [v] if isinstance(v, str) else list(v) for k, v in data.items() if not k.startswith("_")}


def label_in(label: str, language: str) -> str:
    """The label as the reader's language names it (English from the table, else as written)."""
    if language == "en":
        english = english_labels().get(label)
        if english:
            return re.sub(r"\s*\(.*\)$", "", english[0])
    return label


# A label is a noun phrase of a few words; a sentence before a colon ("Hankkeen päätavoite on …:",
# "Yrityshaastatteluissa hyödynnettiin CRM:ää") has a verb and is not a label.
MAX_LABEL_WORDS = 5
PHASE_LABEL_WORDS = 3
# "CRM:ää": a colon before a case ending inflects an abbreviation; it does not end a label.
CASE_ENDING_RE = re.compile(r"^[a-zåäö]{1,3}\b")
# A value wholly in parentheses is a placeholder for removed data: "(poistettu)".
PLACEHOLDER_RE = re.compile(r"^\s*\([^)]*\)\s*$")
# EURA's phase columns: "Suunniteltu: 465", "Toteutunut seurantatietojen mukaan: 5".
PHASE_LABEL_RE = re.compile(r"^(Suunniteltu|Toteutunut|Myönnetty|Haettu)\b")
COPULA_RE = re.compile(r"\b(on|ovat|oli|olivat|is|are|was|were)\b", re.I)


def is_field(fact: Fact, removed: bool = False) -> bool:
    """A form's label–value line or cell (not a sentence that happens to hold a date or a number).
    `removed`: instead, a field whose value the document gives as removed ("Puhelinnumero: (poistettu)")."""
    return (fact.kind in FIELD_KINDS and fact.line.startswith(fact.label) and bool(fact.value_text.strip())
            and bool(PLACEHOLDER_RE.match(fact.value_text)) == removed and not CASE_ENDING_RE.match(fact.value_text)
            and not any(word_classes(w) == {"teonsana"} for w in words(fact.label) if not w[:1].isdigit())
            and len(words(fact.label)) <= MAX_LABEL_WORDS and not COPULA_RE.search(fact.label)
            # "Suunniteltu: 465" is a phase of the quantity its heading names, not a field of its own
            and not (PHASE_LABEL_RE.match(fact.label) and len(words(fact.label)) <= PHASE_LABEL_WORDS))


def label_lemmas(label: str, heads_only: bool = False) -> set[str]:
    """The lemmas of a label or value. With `heads_only`, without the first parts of compounds: a
    compound names its last part ("Kustannusmalli" is a model, not a cost; "Organisaatiotyyppi" a
    type), so a question asking for costs does not ask for the cost model."""
    found: set[str] = set()
    for word in words(label):
        if word[:1].isdigit():
            continue
        for piece in re.split(r"[-–]", word):
            if piece:
                found.update(related_lemmas(piece))
                if heads_only:
                    found -= set(lemmas(piece)[1:-1])
                    found.update(compound_heads(piece))  # vastuu + viranomainen
    return found - FINNISH_STOP_LEMMAS


# A form section that is only a short list under a label-like heading ("Osatoteuttajat" and the
# co-implementers, one per line) is a field whose value is the list.
LIST_FIELD_MAX_CHARS = 600
LIST_FIELD_MAX_HEADING_WORDS = 4


def list_fields(record) -> list[Fact]:
    found = []
    for section in record.sections:
        heading = section.heading.split(" › ")[-1].strip()
        # A list's heading names what it lists, in the plural (Osatoteuttajat, Kunnat, Maakunnat).
        if (re.match(r"^\d", heading) or len(words(heading)) > LIST_FIELD_MAX_HEADING_WORDS
                or not heading.lower().endswith("t")):
            continue
        body_start = record.text.find("\n", section.start) + 1
        body = record.text[body_start:section.end]
        lines = [line.strip() for line in body.split("\n") if line.strip()]
        if not lines or len(body) > LIST_FIELD_MAX_CHARS or any(len(line) > 150 or line.endswith(".")
                                                                for line in lines):
            continue
        start = body_start + (len(body) - len(body.lstrip()))
        end = body_start + len(body.rstrip())
        found.append(Fact(doc=record.document.doc, kind="text", quantity=heading, label=heading, phase="",
                          value=None, value_text="; ".join(lines), unit="", section=section.heading,
                          start=start, end=end, line=f"{heading}: " + "; ".join(lines)))
    return found


# Words that ask for a value without saying of what ("määrä", "paljon"): not content of their own.
MEASURE_WORDS = {"määrä", "lukumäärä", "paljon", "moni", "mikä", "kuka", "nimi", "olla"}


def name_words(name: str) -> tuple[frozenset, ...]:
    """The content words of a label's other name (before any parenthesis), lower-cased, each as the
    set of its forms: a Finnish everyday name ("toteuttaja") also by its lemmas and the verbs it
    derives from (toteuttaa), as labels are."""
    name = re.sub(r"\(.*\)", "", name)
    finnish = all(is_finnish_word(w) for w in words(name))
    return tuple(frozenset({w.lower().removesuffix("'s")} | (label_lemmas(w) if finnish else set()))
                 for w in words(name) if w.lower() not in ENGLISH_STOP_WORDS)


# The title of an EURA form names its fund: "Euroopan sosiaalirahaston (ESR) rahoittaman hankkeen kuvaus".
FUND_TITLE_RE = re.compile(r"Euroopan (\w+rahasto\w*) \((ESR|EAKR)\)")
FUND_LABEL = "Rahasto"


def fund_fields(record) -> list[Fact]:
    match = FUND_TITLE_RE.search(record.text[:1000])
    if not match:
        return []
    value = f"{match.group(2)} ({match.group(1)})"
    return [Fact(doc=record.document.doc, kind="text", quantity=FUND_LABEL, label=FUND_LABEL, phase="", value=None,
                 value_text=value, unit="", section="", start=match.start(), end=match.end(),
                 line=f"{FUND_LABEL}: {value}")]


def unexplained(content: set[str], terms: set[str]) -> set[str]:
    """The question's content lemmas that a label's terms do not account for. A word the label has
    whole accounts for its compound parts too: "viranomainen" for "virka" and "omainen"."""
    matched = content & terms
    return content - terms - {part for term in matched for part in lemmas(term)}


@dataclass
class FieldMatch:
    label: str
    score: float
    dense: float
    lexical: float
    residual: float = 0.0
    terms: frozenset = frozenset()
    content: frozenset = frozenset()


class FieldIndex:
    """The fields of every indexed document, and the embedding of each distinct label."""

    def __init__(self, index: IndexView, embeddings):
        self.index = index
        self.embeddings = embeddings
        self._cache: dict | None = None
        self.fields: list[Fact] = [f for r in index.records.values() for f in r.facts if is_field(f)]
        self.fields += [f for r in index.records.values() for f in list_fields(r) + fund_fields(r)]
        # Fields a document gives as removed (contact details taken out of a published form): a
        # question may ask for one, and is then told that the document does not give it.
        self.removed: list[Fact] = [f for r in index.records.values() for f in r.facts if is_field(f, removed=True)]
        self.labels = sorted({f.label for f in self.fields + self.removed})
        # A label's words in both languages: "Which priority axis…" uses the English name's words.
        english = english_labels()
        self._lemmas = {label: label_lemmas(label, heads_only=True) for label in self.labels}
        self._english = {label: [name_words(name) for name in english.get(label, [])] for label in self.labels}
        self._label_vectors: np.ndarray | None = None  # embedded on the first question, not at load
        self._value_projects: dict[str, int] | None = None

    def _cached_vectors(self, texts: list[str]) -> dict[str, list[float]]:
        """Embeddings of short texts (labels, field values). They are few, repeat across thousands
        of forms and depend only on the model, so one cache beside the model serves every index;
        an index at a new path does not embed them again."""
        settings = self.index.settings
        model = re.sub(r"[^\w.-]+", "_", settings.model_name_or_path)[-80:]
        cache_path = settings.model_cache / f"short-texts-{model}.json"
        if self._cache is None:
            try:
                self._cache = json.loads(cache_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                self._cache = {}
        missing = sorted({t for t in texts if t not in self._cache})
        if missing:
            vectors = self.embeddings.embed_documents([f"title: none | text: {t}" for t in missing])
            self._cache.update({t: list(map(float, v)) for t, v in zip(missing, vectors)})
            try:
                cache_path.parent.mkdir(parents=True, exist_ok=True)
                temporary = cache_path.with_suffix(f".{os.getpid()}.tmp")
                temporary.write_text(json.dumps(self._cache), encoding="utf-8")
                temporary.replace(cache_path)  # atomic: a crash or a second process never leaves half a file
            except OSError:
                pass  # a read-only cache dir: the vectors are computed again next time
        return self._cache

    def value_vectors(self, values: list[str]) -> np.ndarray:
        cache = self._cached_vectors(values)
        return np.vstack([np.array(cache[v]) for v in values])

    def _embed_labels(self) -> np.ndarray:
        """One vector per label: the mean of the Finnish label's and its English name's embeddings."""
        english = english_labels()
        cache = self._cached_vectors([t for label in self.labels for t in [label] + english.get(label, [])[:1]])
        rows = []
        for label in self.labels:
            vectors = [np.array(cache[t]) for t in [label] + english.get(label, [])[:1] if t in cache]
            mean = np.mean(vectors, axis=0)
            rows.append(mean / (np.linalg.norm(mean) or 1.0))
        return np.vstack(rows)

    def match(self, analysis: QueryAnalysis, vector: list[float]) -> list[FieldMatch]:
        """Every label scored against the question, best first: cosine of question and label
        embeddings, and the IDF-weighted share of the label's lemmas that the question uses."""
        if not self.labels:
            return []
        if self._label_vectors is None:
            self._label_vectors = self._embed_labels()
        dense = self._label_vectors @ np.asarray(vector, dtype=float)
        identity = analysis.identity(self.index)
        asked = (analysis.key_terms | analysis.lemmas | {w.lower() for w in words(analysis.text)}) - identity
        # A label's other name is matched by whole words only: "toteuttaja" (the applicant) is not
        # asked by the "toteuttaja" inside "osatoteuttajat" (co-implementers).
        whole = {form for w in words(analysis.text) for form in (w.lower(), lemmas(w)[0], *base_forms(w))}
        # What the question is about besides its project: its content words (Finnish lemmas, English
        # through the glossary), without the project's names and places.
        # An organisation after the question word is the kind of answer ("Which organisations are the
        # co-implementers…"), not something the field must account for ("What outcome…" is).
        # The project's names, applicant and places are not content, nor are their compound parts:
        # "Itä-Lapin Kuntayhtymä" is not about municipalities ("kunta").
        content = ({t for t in analysis.key_terms if self.index.knows(t)} - identity
                   - {part for term in identity for part in lemmas(term)[1:]}
                   - MEASURE_WORDS - self.index.name_parts(analysis.projects or ())
                   - (analysis.answer_type if analysis.answer_type & ORGANISATION_TERMS else set())
                   - analysis.source)
        out = []
        for i, label in enumerate(self.labels):
            # The share of the Finnish label's lemmas or of its English name's words, whichever
            # the question uses more (a question is in one language).
            lexical = max([self._share(self._lemmas[label], asked)]
                          + [self._name_share(name, whole) for name in self._english[label]])
            # The share of the question's content that the label does not account for: "Who was the
            # contact person of X?" is all label; "Which objective of X concerned labour migration?"
            # asks about something the field "Erityistavoite" does not name.
            terms = frozenset(self._lemmas[label].union(*(w for name in self._english[label] for w in name)))
            rest = self.weight(unexplained(content, terms)) / self.weight(content) if content else 0.0
            out.append(FieldMatch(label, float(dense[i]) + lexical, float(dense[i]), lexical, rest, terms,
                                  frozenset(content)))
        return sorted(out, key=lambda m: -m.score)

    def residual(self, matches: list[FieldMatch]) -> float:
        """The share of the question's content words that none of these fields' labels accounts for."""
        if not matches or not matches[0].content:
            return 0.0
        content = set(matches[0].content)
        return self.weight(unexplained(content, set().union(*(m.terms for m in matches)))) / (self.weight(content) or 1.0)

    def weight(self, terms: set[str]) -> float:
        return sum(self.index.idf(t) for t in terms)

    def _name_share(self, name: tuple[frozenset, ...], asked: set[str]) -> float:
        """The share of a name's words (by weight) that the question uses in one of their forms."""
        weights = [max(self.index.idf(t) for t in forms) for forms in name]
        total = sum(weights)
        return sum(w for w, forms in zip(weights, name) if forms & asked) / total if total else 0.0

    def _share(self, terms: set[str], asked: set[str]) -> float:
        total = self.weight(terms)
        return self.weight(terms & asked) / total if total else 0.0

    def projects_with_value(self, value: str) -> int:
        if self._value_projects is None:
            counts: dict[str, set[str]] = {}
            for fact in self.fields:
                counts.setdefault(fact.value_text, set()).add(self.index.document(fact.doc).project or fact.doc)
            self._value_projects = {v: len(p) for v, p in counts.items()}
        return self._value_projects.get(value, 0)

    def removed_only(self, label: str, projects: list[str]) -> list[Fact]:
        """The removed lines of this field, when these projects' documents give it only as removed."""
        if self.values(label, projects):
            return []
        return [f for code in projects for f in self.removed
                if f.label == label and self.index.document(f.doc).project == code]

    def values(self, label: str, projects: list[str] | None = None) -> list[Fact]:
        """The field's facts, of the given projects (in their order) or of all."""
        facts = [f for f in self.fields if f.label == label]
        if projects is None:
            return facts
        return [f for code in projects for f in facts if self.index.document(f.doc).project == code]
