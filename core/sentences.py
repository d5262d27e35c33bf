"""Split chunk text into sentences with exact character spans (quotes must point back to the source)."""

from __future__ import annotations

import re

ABBREVIATIONS = {
    "esim", "mm", "ns", "ym", "yms", "jne", "ts", "vrt", "n", "p", "puh", "milj", "v", "klo", "s", "nro",
    "ko", "em", "jms", "tms", "eg", "ie", "etc", "st", "dr", "mr", "ms", "t", "os", "tk", "prof",
}
BOUNDARY_RE = re.compile(r"[.!?]+[\"”’)]*\s+(?=[\"“”•\-–(]?[A-ZÅÄÖ0-9])")


# A numbered item or a form value that starts with its numbering is one unit with its text:
# "2. Vauhdittamo: …", "Toimintalinja: 3. Työllisyys…", "Erityistavoite: 6.1. Nuorten…".
NUMBERING_RE = re.compile(r"(?:^\s*|:\s*)\d{1,2}(?:\.\d{1,2})*\.\s*$")


def _ends_with_abbreviation(text: str) -> bool:
    match = re.search(r"(\w+)\.+[\"”’)]*\s*$", text)
    return bool(match) and match.group(1).lower() in ABBREVIATIONS


# A line that stops mid-sentence (no closing punctuation) and a next line, or the line after a blank
# one, that goes on in lower case: a hard-wrapped sentence ("…tehtiin toinen\n\nhankemuutos.").
WRAPPED_BREAK_RE = re.compile(r"(?<=[^\W\d_]|,)\n(?:[ \t]*\n)?(?=[a-zåäö])")


def unwrap_lines(text: str) -> str:
    """The text with hard line wraps inside a sentence turned into spaces (same length, so that
    offsets still point into the original). Table rows (tabs) are never joined."""
    def join(match: re.Match) -> str:
        line_start = text.rfind("\n", 0, match.start()) + 1
        line_end = text.find("\n", match.end())
        line_end = len(text) if line_end < 0 else line_end
        broken = match.group(0)
        return broken if "\t" in text[line_start:line_end] else " " * len(broken)

    return WRAPPED_BREAK_RE.sub(join, text)


def split_sentences(text: str, base: int = 0) -> list[tuple[int, int]]:
    """Spans (absolute, offset by `base`) of the sentences of `text`; a line break ends a sentence
    unless the sentence was only wrapped onto the next line."""
    spans: list[tuple[int, int]] = []
    offset = 0
    text = unwrap_lines(text)
    for line in text.split("\n"):
        start = 0
        # A table row is one unit; so is a numbered item's "2." with its text.
        matches = [] if "\t" in line else BOUNDARY_RE.finditer(line)
        for match in matches:
            piece = line[start:match.end()]
            if _ends_with_abbreviation(piece) or NUMBERING_RE.search(piece):
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


def chunk_sentences(chunk) -> list[tuple[int, int, str]]:
    """A chunk's sentences as (absolute start, end, text): the answer's candidates
    (assistant/evidence.py), and the texts whose vectors ingest caches (core/sentence_vectors.py)."""
    return [(start, end, chunk.text[start - chunk.start:end - chunk.start])
            for start, end in split_sentences(chunk.text, chunk.start)]
