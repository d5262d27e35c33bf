"""DOCX in body order: paragraphs and tables interleaved as in the document, headings from Word's
heading styles (or an outline level), list items as list items, tables as tab-separated rows with
their header row."""

from __future__ import annotations

import io
import re
import zipfile

from ingest.loaders.errors import LoadError
from ingest.loaders.structured_text import StructuredText

MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_ZIP_RATIO = 200
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# Built-in heading styles by name, in English and Finnish Word ("Otsikko 1"), plus the title style.
HEADING_STYLE_RE = re.compile(r"^(heading|otsikko)\s*\d$|^(title|otsikko)$", re.I)
LIST_STYLE_RE = re.compile(r"list|luettelo", re.I)


def check_zip(data: bytes, max_xml_bytes: int = MAX_UNZIPPED_BYTES) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise LoadError("corrupt DOCX (not a zip archive)") from None
    total = sum(info.file_size for info in archive.infolist())
    if total > MAX_UNZIPPED_BYTES or total > MAX_ZIP_RATIO * max(len(data), 1):
        raise LoadError("DOCX unpacks to an implausible size (zip bomb?); refused")
    # The ratio alone let a 1.8 MB file with 190 MB of XML through (3.6 GB and minutes to parse);
    # images do not count, only the XML that python-docx parses.
    xml = sum(info.file_size for info in archive.infolist() if info.filename.lower().endswith((".xml", ".rels")))
    if xml > max_xml_bytes:
        raise LoadError(f"DOCX unpacks to {xml / 2**20:.0f} MB of XML, more than the limit of "
                        f"{max_xml_bytes / 2**20:.0f} MB (HANKE_MAX_UNPACKED_MB); refused")


def _style_chain(paragraph):
    style = paragraph.style
    while style is not None:
        yield style
        style = style.base_style


def _is_heading(paragraph) -> bool:
    p_pr = paragraph._p.pPr
    if p_pr is not None and p_pr.find(f"{W}outlineLvl") is not None:
        return int(p_pr.find(f"{W}outlineLvl").get(f"{W}val", "9")) < 9
    for style in _style_chain(paragraph):
        if HEADING_STYLE_RE.match(style.name or ""):
            return True
        s_pr = style.element.pPr
        if s_pr is not None and s_pr.find(f"{W}outlineLvl") is not None:
            return int(s_pr.find(f"{W}outlineLvl").get(f"{W}val", "9")) < 9
    return False


def _list_level(paragraph) -> tuple[str, int] | None:
    """(numbering id, level) of a list paragraph, or None for an ordinary paragraph."""
    p_pr = paragraph._p.pPr
    num_pr = p_pr.find(f"{W}numPr") if p_pr is not None else None
    if num_pr is not None:
        num_id = num_pr.find(f"{W}numId")
        level = num_pr.find(f"{W}ilvl")
        if num_id is not None and num_id.get(f"{W}val") != "0":
            return num_id.get(f"{W}val"), int(level.get(f"{W}val")) if level is not None else 0
    if any(LIST_STYLE_RE.search(style.name or "") for style in _style_chain(paragraph)):
        return "style", 0
    return None


def _numbering_formats(document) -> dict[tuple[str, int], str]:
    """numFmt ("decimal", "bullet", …) per (numId, level), so numbered items keep their numbers."""
    formats: dict[tuple[str, int], str] = {}
    try:
        numbering = document.part.numbering_part.element
    except (KeyError, NotImplementedError, AttributeError):
        return formats
    abstract = {}
    for node in numbering.findall(f"{W}abstractNum"):
        levels = {}
        for lvl in node.findall(f"{W}lvl"):
            fmt = lvl.find(f"{W}numFmt")
            levels[int(lvl.get(f"{W}ilvl", "0"))] = fmt.get(f"{W}val") if fmt is not None else "bullet"
        abstract[node.get(f"{W}abstractNumId")] = levels
    for num in numbering.findall(f"{W}num"):
        ref = num.find(f"{W}abstractNumId")
        for level, fmt in abstract.get(ref.get(f"{W}val") if ref is not None else "", {}).items():
            formats[(num.get(f"{W}numId"), level)] = fmt
    return formats


def _cell_texts(row) -> list[str]:
    """A row's cells in grid order: a merged cell's text once, then empty cells for the columns it
    spans, so that every row of a table keeps the same columns."""
    from docx.table import _Cell

    cells: list[str] = []
    for tc in row._tr.tc_lst:
        cell = _Cell(tc, row)
        continued = tc.tcPr is not None and tc.tcPr.vMerge is not None and tc.tcPr.vMerge.get(f"{W}val") != "restart"
        text = "" if continued else " ".join(p.text.replace("\n", " ") for p in cell.paragraphs)
        cells.append(text)
        cells.extend("" for _ in range(tc.grid_span - 1))
    return cells


def load_docx(data: bytes, max_xml_bytes: int = MAX_UNZIPPED_BYTES) -> str:
    check_zip(data, max_xml_bytes)
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as error:  # python-docx raises assorted errors on damaged files
        raise LoadError(f"corrupt DOCX ({type(error).__name__})") from None
    formats = _numbering_formats(document)
    counters: dict[tuple[str, int], int] = {}
    out = StructuredText()
    for element in document.element.body.iterchildren():
        if element.tag == f"{W}tbl":
            out.table([_cell_texts(row) for row in Table(element, document).rows])
            continue
        if element.tag != f"{W}p":
            continue
        paragraph = Paragraph(element, document)
        text = paragraph.text
        if not text.strip():
            continue
        if _is_heading(paragraph):
            out.heading(text)
            continue
        listed = _list_level(paragraph)
        if listed is None:
            out.paragraph(text)
            continue
        fmt = formats.get(listed, "bullet")
        if fmt in ("decimal", "lowerLetter", "upperLetter"):
            counters[listed] = counters.get(listed, 0) + 1
            # "1)" rather than "1.": a numbered list item is not a numbered heading.
            number = counters[listed]
            marker = f"{number})" if fmt == "decimal" else f"{chr(ord('a' if fmt == 'lowerLetter' else 'A') + number - 1)})"
            out.list_item(text, marker)
        else:
            out.list_item(text)
    return out.render()
