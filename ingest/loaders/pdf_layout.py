"""Rebuild a document's structure from positioned words, for PDFs with a text layer and for pages
read by OCR alike: a PDF only knows where each word is printed, not what is a paragraph, a heading
or a table.

- **Tables** come from ruling lines (`PageTable`, found by the reader) and become tab-separated rows;
  a table that runs over a page break is continued, and a repeated header row is dropped.
- **Lines** are joined into paragraphs: a printed line is re-joined to the next one when the next
  line's first word would not have fitted on it (a wrap, not a break the author made); a vertical gap
  larger than the line spacing starts a new paragraph.
- **Headings** are lines in bold or in a larger size than the body text, standing on their own.
- **Two-column form cells** printed without a table grid ("Hankkeen nimi …   Päättymispäivämäärä …")
  are split at the wide gap into tab-separated cells.
- **Page headers and footers**, lines that repeat at the top or bottom of most pages (digits ignored,
  so "Sivu 3" repeats), are dropped.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from statistics import median

from ingest.loaders.structured_text import StructuredText, clean_inline

# Conjunctions after a line-final hyphen mean the hyphen ends a shortened compound ("työ- ja
# toimintakyky"), so the space is kept; otherwise the hyphen is part of a compound broken at it.
CONJUNCTIONS = {"ja", "tai", "sekä", "eli", "että", "kuin", "and", "or"}
MARGIN_SHARE = 0.09  # top and bottom share of the page where headers and footers live


@dataclass
class Word:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool = False


@dataclass
class Line:
    words: list[Word]

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def x1(self) -> float:
        return self.words[-1].x1

    @property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w.bottom for w in self.words)

    @property
    def size(self) -> float:
        return median(w.size for w in self.words)

    @property
    def bold(self) -> bool:
        letters = sum(len(w.text) for w in self.words)
        return sum(len(w.text) for w in self.words if w.bold) >= 0.8 * letters

    def text(self) -> str:
        """Words joined by spaces, and by a tab at a gap wide enough to separate two form cells."""
        out = self.words[0].text
        size = max(self.size, 1.0)  # the line's, not the word's: a dash's box is a point high
        for previous, word in zip(self.words, self.words[1:]):
            gap = word.x0 - previous.x1
            out += ("\t" if gap > 2.5 * size else " ") + word.text
        return out


@dataclass
class PageTable:
    top: float
    bottom: float
    rows: list[list[str]]


@dataclass
class Page:
    number: int  # 1-based
    width: float
    height: float
    lines: list[Line] = field(default_factory=list)  # outside tables, top to bottom
    tables: list[PageTable] = field(default_factory=list)


def group_lines(words: list[Word]) -> list[Line]:
    """Words on the same baseline (within half a text height) form one line, left to right."""
    lines: list[list[Word]] = []
    for word in sorted(words, key=lambda w: ((w.top + w.bottom) / 2, w.x0)):
        if lines:
            current = lines[-1]
            # Compared by vertical centres against the line's own height: a dash or a comma read
            # by OCR has a box of a few pixels, far from the top of the letters beside it.
            height = median(w.bottom - w.top for w in current)
            centre = median((w.top + w.bottom) / 2 for w in current)
            if abs((word.top + word.bottom) / 2 - centre) < 0.45 * max(height, 1.0):
                current.append(word)
                continue
        lines.append([word])
    return [Line(sorted(line, key=lambda w: w.x0)) for line in lines]


def join_wrapped(first: str, second: str) -> str:
    """Two pieces of one paragraph (or cell) broken by a line wrap."""
    if not first:
        return second
    if not second:
        return first
    if first.endswith("\u00ad"):  # a soft hyphen marks where a hyphenator broke the word
        return first[:-1] + second
    if first.endswith(" -"):
        return first + second  # "Natura 2000 -" + "ohjelman": a compound's hyphen wrapped with it
    if first.endswith("-") and len(first) > 1 and first[-2].isalpha():
        next_word = second.split(" ", 1)[0].lower()
        return first + (" " if next_word in CONJUNCTIONS else "") + second
    return first + " " + second


def is_broken_word(fragment: str, rest: str) -> bool:
    """Whether `fragment` + the first word of `rest` is one word broken in two (Voikko knows the
    whole but not the fragment). Without Voikko, layout alone decides."""
    from core.text_analysis import lemmatizer_name, word_classes

    if lemmatizer_name() != "voikko":
        return True
    fragment = fragment.strip(".,;:()\"'”")
    following = re.split(r"[\s.,;:()]", rest, maxsplit=1)[0]
    return not word_classes(fragment) and bool(word_classes(fragment + following))


def cell_text(text: str | None) -> str:
    """A table cell's printed lines as one line."""
    joined = ""
    for part in (text or "").split("\n"):
        joined = join_wrapped(joined, part.strip())
    return joined


def _repeating_margin_lines(pages: list[Page]) -> set[tuple[int, int]]:
    """(page, line index) of headers and footers: lines near the top or bottom edge whose text,
    digits ignored, recurs on at least half of the pages."""
    if len(pages) < 2:
        return set()
    keys: dict[tuple[int, int], str] = {}
    for page in pages:
        for index, line in enumerate(page.lines):
            if line.bottom < page.height * MARGIN_SHARE or line.top > page.height * (1 - MARGIN_SHARE):
                keys[(page.number, index)] = re.sub(r"\d+", "#", line.text().strip().lower())
    counts = Counter(keys.values())
    return {where for where, key in keys.items() if counts[key] >= max(2, len(pages) / 2)}


def _body_size(pages: list[Page]) -> float:
    sizes = Counter()
    for page in pages:
        for line in page.lines:
            for word in line.words:
                sizes[round(word.size, 1)] += len(word.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def _right_edge(pages: list[Page]) -> float:
    """Where full lines end: the right edge of the text column."""
    ends = sorted(line.x1 for page in pages for line in page.lines if len(line.words) > 3)
    return ends[int(len(ends) * 0.98)] if ends else max((p.width for p in pages), default=0) * 0.85


def _line_pitch(pages: list[Page]) -> float:
    """The distance from one line's top to the next within a paragraph: the lower end of the
    pitches between consecutive lines (the median would be a paragraph gap in a form of short
    paragraphs)."""
    pitches = sorted(b.top - a.top for page in pages for a, b in zip(page.lines, page.lines[1:])
                     if 0.8 * a.size < b.top - a.top < 3 * a.size)
    return pitches[len(pitches) // 5] if pitches else 12.0


def render_pages(pages: list[Page]) -> str:
    out = StructuredText()
    dropped = _repeating_margin_lines(pages)
    body = _body_size(pages)
    right = _right_edge(pages)
    pitch = _line_pitch(pages)

    paragraph: list[str] = []  # printed lines of the paragraph being read; "\n" where the author broke
    paragraph_is_heading = False
    last_line: Line | None = None
    last_table_columns = 0

    def flush() -> None:
        nonlocal paragraph, paragraph_is_heading
        if paragraph:
            text = "".join(paragraph)
            (out.heading if paragraph_is_heading else out.paragraph)(text)
        paragraph, paragraph_is_heading = [], False

    for page in pages:
        items: list[tuple[float, object]] = [(line.top, line) for index, line in enumerate(page.lines)
                                             if (page.number, index) not in dropped]
        items += [(table.top, table) for table in page.tables]
        items.sort(key=lambda item: item[0])
        first_on_page = True
        for _, item in items:
            if isinstance(item, PageTable):
                flush()
                rows = [[cell_text(cell) for cell in row] for row in item.rows]
                columns = max((len(row) for row in rows), default=0)
                continued = first_on_page and last_table_columns == columns and out.blocks \
                    and out.blocks[-1].kind == "table"
                if continued:
                    header = out.blocks[-1].text.split("\n", 1)[0]
                    if rows and "\t".join(clean_inline(c) for c in rows[0]) == header:
                        rows = rows[1:]  # the header row repeated on the new page
                    if rows and not rows[0][0].strip() and any(c.strip() for c in rows[0]):
                        # A row broken by the page: its rest has no label; it goes back to its row.
                        out.continue_last_row(rows[0], join_wrapped)
                        rows = rows[1:]
                    out.extend_table(rows)
                else:
                    out.table(rows)
                last_table_columns = columns
                last_line = None
                first_on_page = False
                continue
            line: Line = item
            text = line.text().strip()
            is_heading = (line.bold or line.size >= 1.15 * body) and len(text) <= 200 and "\t" not in text
            if paragraph and last_line is not None:
                same_page = not first_on_page
                new_paragraph = (is_heading != paragraph_is_heading
                                 or (same_page and line.top - last_line.top > 1.3 * pitch * max(1.0, line.size / body, last_line.size / body))
                                 or "\t" in text or "\t" in paragraph[-1])
                if not new_paragraph and not same_page:
                    # Across a page break a paragraph continues only if the last line was a wrap.
                    new_paragraph = not _wrapped(last_line, line, right)
                if new_paragraph:
                    flush()
                elif _wrapped(last_line, line, right) or is_heading:
                    paragraph[-1] = join_wrapped(paragraph[-1], text)
                    last_line = line
                    first_on_page = False
                    continue
                else:
                    paragraph.append("\n")
            elif paragraph:
                flush()
            paragraph.append(text)
            paragraph_is_heading = is_heading
            last_line = line
            last_table_columns = 0
            first_on_page = False
    flush()
    return out.render()


def _wrapped(previous: Line, line: Line, right: float) -> bool:
    """True when `line` continues `previous` only because the first word did not fit on it.

    After a sentence end and before a capital, a wrap and a line break the author made look the
    same; it is read as a break: inside a paragraph that costs nothing (the sentence ends there
    anyway), while joining a form's separate lines would merge them into one."""
    first_word = line.words[0]
    if previous.words[-1].text[-1:] in ".!?" and first_word.text[:1].isupper():
        return False
    room = right - previous.x1
    return room < (first_word.x1 - first_word.x0) + 0.6 * first_word.size
