"""Split a document by its structure into chunks that cite back to exact character spans.

- Numbered headings ("4.2 Mitä välittömiä tuloksia…") open sections; short stand-alone lines
  ("Hankkeen budjetti", "Kustannusarvion ja rahoitussuunnitelman toteuma") open subsections.
  Every chunk carries its heading, which is embedded with it.
- Paragraphs are packed into chunks of at most `chunk_size` characters (smaller, section-aware
  chunks retrieved better than larger ones in our measurements).
- Tab-separated rows form tables. A table stays with its header row: when a table has to be split,
  each piece gets the header as context. A "row" longer than `MAX_ROW_CHARS` or with more than
  `MAX_ROW_CELLS` cells is text (a file with its newlines turned into spaces is one such line), so
  that it is split like any paragraph and no fact quotes all of it.
- `chunk.text == text[chunk.start:chunk.end]` always holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter

from core.types import Chunk, Section

NUMBERED_HEADING_RE = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,2})\.?[ \t]+([A-ZÅÄÖ][^\t]{1,160})$")
TERMINAL_PUNCTUATION = ".,:;!?"
# The longest real table row here is 540 characters with 4 cells; rows are never split, so a bound
# keeps one line from becoming one huge chunk and one fact per figure quoting all of it.
MAX_ROW_CHARS = 2000
MAX_ROW_CELLS = 64


def is_table_row(line: str) -> bool:
    return "\t" in line and len(line) <= MAX_ROW_CHARS and line.count("\t") < MAX_ROW_CELLS


@dataclass
class Block:
    start: int
    end: int
    kind: str  # "text" | "table" | "heading"
    level: int = 0  # 1 numbered heading, 2 subheading


def _lines_with_offsets(text: str):
    offset = 0
    for line in text.split("\n"):
        yield offset, line
        offset += len(line) + 1


def _heading_level(line: str, blank_before: bool, blank_after: bool) -> int:
    stripped = line.strip()
    if not stripped or "\t" in line or line[:1].isspace():
        return 0
    numbered = NUMBERED_HEADING_RE.match(stripped)
    if numbered and len(stripped) <= 170:
        # "1. Osaavan työvoiman saatavuus" is a numbered item inside a section, not a new section.
        is_list_item = "." not in numbered.group(1) and stripped[len(numbered.group(1))] == "."
        return 2 if is_list_item else 1
    # "Suunniteltu: 45" and "Toiminnan tila: Toiminta päättynyt" are label–value lines, not titles.
    is_short_title = (3 <= len(stripped) <= 70 and len(stripped.split()) <= 8
                      and stripped[0].isupper() and stripped[-1] not in TERMINAL_PUNCTUATION
                      and ":" not in stripped and not stripped[-1].isdigit())
    if is_short_title and blank_before and blank_after:
        return 2
    return 0


def find_blocks(text: str) -> list[Block]:
    """Headings, paragraphs and tables, with their spans in `text`."""
    lines = list(_lines_with_offsets(text))
    blocks: list[Block] = []
    current: Block | None = None
    for index, (offset, line) in enumerate(lines):
        blank = not line.strip()
        before = index == 0 or not lines[index - 1][1].strip()
        after = index + 1 >= len(lines) or not lines[index + 1][1].strip()
        level = _heading_level(line, before, after)
        kind = "table" if is_table_row(line) and not blank else "text"
        if blank or level:
            current = None
            if level:
                blocks.append(Block(offset, offset + len(line.rstrip()), "heading", level))
            continue
        if current is not None and current.kind == kind:
            current.end = offset + len(line.rstrip())
        else:
            current = Block(offset + (len(line) - len(line.lstrip()) if kind == "text" else 0),
                            offset + len(line.rstrip()), kind)
            blocks.append(current)
    return [b for b in blocks if b.end > b.start]


def _split_long_text(text: str, block: Block, size: int, overlap: int) -> list[tuple[int, int]]:
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=size, chunk_overlap=overlap, add_start_index=True, keep_separator="end",
        separators=["\n", ". ", "; ", ", ", " ", ""])
    pieces = splitter.create_documents([text[block.start:block.end]])
    spans = []
    for piece in pieces:
        start = block.start + piece.metadata["start_index"]
        spans.append((start, start + len(piece.page_content)))
    return spans


def _split_long_table(text: str, block: Block, size: int) -> list[tuple[int, int, str]]:
    """Row-aligned pieces of a long table; each piece after the first gets the header row."""
    rows = list(_lines_with_offsets(text[block.start:block.end]))
    header = rows[0][1]
    pieces: list[tuple[int, int, str]] = []
    piece_start = None
    piece_end = None
    for offset, row in rows:
        row_start, row_end = block.start + offset, block.start + offset + len(row)
        if piece_start is not None and row_end - piece_start > size:
            pieces.append((piece_start, piece_end, header if pieces else ""))
            piece_start = None
        if piece_start is None:
            piece_start = row_start
        piece_end = row_end
    pieces.append((piece_start, piece_end, header if pieces else ""))
    return pieces


def split_document(doc: str, text: str, chunk_size: int = 800, overlap: int = 100
                   ) -> tuple[list[Section], list[Chunk]]:
    blocks = find_blocks(text)
    sections: list[Section] = []
    chunks: list[Chunk] = []
    heading, subheading = "", ""
    pending: list[tuple[int, int, str, str]] = []  # (start, end, kind, context)

    def label() -> str:
        return f"{heading} › {subheading}" if heading and subheading else heading or subheading

    def flush() -> None:
        if not pending:
            return
        start, end = pending[0][0], pending[-1][1]
        kind = "table" if any(p[2] == "table" for p in pending) else "text"
        context = next((p[3] for p in pending if p[3]), "")
        chunks.append(Chunk(id=f"{doc}::{len(chunks)}", doc=doc, order=len(chunks), section=label(),
                            text=text[start:end], start=start, end=end, kind=kind, context=context))
        pending.clear()

    def add_piece(start: int, end: int, kind: str, context: str = "") -> None:
        if pending and end - pending[0][0] > chunk_size:
            flush()
        pending.append((start, end, kind, context))

    for block in blocks:
        if block.kind == "heading":
            flush()
            line = text[block.start:block.end].strip()
            if block.level == 1:
                heading, subheading = line, ""
            else:
                subheading = line
            if sections:
                sections[-1].end = block.start
            sections.append(Section(heading=label(), start=block.start, end=len(text)))
            continue
        if block.end - block.start <= chunk_size:
            add_piece(block.start, block.end, block.kind)
        elif block.kind == "table":
            for start, end, context in _split_long_table(text, block, chunk_size):
                flush()
                add_piece(start, end, "table", context)
        else:
            for start, end in _split_long_text(text, block, chunk_size, overlap):
                flush()
                add_piece(start, end, "text")
    flush()
    return sections, chunks
