"""Structured facts from a document: label–value lines, table rows, dates and periods, contact
persons and numeric statements in running text. Each fact keeps its source (doc, section, character
offsets and the verbatim line) so that every figure in an answer can be cited.

Only the forms' labels and the tables' shapes are relied on ("Myönnetty EU- ja valtion rahoitus:",
"Suunniteltu:", a tab-separated row under its header), never particular files.

Work is bounded per fact, whatever the file: a fact quotes at most `MAX_FACT_CHARS` around its value,
and no fact looks further than `SCAN_CHARS` for its line or sentence. Without these, one 1 MB line
with thousands of tabs made every figure store the whole line (memory grew with its square).
"""

from __future__ import annotations

import re
from bisect import bisect_right

from core.numbers import DATE_RE, find_figures
from core.sentences import split_sentences
from core.text_analysis import is_noun, lemmas, looks_like_person, words
from core.types import Fact, Section

LABEL_VALUE_RE = re.compile(r"^(?P<label>[A-ZÅÄÖ][^:\t\n]{1,100}?):[ \t]*(?P<value>\S[^\t\n]*)$")
# Cells of the final-report form carry "Label Value" without a colon.
FORM_LABELS = ("Hankekoodi", "Hankkeen nimi", "Alkamispäivämäärä", "Päättymispäivämäärä",
               "Saapumispäivämäärä", "Tuensaajan nimi", "Yhteyshenkilön nimi", "Kustannusmalli",
               "Toimintalinja", "Erityistavoite", "Diaarinumero")
NOT_A_FIGURE_RE = re.compile(r"puhelin|postinumero|tunnus|osoite|sähköposti", re.I)
PERIOD_RE = re.compile(r"Alkaa (\d{1,2}\.\d{1,2}\.\d{4}) ja päättyy (\d{1,2}\.\d{1,2}\.\d{4})")
RANGE_RE = re.compile(r"(\d{1,2}\.\d{1,2}\.\d{4})\s*[-–]\s*(\d{1,2}\.\d{1,2}\.\d{4})")
ROLE_NAME_RE = re.compile(
    r"(?P<role>[Pp]rojektipäällik\w*|[Pp]rojektisihteer\w*|[Yy]hteyshenkilö\w*|[Pp]rojektityöntekijä\w*|"
    r"[Kk]oordinaattori\w*)(?:[^.\n]|\.(?=\d)){0,100}?(?P<name>[A-ZÅÄÖ][a-zåäö]+(?:-[A-ZÅÄÖ][a-zåäö]+)? "
    r"[A-ZÅÄÖ][a-zåäö]+(?:-[A-ZÅÄÖ][a-zåäö]+)?)")
NAME_VALUE_RE = re.compile(r"^[A-ZÅÄÖ][a-zåäö]+(?:-[A-ZÅÄÖ][a-zåäö]+)? [A-ZÅÄÖ][a-zåäö]+(?:-[A-ZÅÄÖ][a-zåäö]+)?$")
SIGNATURE_RE = re.compile(r"^(?P<date>\d{1,2}\.\d{1,2}\.\d{4}) (?P<name>[A-ZÅÄÖ]\w+ [A-ZÅÄÖ]\w+)\n(?P<role>\w+)",
                          re.MULTILINE)
SCORE_LINE_RE = re.compile(r"^(?P<label>[A-ZÅÄÖ][^\t\d]{2,100}?) (?P<direct>\d) (?P<indirect>\d)$")
PHASES = (("suunnit", "planned"), ("toteutu", "realised"), ("myönnet", "granted"), ("haettu", "applied"))
# The longest real fact (a sentence) is 833 characters and the longest real line 1,805: neither bound
# changes anything in a real document.
MAX_FACT_CHARS = 1000
SCAN_CHARS = 5000
STATEMENT_UNITS = {"henkilö": "persons", "asiakas": "persons", "osallistuja": "persons", "työnhakija": "persons",
                   "yritys": "companies", "työnantaja": "companies", "euro": "EUR", "päivä": "days"}


_starts_cache: tuple[list[Section] | None, list[int]] = (None, [])


def _section_at(sections: list[Section], offset: int) -> str:
    global _starts_cache
    if _starts_cache[0] is not sections:  # computed once per document, not once per fact
        _starts_cache = (sections, [s.start for s in sections])
    index = bisect_right(_starts_cache[1], offset) - 1
    return sections[index].heading if index >= 0 else ""


def _strip_number(heading: str) -> str:
    return re.sub(r"^\d+(?:\.\d+)*\.?\s+", "", heading.split(" › ")[-1]).strip()


def _phase(label: str) -> str:
    lowered = label.lower()
    return next((phase for cue, phase in PHASES if lowered.startswith(cue) or f" {cue}" in lowered[:30]), "")


def _unit(label: str, section: str, value_text: str) -> str:
    context = f"{label} {section}".lower()
    if "%" in value_text or "%" in label:
        return "%"
    if any(cue in context for cue in ("rahoitus", "kustannu", "euro", "€", "budjet")):
        return "EUR"
    if "yritys" in context or "yritysten" in context:
        return "companies"
    if "henkilö" in context or "osallistu" in context:
        return "persons"
    return ""


def _lines(text: str):
    offset = 0
    for line in text.split("\n"):
        yield offset, line
        offset += len(line) + 1


def _pieces(line: str, offset: int):
    """The line, or for a line longer than any real one, windows of it cut at spaces, so that the
    sentence splitter never works on megabytes at once."""
    if len(line) <= SCAN_CHARS:
        yield offset, line
        return
    start = 0
    while start < len(line):
        end = min(len(line), start + MAX_FACT_CHARS)
        if end < len(line):
            space = line.rfind(" ", start + MAX_FACT_CHARS // 2, end)
            end = space + 1 if space > 0 else end
        yield offset + start, line[start:end]
        start = end


def _line_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The line that holds text[start:end], looking at most `SCAN_CHARS` either way."""
    before = text.rfind("\n", max(0, start - SCAN_CHARS), start)
    line_start = before + 1 if before >= 0 else max(0, start - SCAN_CHARS)
    after = text.find("\n", end, end + SCAN_CHARS)
    line_end = after if after >= 0 else min(len(text), end + SCAN_CHARS)
    return line_start, line_end


def bounded(fact: Fact, text: str) -> Fact:
    """The fact quoting at most `MAX_FACT_CHARS` of its line, around its value (cut at spaces)."""
    if fact.end - fact.start <= MAX_FACT_CHARS:
        return fact
    anchor = text.find(fact.value_text, fact.start, fact.end) if fact.value_text else -1
    anchor = fact.start if anchor < 0 else anchor
    start = max(fact.start, anchor - MAX_FACT_CHARS // 2)
    end = min(fact.end, start + MAX_FACT_CHARS)
    start = max(fact.start, end - MAX_FACT_CHARS)
    space = text.find(" ", start, anchor)  # whole words at both ends, the value always inside
    start = space + 1 if space >= 0 else start
    space = text.rfind(" ", anchor + len(fact.value_text), end)
    end = space if space >= 0 else end
    return fact.model_copy(update={"start": start, "end": end, "line": text[start:end]})


def _value_fact(doc, sections, start, end, line, label, value_text, kind="value") -> list[Fact]:
    section = _section_at(sections, start)
    generic = _phase(label) and len(words(label)) <= 3  # "Suunniteltu", "Toteutunut seurantatietojen mukaan"
    quantity = _strip_number(section) if generic else re.sub(
        r"^(Suunniteltu|Toteutunut|Myönnetty|Haettu)\s+", "", label).strip()
    common = dict(doc=doc, section=section, start=start, end=end, line=line, label=label, quantity=quantity,
                  phase=_phase(label))
    if NOT_A_FIGURE_RE.search(label):
        return [Fact(kind="text", value=None, value_text=value_text.strip(), unit="", **common)]
    dates = DATE_RE.findall(value_text)
    if dates:
        return [Fact(kind="date", value=None, value_text=d, unit="date", **common) for d in dates]
    figures = find_figures(value_text, include_years=False)
    if figures and re.fullmatch(r"[\d\s\u00a0,.%€]+(euroa)?", value_text.strip()):
        figure = figures[0]
        return [Fact(kind=kind, value=figure.value, value_text=figure.text,
                     unit=_unit(label, section, value_text), **common)]
    if "nimi" in label.lower() and "yhteyshenkilö" in label.lower() and NAME_VALUE_RE.match(value_text.strip()):
        return [Fact(kind="contact", value=None, value_text=value_text.strip(), unit="person", **common)]
    return [Fact(kind="text", value=None, value_text=value_text.strip(), unit="", **common)]


def label_value_facts(doc: str, text: str, sections: list[Section]) -> list[Fact]:
    facts: list[Fact] = []
    for offset, line in _lines(text):
        stripped = line.strip()
        match = LABEL_VALUE_RE.match(stripped)
        if match and "\t" not in line:
            start = offset + line.index(stripped)
            facts += _value_fact(doc, sections, start, start + len(stripped), stripped,
                                 match.group("label").strip(), match.group("value"))
            continue
        cell_offset = offset
        for cell in line.split("\t"):
            for label in FORM_LABELS:
                if cell.startswith(label + " ") and len(cell) > len(label) + 1:
                    facts += _value_fact(doc, sections, cell_offset, cell_offset + len(cell), cell, label,
                                         cell[len(label) + 1:])
            cell_offset += len(cell) + 1
    return facts


def period_facts(doc: str, text: str, sections: list[Section]) -> list[Fact]:
    """Planned periods ("Alkaa … ja päättyy …") and date ranges in running text."""
    facts: list[Fact] = []
    for match in list(PERIOD_RE.finditer(text)) + list(RANGE_RE.finditer(text)):
        line_start, line_end = _line_around(text, match.start(), match.end())
        sentence_start = max(line_start, text.rfind(". ", line_start, match.start()) + 2
                             if text.rfind(". ", line_start, match.start()) >= 0 else line_start)
        sentence_end = text.find(". ", match.end(), line_end)
        sentence_end = line_end if sentence_end < 0 else sentence_end + 1
        line = text[sentence_start:sentence_end].strip()
        section = _section_at(sections, match.start())
        first, last = match.group(1), match.group(2)
        facts.append(Fact(doc=doc, kind="period", quantity="toteutusaika", label=line[:80], phase=_phase(line),
                          value=None, value_text=f"{first} – {last}", unit="period", section=section,
                          start=sentence_start, end=sentence_start + len(line), line=line))
    return facts


def table_facts(doc: str, text: str, sections: list[Section]) -> list[Fact]:
    """One fact per numeric cell of a tab-separated table, named by its row and column headers."""
    from ingest.chunking import find_blocks

    facts: list[Fact] = []
    for block in find_blocks(text):
        if block.kind != "table":
            continue
        rows = list(_lines(text[block.start:block.end]))
        header = [cell.strip() for cell in rows[0][1].split("\t")]
        body = rows[1:]
        if any(find_figures(cell) and re.fullmatch(r"[\d\s\u00a0,.]+", cell.strip()) for cell in header[1:]):
            header, body = ["", "Yhteensä €"], rows  # a one-line total ("Kustannusarvio yhteensä\t1 831 725,00")
        if body and not body[0][1].split("\t")[0].strip() and not find_figures(body[0][1]):
            # A second header row ("\tVälitön vaikutus\tVälillinen vaikutus") names the columns.
            sub = [cell.strip() for cell in body[0][1].split("\t")]
            header = [sub[i] if i < len(sub) and sub[i] else cell for i, cell in enumerate(header)]
            body = body[1:]
        for offset, row in body:
            cells = row.split("\t")
            label = re.sub(r"^\d+\.\s*", "", cells[0]).strip()
            if not label:
                continue
            start = block.start + offset
            section = _section_at(sections, start)
            for column, cell in enumerate(cells[1:], start=1):
                figures = find_figures(cell.strip())
                if not figures or not re.fullmatch(r"[\d\s\u00a0,.]+", cell.strip()):
                    continue
                column_name = header[column] if column < len(header) else ""
                is_score = "vaikutus" in " ".join(header).lower() or "vaikutus" in section.lower()
                unit = "score" if is_score else ("%" if "%" in column_name else
                                                 "EUR" if "€" in column_name or "€" in header[0] else "")
                facts.append(Fact(doc=doc, kind="score" if is_score else "table", quantity=label,
                                  label=column_name or header[0], phase=_table_phase(label, section),
                                  value=figures[0].value, value_text=figures[0].text, unit=unit, section=section,
                                  start=start, end=start + len(row), line=row))
    return facts


def _table_phase(label: str, section: str) -> str:
    lowered = label.lower()
    if lowered.startswith(("kustannusarvio", "rahoitussuunnitelma")):
        return "planned"  # the estimate and the financing plan, printed under the outcome table
    return "realised" if "toteuma" in section.lower() else ""


def score_line_facts(doc: str, text: str, sections: list[Section]) -> list[Fact]:
    """Sustainability scores written as "Luonnonvarojen käytön kestävyys 0 1" (direct, indirect)."""
    facts: list[Fact] = []
    for offset, line in _lines(text):
        match = SCORE_LINE_RE.match(line.strip())
        section = _section_at(sections, offset)
        if not match or "kestävä" not in section.lower():
            continue
        for label, group in (("Välitön vaikutus", "direct"), ("Välillinen vaikutus", "indirect")):
            facts.append(Fact(doc=doc, kind="score", quantity=match.group("label"), label=label, phase="planned",
                              value=float(match.group(group)), value_text=match.group(group), unit="score",
                              section=section, start=offset, end=offset + len(line), line=line.strip()))
    return facts


def contact_facts(doc: str, text: str, sections: list[Section]) -> list[Fact]:
    facts: list[Fact] = []
    for match in ROLE_NAME_RE.finditer(text):
        name = match.group("name")
        if not looks_like_person(name):
            continue
        line_start, line_end = _line_around(text, match.start(), match.end())
        line = text[line_start:line_end].strip()
        facts.append(Fact(doc=doc, kind="contact", quantity=lemmas(match.group("role"))[0], label=match.group("role"),
                          phase="", value=None, value_text=name, unit="person",
                          section=_section_at(sections, match.start()), start=match.start(), end=match.end(),
                          line=line[:300]))
    for match in SIGNATURE_RE.finditer(text):
        facts.append(Fact(doc=doc, kind="contact", quantity="allekirjoittaja", label=match.group("role"), phase="",
                          value=None, value_text=match.group("name"), unit="person",
                          section=_section_at(sections, match.start()), start=match.start(), end=match.end(),
                          line=match.group(0)))
    return facts


def _counted_noun(sentence: str, number_start: int, number_end: int) -> str | None:
    """The noun a number counts: the word after it (past a parenthesis), else the nearest before it."""
    after = re.sub(r"^\s*\([^)]*\)", "", sentence[number_end:])
    following = words(after)[:2]
    for word in following[:1]:
        if is_noun(word):
            return lemmas(word)[0]
    for word in reversed(words(sentence[:number_start])[-4:]):
        if is_noun(word) and word[:1].islower():
            return lemmas(word)[0]
    return None


def statement_facts(doc: str, text: str, sections: list[Section]) -> list[Fact]:
    """Numbers in running text with the noun they count: "345 (Lieksa 310, Juuka 35) lääkäriaikaa"."""
    facts: list[Fact] = []
    for offset, line in _lines(text):
        if "\t" in line or LABEL_VALUE_RE.match(line.strip()) or len(line) < 40:
            continue
        spans = [span for piece_offset, piece in _pieces(line, offset) for span in split_sentences(piece, piece_offset)]
        for start, end in spans:
            sentence = text[start:end]
            for figure in find_figures(sentence):
                noun = _counted_noun(sentence, figure.start, figure.start + len(figure.text))
                if noun is None:
                    continue
                facts.append(Fact(doc=doc, kind="statement", quantity=noun, label=noun, phase=_phase(sentence),
                                  value=figure.value, value_text=figure.text,
                                  unit="%" if figure.unit == "%" else STATEMENT_UNITS.get(noun, ""),
                                  section=_section_at(sections, start), start=start, end=end, line=sentence))
    return facts


def extract_facts(doc: str, text: str, sections: list[Section]) -> list[Fact]:
    facts = (label_value_facts(doc, text, sections) + table_facts(doc, text, sections)
             + score_line_facts(doc, text, sections) + period_facts(doc, text, sections)
             + contact_facts(doc, text, sections) + statement_facts(doc, text, sections))
    unique: list[Fact] = []
    people: set[str] = set()
    for fact in sorted((bounded(f, text) for f in facts), key=lambda f: f.start):
        if fact.kind == "contact":
            if fact.value_text in people:
                continue  # the same person found by the form label and by the role pattern
            people.add(fact.value_text)
        unique.append(fact)
    return unique
