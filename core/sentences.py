"""Split chunk text into sentences with exact character spans (quotes must point back to the source)."""

from __future__ import annotations

import re

ABBREVIATIONS = {
    "esim", "mm", "ns", "ym", "yms", "jne", "ts", "vrt", "n", "p", "puh", "milj", "v", "klo", "s", "nro",
    "ko", "em", "jms", "tms", "eg", "ie", "etc", "st", "dr", "mr", "ms", "t", "os", "tk", "prof",
}
BOUNDARY_RE = re.compile(r"[.!?]+[\"”’)]*\s+(?=[\"“”•\-–(]?[A-ZÅÄÖ0-9])")


def _ends_with_abbreviation(text: str) -> bool:
    match = re.search(r"(\w+)\.+[\"”’)]*\s*$", text)
    return bool(match) and match.group(1).lower() in ABBREVIATIONS


def split_sentences(text: str, base: int = 0) -> list[tuple[int, int]]:
    """Spans (absolute, offset by `base`) of the sentences of `text`; lines always end a sentence."""
    spans: list[tuple[int, int]] = []
    offset = 0
    for line in text.split("\n"):
        start = 0
        # A table row is one unit; so is a numbered item's "2." with its text.
        matches = [] if "\t" in line else BOUNDARY_RE.finditer(line)
        for match in matches:
            piece = line[start:match.end()]
            if _ends_with_abbreviation(piece) or re.fullmatch(r"\s*\d{1,2}\.\s*", piece):
                continue
            end = match.end()
            piece_end = end - (len(line[:end]) - len(line[:end].rstrip()))
            if piece_end > start:
                spans.append((start + offset, piece_end + offset))
            start = end
        tail = line[start:].rstrip()
        if tail.strip():
            lead = len(tail) - len(tail.lstrip())
            spans.append((start + lead + offset, start + len(tail) + offset))
        offset += len(line) + 1
    return [(base + s, base + e) for s, e in spans if text[s:e].strip(" .\t")]
