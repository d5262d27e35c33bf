"""A read-only view of the index, loaded once per process (CLI run or web server)."""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable

from core.settings import Settings, get_settings
from core.store import DocumentStore, IndexMissingError, KeywordIndex, VectorStore, index_exists, keyword_dir
from core.project_names import ACRONYM_RE, lemma_sequence, name_mentions
from core.sentences import chunk_sentences
from core.text_analysis import derivation_bases, lemmas, tokens, words
from core.types import Chunk, Document, DocumentRecord

# Shorter words end or start too many others ("aika" ends "jatkoaika") to say anything.
COMPOUND_MIN_CHARS = 8


# The form fields that name who runs a project: "Laurea's project", "Humakin hanke".
APPLICANT_LABELS = ("Hakijan virallinen nimi", "Tuensaajan nimi", "Osatoteuttajat")
# A word names a project when at most this many projects carry it in their name, applicant or places
# and most chunks that use it belong to them ("kahina", "laurea"; not "kehittäminen", "kaupunki").
EXCLUSIVE_PROJECTS = 2
EXCLUSIVE_SHARE = 0.5
# Of the projects that naming words point at, those with at least this share of the best weight.
WEAK_NAMING_SHARE = 0.999
MIN_DOC_STEM = 6  # a shorter file stem ("001") is too likely to be a number in a question
# Finnish case endings are at most three letters (-ssa, -lla, -sta, -n); stems shorter than this say
# nothing.
CASE_ENDING = 3
MIN_STEM = 5


@dataclass
class Project:
    code: str
    name: str
    docs: list[str] = field(default_factory=list)
    name_lemmas: set[str] = field(default_factory=set)
    places: set[str] = field(default_factory=set)
    applicant_lemmas: set[str] = field(default_factory=set)

    def identity(self) -> set[str]:
        return self.name_lemmas | self.places | self.applicant_lemmas


def _word_terms(text: str) -> set[str]:
    """Each word's first lemma (of each part of a hyphenated word) and its lower-cased form."""
    return _first_lemmas(text) | {w.lower() for w in words(text)}


def _proper_noun_terms(text: str) -> set[str]:
    """Lemmas and forms of the words written with a capital ("Oulun", "Laurea's")."""
    capitalised = " ".join(w for w in words(text) if w[:1].isupper())
    return {t for w in words(capitalised) for t in lemmas(w)} | _word_terms(capitalised)


def _first_lemmas(text: str) -> set[str]:
    return {lemmas(piece)[0] for w in words(text) if not w[:1].isdigit()
            for piece in re.split(r"[-–]", re.sub(r"['’]s$", "", w)) if len(piece) > 1}


class IndexView:
    def __init__(self, settings: Settings, records: list[DocumentRecord], keyword: KeywordIndex,
                 vectors: VectorStore):
        self.settings = settings
        self.records = {r.document.doc: r for r in records}
        self.chunks: dict[str, Chunk] = {c.id: c for r in records for c in r.chunks}
        self.keyword = keyword
        self.vectors = vectors
        self.projects = self._collect_projects(records)
        self.doc_freq, self.n_chunks = self._document_frequencies(records)
        # Words the documents use outside any chunk too: a form's title ("Euroopan aluekehitysrahaston
        # (EAKR) rahoittaman hankkeen kuvaus") is a heading that no chunk sits under.
        self.vocabulary = set(self.doc_freq) | {t for r in records for s in r.sections for t in tokens(s.heading)}
        self._identity: dict[str, set[str]] = {}
        self._all_identity: set[str] | None = None
        self._sorted_terms: list[str] | None = None
        self.naming_words = self._naming_words(records)
        # Which projects carry each name word: a passage can name only a project one of whose name
        # words it uses, so the full comparison runs for those alone (300 projects × every sentence
        # of the project-less documents would take minutes at load).
        self._by_name_word: dict[str, set[str]] = {}
        for code, project in self.projects.items():
            for term in project.name_lemmas:
                self._by_name_word.setdefault(term, set()).add(code)
        # Chunks of documents that belong to no project (a council's bulletin on ten projects), by
        # the projects their sentences name.
        self.chunk_links: dict[str, set[str]] = {
            c.id: linked for r in records if not r.document.project for c in r.chunks
            if (linked := set().union(*(self.mentioned_in(text) for _, _, text in chunk_sentences(c))))}

    @classmethod
    def load(cls, settings: Settings | None = None) -> "IndexView":
        settings = settings or get_settings()
        if not index_exists(settings):
            raise IndexMissingError(
                f"No index in {settings.data_dir}. Run `hanke ingest` first.")
        records = DocumentStore(settings.data_dir).all()
        return cls(settings, records, KeywordIndex.load(keyword_dir(settings)), VectorStore(settings))

    @staticmethod
    def _collect_projects(records: list[DocumentRecord]) -> dict[str, Project]:
        projects: dict[str, Project] = {}
        for record in records:
            doc = record.document
            if not doc.project:
                continue
            project = projects.setdefault(doc.project, Project(doc.project, doc.project_name or doc.project))
            project.docs.append(doc.doc)
            project.places.update(doc.places)
            if doc.project_name:
                project.name_lemmas = _first_lemmas(doc.project_name)
            for fact in record.facts:
                if fact.label in APPLICANT_LABELS and fact.kind in ("text", "contact"):
                    project.applicant_lemmas |= _first_lemmas(fact.value_text)
        return projects

    @staticmethod
    def _document_frequencies(records: list[DocumentRecord]) -> tuple[Counter, int]:
        freq: Counter = Counter()
        total = 0
        for record in records:
            for chunk_tokens in record.tokens:
                unique = set(chunk_tokens)
                # Verbs the chunk's nouns derive from (hakija → hakea) count as its terms too, so
                # that a question's verb is known to the corpus and weighted like the noun form.
                freq.update(unique | {base for token in unique for base in derivation_bases(token)})
                total += 1
        return freq, total

    def idf(self, term: str) -> float:
        return math.log(1 + (self.n_chunks + 1) / (self.doc_freq.get(term, 0) + 0.5))

    def knows(self, term: str) -> bool:
        return term in self.vocabulary

    def knows_stem(self, word: str) -> bool:
        """A name the lexicon cannot inflect back ("Metropolian", "Kuken") is known when an indexed
        word starts with its stem (the word less a case ending of up to three letters)."""
        if self._sorted_terms is None:
            self._sorted_terms = sorted(self.doc_freq)
        lowered = word.lower()
        stem = lowered[:max(MIN_STEM, len(lowered) - CASE_ENDING)]
        position = bisect_left(self._sorted_terms, stem)
        return position < len(self._sorted_terms) and self._sorted_terms[position].startswith(stem)

    def knows_compound(self, term: str) -> bool:
        """A compound the corpus uses as part of a longer one: "päivämäärä" in "päättymispäivämäärä",
        "päättymispäivä" and "lisäraha" at the start of "päättymispäivämäärä" and "lisärahoitus"."""
        if len(term) < COMPOUND_MIN_CHARS:
            return False
        return any(known != term and (known.endswith(term) or known.startswith(term)) for known in self.doc_freq)

    def document(self, doc: str) -> Document:
        return self.records[doc].document

    def documents(self) -> list[Document]:
        return [r.document for r in self.records.values()]

    def chunk_count(self) -> int:
        return len(self.chunks)

    def identity_terms(self, codes: Iterable[str] | None = None) -> set[str]:
        """Lemmas that name these projects (all when None), their applicants or places, and the verbs
        they derive from ("koulutusta" → "kouluttaa"). They pick the project; in a sentence they say
        little. Only the projects a question is about: among hundreds of projects' names nearly every
        word names some project, and "yritys" in "SATTUKO:n hyöty yrityksille" is what is asked."""
        if codes is None:
            if self._all_identity is None:
                self._all_identity = set().union(*(self._project_identity(code) for code in self.projects))
            return self._all_identity
        return set().union(*(self._project_identity(code) for code in codes if code in self.projects))

    def _project_identity(self, code: str) -> set[str]:
        """One project's identity words, cached per project (a question's set of projects varies)."""
        if code not in self._identity:
            project = self.projects[code]
            names = project.name_lemmas | project.places | project.applicant_lemmas
            # Not through compound parts: "kehittämishanke" names a project, "kehittää" does not.
            self._identity[code] = (names | {b for t in names if len(lemmas(t)) == 1 for b in derivation_bases(t)}
                                    | {code.lower()})
        return self._identity[code]

    def name_parts(self, codes: Iterable[str]) -> set[str]:
        """The parts of these projects' compound name words ("matkailu", "yhteistyö" of
        "matkailuyhteistyön"): words a question may use to describe the project."""
        found: set[str] = set()
        for code in codes:
            for word in words(self.projects[code].name) if code in self.projects else ():
                parts = lemmas(word)[1:]
                # and the tails the analyser split further: matkailu + yhteis + työ → "yhteistyö"
                found.update(parts, ("".join(parts[i:]) for i in range(1, len(parts) - 1)))
        return found

    def name_words(self, codes: Iterable[str] | None = None) -> set[str]:
        """The lower-cased words of the projects' names (all when None); they say nothing about a
        question's language."""
        chosen = self.projects.values() if codes is None else [self.projects[c] for c in codes if c in self.projects]
        return {w.lower() for p in chosen for w in words(p.name) if not w[:1].isdigit()}

    def _naming_words(self, records: list[DocumentRecord]) -> dict[str, set[str]]:
        """Words that by themselves name one or two projects: a word of their name, applicant or
        places that few projects carry and that the other projects' chunks rarely use."""
        carriers: dict[str, set[str]] = {}
        for code, project in self.projects.items():
            for term in project.identity():
                if len(term) > 2:
                    carriers.setdefault(term, set()).add(code)
        chunk_projects: dict[str, Counter] = {}
        for record in records:
            code = record.document.project or ""
            for chunk_tokens in record.tokens:
                for term in set(chunk_tokens) & carriers.keys():
                    chunk_projects.setdefault(term, Counter())[code] += 1
        naming = {}
        for term, codes in carriers.items():
            if len(codes) > EXCLUSIVE_PROJECTS:
                continue
            counts = chunk_projects.get(term, Counter())
            total = sum(counts.values())
            own = sum(counts[c] for c in codes)
            if total == 0 or own / total >= EXCLUSIVE_SHARE:
                naming[term] = codes
        return naming

    def mentioned_in(self, text: str) -> set[str]:
        """The projects a passage names: by name as a question would (whole, a part, the acronym), or
        with every word of a name of two or more words in any order and inflection ("mitä mahdollisuuksia
        kiertotaloudella on Etelä-Savossa" names "Kiertotalouden mahdollisuudet Etelä-Savossa")."""
        terms = _first_lemmas(text)
        shared = Counter(code for term in terms for code in self._by_name_word.get(term, ()))
        # A name is named by all its words, a part of two or more words, or its acronym (one word).
        possible = {code for code, n in shared.items()
                    if n >= min(2, len(self.projects[code].name_lemmas)) or ACRONYM_RE.search(self.projects[code].name)}
        if not possible:
            return set()
        sequence = lemma_sequence(text)
        return {code for code in possible
                if (len(self.projects[code].name_lemmas) >= 2 and self.projects[code].name_lemmas <= terms)
                or (self.projects[code].name and name_mentions(text, self.projects[code].name, sequence))}

    def linked_chunks(self, codes: Iterable[str]) -> set[str]:
        """The chunks of project-less documents that name one of these projects."""
        wanted = set(codes)
        return {cid for cid, linked in self.chunk_links.items() if linked & wanted}

    def names_a_document(self, word: str) -> bool:
        """A word that is (part of) an indexed file name: "A71003_tiedote"."""
        lowered = word.lower()
        return len(lowered) >= MIN_DOC_STEM and any(lowered in doc.lower() for doc in self.records)

    def mentioned_document(self, query: str) -> str | None:
        """The one indexed document a question names by its file name ("A71003_tiedote.txt",
        "A71003_tiedote"), if any."""
        lowered = query.lower()
        named = [doc for doc in self.records
                 if doc.lower() in lowered or (len(doc.rsplit(".", 1)[0]) >= MIN_DOC_STEM
                                               and re.search(rf"\b{re.escape(doc.rsplit('.', 1)[0].lower())}\b", lowered))]
        return named[0] if len(named) == 1 else None

    def mentioned_projects(self, query_lemmas: set[str], query: str) -> list[str]:
        """Projects a question names, strongly or weakly (`named_projects`)."""
        strong, weak = self.named_projects(query_lemmas, query)
        return strong + weak

    def named_projects(self, query_lemmas: set[str], query: str) -> tuple[list[str], list[str]]:
        """Projects a question names strongly: by code, by whole name (any inflection or word order),
        by the part of the name before or after a dash or its acronym; and weakly: by a word that
        only they carry in their name, applicant or places ("Laurea's project", "Kuhmon hanke")."""
        upper = query.upper()
        sequence = lemma_sequence(query)
        query_terms = set(query_lemmas) | _word_terms(query)
        strong = []
        for code, project in self.projects.items():
            by_code = bool(re.search(rf"\b{re.escape(code)}\b", upper))
            by_name = bool(project.name_lemmas) and project.name_lemmas <= query_terms
            if by_code or by_name or (project.name and name_mentions(query, project.name, sequence)):
                strong.append(code)
        # Words of the strongly named projects' own names, applicants and places name nothing more;
        # another word may name a second project ("Vertaa Uudet kasvot -hanketta ja Oulun hanketta"),
        # but only a proper noun, written with a capital: beside "Ohjaamo Helsinki", "people" or
        # "tarjolla" is the question's own word, not "Food Living labs connecting people".
        if strong:
            query_terms = _proper_noun_terms(query)
        query_terms -= {t for code in strong for t in self.projects[code].identity()}
        # The projects that the most (rarest) naming words point at: "Itä-Lapin kuntayhtymän
        # esiselvitys" names the project whose applicant is Itä-Lapin kuntayhtymä, not every
        # project in Itä-Lappi.
        weight: Counter = Counter()
        for term in query_terms:
            for code in self.naming_words.get(term, set()) - set(strong):
                weight[code] += self.idf(term)
        if not weight:
            return strong, []
        best = max(weight.values())
        return strong, sorted(code for code, w in weight.items() if w >= best * WEAK_NAMING_SHARE)
