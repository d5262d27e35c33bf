"""How a text names a project: its whole name, a part of it, or its acronym, compared as lemmas.

Used by ingest/ to link press releases to their project and by assistant/ to tell which project a
question is about. EURA names carry any characters (Fifty/Sixty, TUKEE!, MYÖ, TYÖ, HYÖ 2!), so names
are compared word by word on lemmas, never as raw strings.
"""

from __future__ import annotations

import re

from core.text_analysis import lemmas, words


def lemma_sequence(text: str) -> list[str]:
    return [lemmas(w)[0] for w in words(text) if not w[:1].isdigit()]


def _contains(sequence: list[str], phrase: list[str]) -> int:
    """How often `phrase` occurs in `sequence` as consecutive lemmas."""
    if not phrase:
        return 0
    n = len(phrase)
    return sum(1 for i in range(len(sequence) - n + 1) if sequence[i:i + n] == phrase)


# A name's subtitle follows a dash: "Kainuun ja Koillismaan kunnat hiilineutraaleiksi - KAHINA".
NAME_PART_SPLIT_RE = re.compile(r"\s[-–—]\s|\s[-–—]|[-–—]\s")
ACRONYM_RE = re.compile(r"\b[A-ZÅÄÖ][A-ZÅÄÖ0-9]{3,}\b")


def name_mentions(text: str, name: str, sequence: list[str] | None = None) -> int:
    """How often a text names a project: its whole name, the part before or after a dash, or an
    acronym in capitals (KAHINA), compared as lemmas so that inflection does not matter
    ("Ohjaamo Helsinkiin" names "Ohjaamo Helsinki"). `sequence`: the text's lemma_sequence, when
    one text is compared with many names."""
    sequence = lemma_sequence(text) if sequence is None else sequence
    count = _contains(sequence, lemma_sequence(name))
    parts = [p for p in NAME_PART_SPLIT_RE.split(name) if len(lemma_sequence(p)) >= 2]
    if not count and len(parts) > 1:
        count = max(_contains(sequence, lemma_sequence(p)) for p in parts)
    for acronym in ACRONYM_RE.findall(name):
        count += len(re.findall(rf"\b{re.escape(acronym)}", text))
    return count
