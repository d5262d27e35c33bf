"""The structured text every loader writes, so that chunking and fact extraction never need to know
the format a document came in. The conventions are those of the corpus/ text files:

- a paragraph is one line (or a few lines where the author broke them on purpose), and paragraphs
  are separated by one blank line;
- a heading stands alone between blank lines ("4.2 Mitä välittömiä tuloksia…" or a short title);
- a table is a block of lines with its cells separated by tabs, its header row first, with a blank
  line before and after it;
- a list item is its own line ("- kohta", "1) kohta") directly under the line before it.

A short paragraph that is *not* a heading must not stand alone between blank lines, or the chunker
would take it for a subheading ("Ei relevantti", a person's name); such lines are attached to their
neighbour with a single line break.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

TERMINAL_PUNCTUATION = ".,:;!?"
LABEL_LINE_RE = re.compile(r"^[A-ZÅÄÖ][^:\t\n]{1,100}?:\s*\S")


def clean_inline(text: str) -> str:
    """One line: runs of spaces (and non-breaking spaces from layout) collapsed, ends stripped."""
    return re.sub(r"[ \u00a0\t]+", " ", text).strip()


def looks_like_title(line: str) -> bool:
    """What the chunker would read as a subheading if it stood between blank lines."""
    line = line.strip()
    return (3 <= len(line) <= 70 and len(line.split()) <= 8 and line[0].isupper()
            and line[-1] not in TERMINAL_PUNCTUATION and ":" not in line and not line[-1].isdigit())


def _is_line_like(text: str) -> bool:
    last = text.split("\n")[-1]
    first = text.split("\n")[0]
    return looks_like_title(first) or looks_like_title(last) or bool(LABEL_LINE_RE.match(first))


@dataclass
class Block:
    kind: str  # "heading" | "paragraph" | "table" | "item"
    text: str


@dataclass
class StructuredText:
    """Collects a document's blocks in reading order and renders them as structured text."""

    blocks: list[Block] = field(default_factory=list)

    def heading(self, text: str) -> None:
        text = clean_inline(text)
        if text:
            self.blocks.append(Block("heading", text))

    def paragraph(self, text: str) -> None:
        """A paragraph; line breaks inside it (Word's soft breaks, `<br>`) are kept as lines."""
        lines = [clean_inline(line) for line in text.split("\n")]
        text = "\n".join(line for line in lines if line)
        if text:
            self.blocks.append(Block("paragraph", text))

    def list_item(self, text: str, marker: str = "-") -> None:
        text = clean_inline(text)
        if text:
            self.blocks.append(Block("item", f"{marker} {text}"))

    def table(self, rows: list[list[str]]) -> None:
        """Rows of cells; a cell's own line breaks become spaces so that a row stays one line."""
        lines = ["\t".join(clean_inline(cell) for cell in row) for row in rows]
        lines = [line for line in lines if line.strip()]
        if lines:
            self.blocks.append(Block("table", "\n".join(lines)))

    def extend_table(self, rows: list[list[str]]) -> bool:
        """Append rows to the table just written (a table continued on the next page)."""
        if not self.blocks or self.blocks[-1].kind != "table":
            return False
        lines = ["\t".join(clean_inline(cell) for cell in row) for row in rows]
        lines = [line for line in lines if line.strip()]
        if lines:
            self.blocks[-1].text += "\n" + "\n".join(lines)
        return True

    def continue_last_row(self, cells: list[str], join) -> None:
        """Join the cells of a row's remainder (printed on the next page) to the table's last row."""
        lines = self.blocks[-1].text.split("\n")
        last = lines[-1].split("\t")
        last += [""] * (len(cells) - len(last))
        lines[-1] = "\t".join(join(old, clean_inline(new)) if new.strip() else old
                               for old, new in zip(last, cells + [""] * (len(last) - len(cells))))
        self.blocks[-1].text = "\n".join(lines)

    def render(self) -> str:
        out: list[str] = []
        previous: Block | None = None
        for block in self.blocks:
            if previous is not None:
                out.append(self._separator(previous, block))
            out.append(block.text)
            previous = block
        return "".join(out).strip("\n") + "\n"

    @staticmethod
    def _separator(previous: Block, block: Block) -> str:
        if "heading" in (previous.kind, block.kind) or "table" in (previous.kind, block.kind):
            return "\n\n"
        if block.kind == "item":
            return "\n"  # list items stay under their lead-in line, never stand alone
        if previous.kind == "item":
            return "\n\n"
        # Two paragraphs: a blank line, unless one of them would then read as a heading.
        if _is_line_like(previous.text) or _is_line_like(block.text):
            return "\n"
        return "\n\n"
