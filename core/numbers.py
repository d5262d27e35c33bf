"""Finnish numbers in text: find them, parse them, and format them for the reader's language.

Quotes keep the Finnish form ("1 379 106,07"); the answer's own lead states the number the way
the reader writes numbers (1 379 106,07 € in Finnish, 1,379,106.07 in English).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Not inside a code or name: "S21712", "5T-hanke", the business ID "0169321-6" hold no figure
# ("155 000e" still does).
NUMBER_RE = re.compile(
    r"(?<![\w.,])(?<!\d{7}-)(\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:,\d+)?|\d+(?:,\d+)?)(?!\d|\.\d|[^\W\d_eE]|-\d\b)"
    r"(\s*(?:%|€|euroa|e\b|milj\.?|kpl|prosent\w*|henkilö\w*|asiak\w*|yritys\w*|yrityst\w*|työnantaj\w*|päivä\w*))?",
    re.IGNORECASE)
DATE_RE = re.compile(r"\b\d{1,2}\.\d{1,2}\.(?:19|20)\d{2}\b")
# A Finnish phone number ("040 182 1387", "+358 40 182 1387") counts nothing: a figure never starts
# with a 0 followed by more digits.
PHONE_RE = re.compile(r"(?<![\w.,])(?:\+358\s?\d{1,3}|0\d{1,3})(?:[ \-]\d{2,4}){1,3}(?!\d)")
YEAR_RE = re.compile(r"^(199\d|20[0-4]\d)$")
# "2000-luvun huippuvuosina", "1990-luvulla": a decade or century (luku), a time, not a quantity.
DECADE_RE = re.compile(r"\b\d{2,4}-lu[kv]u?\w*", re.IGNORECASE)


@dataclass
class Figure:
    text: str  # as written in the source, e.g. "1 137 380"
    value: float
    start: int  # offset within the sentence
    unit: str


def parse_finnish_number(text: str) -> float:
    """"1 379 106,07" → 1379106.07; accepts ordinary, non-breaking and narrow spaces."""
    cleaned = re.sub(r"[ \u00a0\u202f]", "", text).replace(",", ".")
    return float(cleaned)


def find_figures(sentence: str, include_years: bool = False) -> list[Figure]:
    """Numbers in a sentence, leaving out dates, decades, phone numbers and (unless asked) bare years
    and list numbering."""
    not_figures = [m.span() for pattern in (DATE_RE, PHONE_RE, DECADE_RE) for m in pattern.finditer(sentence)]
    figures = []
    for match in NUMBER_RE.finditer(sentence):
        start, end = match.span(1)
        if any(s <= start < e for s, e in not_figures):
            continue
        raw = match.group(1)
        if not include_years and YEAR_RE.match(raw):
            continue
        if sentence[end:end + 1] in (".", ")") and re.match(r"\s*$", sentence[:start]):
            continue  # "2. Ostopalvelut", "2) edellytysten löytäminen": list numbering
        unit = (match.group(2) or "").strip().lower()
        if unit.startswith("prosent"):
            unit = "%"  # "60 prosenttia" is 60 %
        figures.append(Figure(raw, parse_finnish_number(raw), start, unit))
    return figures


def format_number(value: float, language: str, decimals: int | None = None) -> str:
    if decimals is None:
        decimals = 0 if float(value).is_integer() else 2
    english = f"{value:,.{decimals}f}"
    if language == "en":
        return english
    if abs(value) < 10000:  # Finnish writes 1900, not 1 900
        english = english.replace(",", "")
    return english.replace(",", " ").replace(".", ",")


def format_figure(figure: Figure, language: str) -> str:
    decimals = len(figure.text.split(",")[1]) if "," in figure.text else 0
    number = format_number(figure.value, language, decimals)
    unit = figure.unit
    if unit in ("€", "euroa", "e"):
        return f"€{number}" if language == "en" else f"{number} €"
    if unit == "%":
        return f"{number}%" if language == "en" else f"{number} %"
    return number
