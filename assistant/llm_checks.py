"""Checks on an LLM-written answer before it is shown: its [n] citations, its figures and its refusals.

An answer passes only when every [n] names a passage that was given, it cites at least one, and every
number, date and euro amount in it occurs in a passage that it cites for that claim. Figures are
compared as values, after Finnish and English number forms are both read ("1 379 106,07" =
"1,379,106.07", "1.9.2017" = "1 September 2017" = "2017-09-01"). A number is attributed to the next
citation group in its line (where LLMs put them: "… 345 appointments [2].") or, when none follows, to
the previous one in the line; a number with no citation in its line fails.

Not checked: numbers written as words ("two"), and whether the prose around a correct figure says the
right thing about it. A failed check shows the extractive answer, so strictness costs fluency, not truth.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant import texts
from core.text_analysis import ENGLISH_MONTHS

CITATION_GROUP_RE = re.compile(r"(?:\[\s*\d+(?:\s*[,;–-]\s*\d+)*\s*\])+")
CITATION_RE = re.compile(r"\[\s*(\d+(?:\s*[,;–-]\s*\d+)*)\s*\]")

MONTHS = {
    **{month: number for number, month in enumerate(ENGLISH_MONTHS, start=1)},
    "tammikuuta": 1, "helmikuuta": 2, "maaliskuuta": 3, "huhtikuuta": 4, "toukokuuta": 5, "kesäkuuta": 6,
    "heinäkuuta": 7, "elokuuta": 8, "syyskuuta": 9, "lokakuuta": 10, "marraskuuta": 11, "joulukuuta": 12,
}
_MONTH = "|".join(MONTHS)
_YEAR = r"((?:19|20)\d{2})"
DATE_PATTERNS = [  # (pattern, order of day/month/year groups)
    (re.compile(r"(?<![\d.])(\d{1,2})\.\s?(\d{1,2})\.\s?" + _YEAR + r"(?!\d)"), "dmy"),
    (re.compile(_YEAR + r"-(\d{1,2})-(\d{1,2})(?!\d)"), "ymd"),
    (re.compile(r"(?<!\d)(\d{1,2})(?:st|nd|rd|th|\.)?\s+(?:of\s+)?(" + _MONTH + r")\s+" + _YEAR, re.I), "dMy"),
    (re.compile(r"(" + _MONTH + r")\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+" + _YEAR, re.I), "Mdy"),
]
# A number in either language's form: Finnish "1 379 106,07" / "45,5", English "1,379,106.07" / "45.5".
# Not inside a code or name ("S21712", "5T-hanke"), not an ordinal ("1st").
NUMBER_RE = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:[.,]\d+)?|\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?)"
    r"(?![^\W\d_]|[.,]\d)")
LIST_NUMBER_RE = re.compile(r"^\s*\d{1,2}[.)]\s")


@dataclass(frozen=True)
class Token:
    """A figure as written, and its readings: each reading is a set of values that must all occur
    ("465 530" may be one number or the two numbers 465 and 530)."""

    text: str
    readings: tuple[tuple[object, ...], ...]


def _value(number: float) -> float:
    return round(float(number), 6)


def number_readings(raw: str) -> tuple[tuple[object, ...], ...]:
    spaced = re.split(r"[ \u00a0\u202f]", raw)
    if len(spaced) > 1:  # Finnish thousands groups, or several numbers side by side
        whole = _value("".join(spaced).replace(",", "."))
        parts = tuple(_value(p.replace(",", ".")) for p in spaced)
        return ((whole,), parts)
    if "," in raw and "." in raw:  # English 1,379,106.07
        return ((_value(raw.replace(",", "")),),)
    if "," in raw:
        if re.fullmatch(r"\d{1,3}(,\d{3})+", raw):  # English thousands, or (one comma) a Finnish decimal
            thousands = (_value(raw.replace(",", "")),)
            return (thousands, (_value(raw.replace(",", ".")),)) if raw.count(",") == 1 else (thousands,)
        return ((_value(raw.replace(",", ".")),),)
    if "." in raw:
        if re.fullmatch(r"\d{1,3}\.\d{3}", raw):  # "1.379": a decimal, or a thousands dot
            return ((_value(raw),), (_value(raw.replace(".", "")),))
        return ((_value(raw),),)
    return ((_value(raw),),)


def figures(text: str) -> list[Token]:
    """Every date and number in a text, dates first (their digits are not read again as numbers)."""
    found: list[Token] = []
    spans: list[tuple[int, int]] = []
    for pattern, order in DATE_PATTERNS:
        for match in pattern.finditer(text):
            if any(s < match.end() and match.start() < e for s, e in spans):
                continue
            groups = dict(zip(order, match.groups()))
            month = groups.get("m") or MONTHS[groups["M"].lower()]
            day, year = int(groups["d"]), int(groups["y"])
            if 1 <= int(month) <= 12 and 1 <= day <= 31:
                found.append(Token(match.group(0), ((("date", year, int(month), day),),)))
                spans.append(match.span())
    blanked = list(text)
    for start, end in spans:
        blanked[start:end] = " " * (end - start)
    blanked = "".join(blanked)
    for match in NUMBER_RE.finditer(blanked):
        line_start = blanked.rfind("\n", 0, match.start()) + 1
        if LIST_NUMBER_RE.match(blanked[line_start:match.end() + 2]) and not blanked[line_start:match.start()].strip():
            continue  # "1. First point": list numbering
        found.append(Token(match.group(1), number_readings(match.group(1))))
    return found


def passage_values(text: str) -> set:
    """All values a passage states, every reading of every figure (generous: a passage supports a
    figure when any reading matches), and the year of every date."""
    values: set = set()
    for token in figures(text):
        for reading in token.readings:
            for value in reading:
                values.add(value)
                if isinstance(value, tuple):
                    values.add(_value(value[1]))
    return values


def cited_numbers(group: str) -> list[int]:
    numbers: list[int] = []
    for inner in CITATION_RE.findall(group):
        for part in re.split(r"\s*[,;]\s*", inner):
            if re.search(r"[–-]", part):
                low, high = (int(x) for x in re.split(r"\s*[–-]\s*", part))
                numbers += list(range(low, high + 1)) if 0 < high - low < 50 else [low, high]
            else:
                numbers.append(int(part))
    return numbers


def claims(text: str) -> list[tuple[str, list[int]]]:
    """(text of a claim, the passages it cites): the text before each citation group in a line, and
    the text after the line's last group (attributed to that group)."""
    out: list[tuple[str, list[int]]] = []
    for line in text.splitlines():
        groups = list(CITATION_GROUP_RE.finditer(line))
        if not groups:
            out.append((line, []))
            continue
        position = 0
        for group in groups:
            out.append((line[position:group.start()], cited_numbers(group.group(0))))
            position = group.end()
        out.append((line[position:], cited_numbers(groups[-1].group(0))))
    return out


def is_refusal(text: str) -> bool:
    flat = " ".join(text.lower().split())
    return any(" ".join(sentence.lower().split()).rstrip(".") in flat for sentence in texts.REFUSAL.values())


def check_answer(text: str, passages: list[str]) -> str | None:
    """None when the answer passes; otherwise why not ("code: detail"). `passages` are the texts that
    were numbered 1…n in the prompt."""
    if not text.strip():
        return "empty_answer"
    given = len(passages)
    every = [n for _, cited in claims(text) for n in cited]
    if not every:
        return "no_citation: the answer cites no passage"
    outside = sorted({n for n in every if not 1 <= n <= given})
    if outside:
        return f"citation_not_given: [{outside[0]}] (passages 1–{given} were given)"
    values = [passage_values(p) for p in passages]
    for claim, cited in claims(text):
        for token in figures(claim):
            if not cited:
                return f"uncited_number: {token.text}"
            supported = set().union(*(values[n - 1] for n in cited))
            if not any(all(v in supported for v in reading) for reading in token.readings):
                marks = "".join(f"[{n}]" for n in cited)
                return f"number_not_in_cited_passage: {token.text} (cites {marks})"
    return None
