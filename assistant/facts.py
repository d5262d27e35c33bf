"""Answers from structured facts: figures across projects, plan-vs-outcome changes, disagreements.

Retrieving a few passages cannot answer "which project got the most funding" or "how did the number
of participants change"; the facts extracted at ingest (ingest/facts.py) can, and each one carries its
verbatim source line for the citation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.index import IndexView
from assistant.query import QueryAnalysis
from core.text_analysis import lemmas, words
from core.types import Fact

COMPARE_RE = re.compile(
    r"\b(which (project|projects)|which of the projects|what project|mikä hanke|mitkä hankkeet|"
    r"mi(kä|tkä) (\w+ )?hankkeista|missä hankkeessa|kumpi|kummassa|"
    r"compare|vertaa|vertailu|most|least|largest|biggest|smallest|longest|shortest|(?<!no )longer|shorter|eniten|vähiten|suurin|"
    r"pidemp\w*|lyhyemp\w*|"
    r"pienin|pisin|lyhin|all projects|kaikki hankkeet|kaikkien hankkeiden|each project|jokaisen)\b", re.I)
CHANGE_RE = re.compile(
    r"\b(change[ds]?|differ\w*|difference|compared|vs\.?|versus|plan(ned)? (and|vs|versus) (actual|realised|realized)|"
    r"muuttu\w*|muutos|muutoks\w*|ero\w*|eroa\w*|poikke\w*|suunniteltu\w* ja toteutu\w*|toteutu\w* suhteessa)\b", re.I)
# Superlatives, and comparatives for two or three named projects ("Which was shorter, A or B?").
MOST_RE = re.compile(r"\b(most|largest|biggest|longest|(?<!no )longer|highest|eniten|suurin|pisin|pisimpään|pidemp\w*|korkein|"
                     r"enemmän)\b", re.I)
LEAST_RE = re.compile(r"\b(least|smallest|shortest|shorter|lowest|vähiten|pienin|lyhin|lyhimmän|lyhimpään|lyhyemp\w*|"
                      r"matalin)\b", re.I)
DURATION_RE = re.compile(r"\b(longest|shortest|(?<!no )longer|shorter|lasted|duration|kesti|kesto|pisin|lyhin|pisimpään|lyhimpään|"
                         r"lyhimmän|pidemp\w*|lyhyemp\w*)\b", re.I)


def fact_lemmas(fact: Fact) -> set[str]:
    found: set[str] = set()
    for word in words(f"{fact.quantity} {fact.label} {fact.section.split(' › ')[-1]}"):
        if not word[:1].isdigit():
            for piece in re.split(r"[-–]", word):
                if piece:
                    found.update(lemmas(piece))
    return found


@dataclass
class ScoredFact:
    fact: Fact
    score: float


class FactIndex:
    def __init__(self, index: IndexView):
        self.index = index
        self.facts: list[Fact] = [f for r in index.records.values() for f in r.facts]
        self._lemmas = [fact_lemmas(f) for f in self.facts]

    def project_of(self, fact: Fact) -> str | None:
        return self.index.document(fact.doc).project

    def match(self, analysis: QueryAnalysis, kinds: set[str], projects: set[str] | None = None) -> list[ScoredFact]:
        key = {t for t in analysis.key_terms if self.index.knows(t)}
        identity = self.index.identity_terms(analysis.projects)
        key -= identity
        if not key:
            return []
        total = sum(self.index.idf(t) for t in key)
        scored = []
        for fact, fact_terms in zip(self.facts, self._lemmas):
            if fact.kind not in kinds or (projects and self.project_of(fact) not in projects):
                continue
            overlap = key & fact_terms
            if overlap:
                scored.append(ScoredFact(fact, sum(self.index.idf(t) for t in overlap) / total))
        return sorted(scored, key=lambda s: -s.score)

    def project_facts(self, code: str) -> list[Fact]:
        return [f for f in self.facts if self.project_of(f) == code]


def is_comparison(question: str, named_projects: list[str]) -> bool:
    return bool(COMPARE_RE.search(question)) and len(named_projects) != 1


def is_change(question: str) -> bool:
    return bool(CHANGE_RE.search(question))


def quantity_key(fact: Fact) -> str:
    """Facts of the same quantity share a key: "EU- ja valtion rahoitus|granted"."""
    return f"{fact.quantity.lower()}|{fact.phase}"


def best_quantity(matches: list[ScoredFact]) -> list[Fact]:
    """All facts (across projects) of the quantity that best matches the question."""
    if not matches:
        return []
    top = quantity_key(matches[0].fact)
    return [m.fact for m in matches if quantity_key(m.fact) == top and m.score >= matches[0].score * 0.99]


def period_days(fact: Fact) -> int | None:
    from datetime import date

    found = re.findall(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", fact.value_text)
    if len(found) != 2:
        return None
    (d1, m1, y1), (d2, m2, y2) = found
    return (date(int(y2), int(m2), int(d2)) - date(int(y1), int(m1), int(d1))).days
