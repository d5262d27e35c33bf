"""Compose answers from facts: comparisons across projects and plan-vs-outcome changes."""

from __future__ import annotations

import re

from assistant import texts
from assistant.evidence import question_units, units_of
from assistant.facts import (DURATION_RE, LEAST_RE, MOST_RE, FactIndex, best_quantity, fact_lemmas, is_change,
                             period_days)
from assistant.query import QueryAnalysis
from core.numbers import Figure, format_figure
from core.types import Citation, Fact

SCHEDULE_RE = re.compile(r"\b(schedule|aikataulu\w*|end date|start date|period|toteutusaika\w*|päättyi|päättymis\w*|"
                         r"alkoi|kesto|duration|lasted|kesti)\b", re.I)


def fact_citation(n: int, fact: Fact, index) -> Citation:
    record = index.records[fact.doc]
    return Citation(n=n, doc=fact.doc, title=record.document.title, section=fact.section,
                    quote=record.text[fact.start:fact.end], score=1.0, start=fact.start, end=fact.end,
                    project=record.document.project)


def format_value(fact: Fact, language: str) -> str:
    if fact.value is None:
        return fact.value_text
    unit = {"EUR": "€", "%": "%"}.get(fact.unit, "")
    return format_figure(Figure(fact.value_text, fact.value, 0, unit), language)


def project_label(index, code: str | None) -> str:
    project = index.projects.get(code or "")
    return f"{project.name} ({code})" if project else (code or "?")


def _one_per_project(facts: list[Fact], fact_index: FactIndex) -> dict[str, Fact]:
    chosen: dict[str, Fact] = {}
    for fact in facts:
        code = fact_index.project_of(fact)
        if code and code not in chosen:
            chosen[code] = fact
    return chosen


DAYS_PER_MONTH = 365.25 / 12


def difference_line(days: int, language: str) -> str:
    """How far apart two projects' dates or durations are, in days and about how many months
    ("How much longer was X's planned duration?", "Which began first, and by how much?")."""
    days = abs(days)
    months = round(days / DAYS_PER_MONTH)
    if not months:
        return texts.DIFFERENCE_DAYS[language].format(days=days)
    amount = texts.MONTHS[language][months != 1].format(n=months)
    return texts.DIFFERENCE[language].format(days=days, months=amount)


# A ranking ("which got the most", "which lasted shortest") shows this many projects, best first.
SUPERLATIVE_ROWS = 5


def compare_projects(analysis: QueryAnalysis, question: str, fact_index: FactIndex,
                     named: set[str] | None = None) -> tuple[str, list[Citation]] | None:
    """A short table over the projects, for "which project got the most …" questions.

    Rows are projects (the named ones, or all); columns are the phases the facts give
    (planned / granted / realised) when the question is about plan versus outcome.
    """
    index = fact_index.index
    language = analysis.language
    rows: list[tuple[str, float | None, list[tuple[str, Fact]]]] = []
    quantity = ""
    durations = bool(DURATION_RE.search(question))
    if durations:
        periods = [f for f in fact_index.facts if f.kind == "period" and f.phase == "planned"]
        quantity = texts.PERIOD_LABEL[language]
        for code, fact in _one_per_project(periods, fact_index).items():
            days = period_days(fact)
            if days is not None:
                rows.append((code, float(days), [(f"{fact.value_text} ({days} {texts.DAYS[language]})", fact)]))
    else:
        matches = fact_index.match(analysis, {"value", "table"})
        if not matches:
            return None
        quantity = matches[0].fact.quantity
        wanted_phases = ["planned", "granted", "realised"] if is_change(question) else [matches[0].fact.phase]
        for code in sorted({fact_index.project_of(m.fact) for m in matches} - {None}):
            cells = []
            for phase in wanted_phases:
                fact = next((m.fact for m in matches if fact_index.project_of(m.fact) == code
                             and m.fact.quantity.lower() == quantity.lower() and m.fact.phase == phase), None)
                if fact is not None:
                    cells.append((f"{texts.PHASE_LABEL[language].get(phase, phase)} {format_value(fact, language)}"
                                  if len(wanted_phases) > 1 else format_value(fact, language), fact))
            if cells:
                rows.append((code, cells[0][1].value, cells))
    if named and len(named) > 1:
        rows = [r for r in rows if r[0] in named]
    if len(rows) < 2:
        return None
    if rows[0][1] is not None:
        rows.sort(key=lambda r: (r[1] or 0), reverse=not LEAST_RE.search(question))
    hidden = 0
    if (MOST_RE.search(question) or LEAST_RE.search(question)) and len(rows) > SUPERLATIVE_ROWS:
        # "Which lasted shortest?" over thirty projects: the few first answer it; the rest is noise.
        hidden, rows = len(rows) - SUPERLATIVE_ROWS, rows[:SUPERLATIVE_ROWS]
    citations: list[Citation] = []
    lines = [texts.COMPARISON_LEAD[language].format(quantity=quantity)]
    for code, _, cells in rows:
        shown = []
        for value, fact in cells:
            citations.append(fact_citation(len(citations) + 1, fact, index))
            shown.append(f"{value} [{len(citations)}]")
        lines.append(f"| {project_label(index, code)} | " + " | ".join(shown))
    if hidden:
        lines.append(texts.MORE_PROJECTS[language].format(n=hidden))
    elif durations and len(rows) == 2 and rows[0][1] != rows[1][1]:
        lines.append(difference_line(int(rows[0][1] - rows[1][1]), language))  # two durations side by side
    return "\n".join(lines), citations


def _lemmas(word: str) -> tuple[str, ...]:
    from core.text_analysis import lemmas

    return lemmas(word)


def describe_change(analysis: QueryAnalysis, question: str, fact_index: FactIndex, code: str
                    ) -> tuple[list[str], list[Fact]]:
    """Lines comparing planned with realised values (or the schedule) of one project.

    Lines refer to the returned facts as [@i]; the caller numbers the citations.
    """
    language = analysis.language
    lines: list[str] = []
    cited: list[Fact] = []
    if SCHEDULE_RE.search(question):
        for fact in fact_index.project_facts(code):
            if fact.kind == "period" or (fact.kind == "date" and fact.label in ("Alkamispäivämäärä", "Päättymispäivämäärä")):
                cited.append(fact)
                label = fact.label if fact.kind == "date" else _shorten(fact.line, 60)
                lines.append(texts.SCHEDULE_LINE[language].format(label=label, value=fact.value_text,
                                                                  a=len(cited) - 1))
        return lines, cited
    asked = question_units(analysis)
    # "Participants" also matches "Osallistuvien yritysten lukumäärä": companies do not answer for persons.
    matches = [m for m in fact_index.match(analysis, {"value", "table"}, {code})
               if not asked or not units_of(fact_lemmas(m.fact)) or units_of(fact_lemmas(m.fact)) & asked]
    if not matches:
        return lines, cited
    # The best-matching quantity that has both a planned (or granted) and a realised value.
    planned = realised = None
    for quantity in dict.fromkeys(m.fact.quantity.lower() for m in matches if m.score >= matches[0].score * 0.6):
        by_phase: dict[str, Fact] = {}
        for match in matches:
            if match.fact.quantity.lower() == quantity and match.fact.value is not None:
                by_phase.setdefault(match.fact.phase or "-", match.fact)
        planned = by_phase.get("planned") or by_phase.get("granted")
        realised = by_phase.get("realised")
        if planned and realised:
            break
    if planned and realised:
        cited += [planned, realised]
        difference = realised.value - planned.value
        sign = "+" if difference > 0 else "−" if difference < 0 else "±"
        change = realised.model_copy(update={"value": abs(difference), "value_text": _finnish(abs(difference))})
        lines.append(texts.CHANGE_LINE[language].format(
            quantity=planned.quantity, planned=format_value(planned, language),
            realised=format_value(realised, language), difference=sign + format_value(change, language),
            a=len(cited) - 2, b=len(cited) - 1))
    return lines, cited


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


def _finnish(value: float) -> str:
    text = f"{value:,.2f}".rstrip("0").rstrip(".") if not float(value).is_integer() else f"{int(value):,}"
    return text.replace(",", " ").replace(".", ",")


# "Milloin … -hanke päättyi?", "When did the … project run?", "the project period": the schedule of the
# project itself, not of something in it ("When did the Nordic model start?").
PROJECT_SCHEDULE_RE = re.compile(
    r"\b(hanke|hankkeen|project|project's)\s+(\w+\s+)?(alkoi|päättyi|käynnistyi|loppui|kesti|toimi|toteutettiin|"
    r"run|ran|start\w*|end\w*|begin|began|finish\w*|last\w*)\b"
    r"|\b(toteutusaika\w*|implementation period|project period|hankeaika\w*|päättymispäiv\w*|alkamispäiv\w*|"
    r"end dates?|start dates?)\b", re.I)
DATE_LABELS = ("Alkamispäivämäärä", "Päättymispäivämäärä", "Suunnitelman mukainen toteutusaika")


def is_project_schedule(question: str) -> bool:
    return bool(PROJECT_SCHEDULE_RE.search(question))


def _about_the_project(fact: Fact) -> bool:
    """A form's start/end field, or a period stated of the project ("Hanke toimii ajalla …"),
    not of an activity in it ("Lääkäripalveluita on toteutettu ajalla …")."""
    if fact.kind == "date":
        return fact.label in DATE_LABELS
    return fact.kind == "period" and ("hanke" in _line_lemmas(fact.line) or "toteutusaika" in fact.line.lower())


def _line_lemmas(line: str) -> set[str]:
    return {lemma for word in re.findall(r"[^\W\d_]+", line) for lemma in _lemmas(word)[:1]}


def project_schedule(analysis: QueryAnalysis, fact_index: FactIndex, code: str) -> tuple[list[str], list[Fact]]:
    """The project's start, end and period as every document gives them, one line each, so that
    documents that disagree (a press release's end date against the final report's) are shown
    side by side, each with its citation. Lines refer to the returned facts as [@i]."""
    language = analysis.language
    index = fact_index.index
    lines: list[str] = []
    cited: list[Fact] = []
    facts = [f for f in fact_index.project_facts(code) if _about_the_project(f)]
    period_lines = {f.line for f in facts if f.kind == "period"}
    for fact in facts:
        if fact.kind == "date" and fact.line in period_lines:
            continue  # "Alkaa 1.6.2019 ja päättyy 30.6.2023" is shown once, as its period
        cited.append(fact)
        label = fact.label if fact.kind == "date" else _shorten(fact.line, 60)
        doc_type = texts.TYPE_LABEL[language][index.document(fact.doc).type]
        lines.append(texts.SCHEDULE_DOC_LINE[language].format(doc_type=doc_type, label=label, value=fact.value_text,
                                                              a=len(cited) - 1))
    return lines, cited


def change_answer(analysis: QueryAnalysis, question: str, fact_index: FactIndex, code: str | None,
                  asked_labels: list[str] | None = None) -> tuple[list[str], list[Fact]]:
    """Plan-vs-outcome facts for a change question, or the project's schedule for a question about
    when it ran, unless the fields the question asks for are others than its dates ("Is X finished
    or still ongoing?" asks for its status, Toiminnan tila)."""
    if not code:
        return [], []
    # A when-question asks for a date whatever field its words match ("päättyi" matches the status too).
    other_field = bool(asked_labels) and not set(asked_labels) & set(DATE_LABELS) and not analysis.wants_date
    if is_project_schedule(question) and not is_change(question) and not other_field:
        return project_schedule(analysis, fact_index, code)
    if not is_change(question):
        return [], []
    return describe_change(analysis, question, fact_index, code)


