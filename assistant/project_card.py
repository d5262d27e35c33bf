"""One project at a glance, every line cited: name, organisation, period, region, goals, key figures
planned vs realised, amendments, results, and the disagreements between its documents."""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from assistant.facts import FactIndex
from assistant.fact_answers import fact_citation, format_value
from core.sentences import split_sentences
from core.types import Citation, Fact

ORGANISATION_LABELS = ("Hakijan virallinen nimi", "Tuensaajan nimi")
REGION_LABELS = ("Maakunnat",)
GOAL_HEADING_RE = re.compile(r"tavoit", re.I)
RESULT_HEADING_RE = re.compile(r"tulok|loppuraportin tiivistelmä", re.I)
GOAL_SENTENCE_RE = re.compile(r"tavoittee(na|ksi|t)\b|päätavoit", re.I)
PROJECT_PERIOD_RE = re.compile(r"hank|toteutusaika", re.I)  # the project's period, not an activity's
TOTAL_RE = re.compile(r"^(Kustannukset yhteensä|Kustannusarvio yhteensä)$")
COST_TOTAL = {"fi": "Kustannukset yhteensä", "en": "Total costs"}
AMENDMENT_RE = re.compile(r"hankemuutos|muutoshakemu|jatkoaika|lisärahoitu|hankepää+tö", re.I)


def _with_list(text: str, end: int, items: int = 3) -> int:
    """Extend a sentence that introduces a list ("tavoitteena on") over the list's first items."""
    if text[end - 1:end] in ".!?":
        return end
    for _ in range(items):
        line_start = text.find("\n", end) + 1
        if line_start <= 0 or not re.match(r"\s*[-•–]\s", text[line_start:line_start + 4]):
            break
        line_end = text.find("\n", line_start)
        end = len(text) if line_end < 0 else line_end
    return end


class CardItem(BaseModel):
    text: str
    citations: list[int] = Field(default_factory=list)


class FigureRow(BaseModel):
    quantity: str
    planned: str | None = None
    granted: str | None = None
    realised: str | None = None
    citations: list[int] = Field(default_factory=list)


class ProjectCard(BaseModel):
    code: str
    name: str
    organisation: list[CardItem] = Field(default_factory=list)
    period: list[CardItem] = Field(default_factory=list)
    region: list[CardItem] = Field(default_factory=list)
    goals: list[CardItem] = Field(default_factory=list)
    figures: list[FigureRow] = Field(default_factory=list)
    amendments: list[CardItem] = Field(default_factory=list)
    results: list[CardItem] = Field(default_factory=list)
    disagreements: list[CardItem] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)


class CardBuilder:
    def __init__(self, facts: FactIndex, code: str):
        self.facts = facts
        self.index = facts.index
        self.code = code
        self.card = ProjectCard(code=code, name=self.index.projects[code].name)
        self._numbers: dict[tuple[str, int, int], int] = {}

    def cite_span(self, doc: str, start: int, end: int, section: str) -> int:
        key = (doc, start, end)
        if key not in self._numbers:
            record = self.index.records[doc]
            n = len(self.card.citations) + 1
            self.card.citations.append(Citation(n=n, doc=doc, title=record.document.title, section=section,
                                                quote=record.text[start:end], score=1.0, start=start, end=end,
                                                project=self.code))
            self._numbers[key] = n
        return self._numbers[key]

    def cite(self, fact: Fact) -> int:
        return self.cite_span(fact.doc, fact.start, fact.end, fact.section)

    def labelled(self, labels: tuple[str, ...]) -> list[CardItem]:
        seen: dict[str, CardItem] = {}
        for fact in self.facts.project_facts(self.code):
            if fact.label in labels:
                item = seen.setdefault(fact.value_text, CardItem(text=fact.value_text))
                item.citations.append(self.cite(fact))
        return list(seen.values())

    def periods(self) -> list[CardItem]:
        items = []
        for fact in self.facts.project_facts(self.code):
            if fact.kind == "period" and fact.phase == "planned":
                items.append(CardItem(text=fact.value_text, citations=[self.cite(fact)]))
            elif fact.kind == "date" and fact.label in ("Alkamispäivämäärä", "Päättymispäivämäärä"):
                items.append(CardItem(text=f"{fact.label} {fact.value_text}", citations=[self.cite(fact)]))
        return items

    def sentences_under(self, heading_re: re.Pattern, limit: int, per_doc: int = 2) -> list[CardItem]:
        items: list[CardItem] = []
        for doc in self.index.projects[self.code].docs:
            record = self.index.records[doc]
            taken = 0
            for section in record.sections:
                if taken >= per_doc or not heading_re.search(section.heading):
                    continue
                for start, end in split_sentences(record.text[section.start:section.end], section.start):
                    sentence = record.text[start:end]
                    if len(sentence) < 40 or start == section.start:  # the heading line itself
                        continue
                    items.append(CardItem(text=" ".join(sentence.split()),
                                          citations=[self.cite_span(doc, start, end, section.heading)]))
                    taken += 1
                    break
        return items[:limit]

    def sentences_matching(self, pattern: re.Pattern, limit: int) -> list[CardItem]:
        items = []
        for doc in self.index.projects[self.code].docs:
            record = self.index.records[doc]
            for chunk in record.chunks:
                for start, end in split_sentences(chunk.text, chunk.start):
                    sentence = record.text[start:end]
                    if pattern.search(sentence) and len(sentence) >= 40 and len(items) < limit:
                        end = _with_list(record.text, end)
                        items.append(CardItem(text=" ".join(record.text[start:end].split()),
                                              citations=[self.cite_span(doc, start, end, chunk.section)]))
        return items

    def amendments(self, limit: int = 4) -> list[CardItem]:
        return self.sentences_matching(AMENDMENT_RE, limit)

    def figures(self, language: str) -> list[FigureRow]:
        rows: dict[str, FigureRow] = {}
        for fact in self.facts.project_facts(self.code):
            is_total = fact.kind == "table" and TOTAL_RE.match(fact.quantity) and fact.unit == "EUR"
            if not (fact.kind == "value" or is_total) or fact.value is None or fact.phase not in (
                    "planned", "granted", "realised"):
                continue
            quantity = COST_TOTAL[language] if is_total else fact.quantity
            row = rows.setdefault(quantity.lower(), FigureRow(quantity=quantity))
            if getattr(row, fact.phase) is None:
                setattr(row, fact.phase, format_value(fact, language))
                row.citations.append(self.cite(fact))
        return list(rows.values())

    def disagreements(self, language: str) -> list[CardItem]:
        """Different values for the same thing across the project's documents."""
        items = []
        groups: dict[str, list[Fact]] = {}
        for fact in self.facts.project_facts(self.code):
            if fact.kind == "contact" and "yhteyshenkilö" in fact.quantity.lower():
                groups.setdefault("contact", []).append(fact)
            elif (fact.kind == "period" and PROJECT_PERIOD_RE.search(fact.line)) or (
                    fact.kind == "date" and fact.label == "Päättymispäivämäärä"):
                groups.setdefault("end", []).append(fact)
        labels = {"contact": {"fi": "Yhteyshenkilö", "en": "Contact person"},
                  "end": {"fi": "Päättymispäivä", "en": "End date"}}
        for key, facts in groups.items():
            values: dict[str, list[int]] = {}
            for fact in facts:
                value = fact.value_text.split("–")[-1].strip()
                values.setdefault(value, []).append(self.cite(fact))
            if len(values) > 1:
                shown = "; ".join(f"{v} [{', '.join(map(str, ns))}]" for v, ns in values.items())
                items.append(CardItem(text=f"{labels[key][language]}: {shown}",
                                      citations=[n for ns in values.values() for n in ns]))
        return items

    def build(self, language: str) -> ProjectCard:
        card = self.card
        card.organisation = self.labelled(ORGANISATION_LABELS)
        card.period = self.periods()
        card.region = self.labelled(REGION_LABELS)
        card.goals = self.sentences_under(GOAL_HEADING_RE, 4) or self.sentences_matching(GOAL_SENTENCE_RE, 3)
        card.figures = self.figures(language)
        card.amendments = self.amendments()
        card.results = self.sentences_under(RESULT_HEADING_RE, 3, per_doc=1)
        card.disagreements = self.disagreements(language)
        return card


def project_card(facts: FactIndex, code: str, language: str = "fi") -> ProjectCard:
    return CardBuilder(facts, code).build(language)
