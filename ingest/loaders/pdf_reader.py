"""PDF: the text layer read with its layout by pdfplumber (MIT), pages without a text layer read by
OCR (`ocr.py`). pdfplumber was chosen by measurement over pypdf's plain and layout modes and
pypdfium2 (README, *Document formats*): it gives each word's position and font and finds tables by
their ruling lines, which is what rebuilding paragraphs, headings and tables needs."""

from __future__ import annotations

import io
import os

from ingest.loaders import LoadedDocument
from ingest.loaders.errors import LoadError
from ingest.loaders.pdf_layout import Page, PageTable, Word, group_lines

BOLD_MARKERS = ("bold", "black", "heavy", "semibold", ",b")
# A page with fewer printed characters than this is treated as having no text layer (a scan may
# carry a stray page number or a stamp as text).
MIN_TEXT_CHARS = 20


def _is_bold(fontname: str) -> bool:
    name = (fontname or "").lower()
    return any(marker in name for marker in BOLD_MARKERS)


def inside_table(word: Word, table: PageTable, x0: float, x1: float) -> bool:
    middle_y = (word.top + word.bottom) / 2
    middle_x = (word.x0 + word.x1) / 2
    return table.top <= middle_y <= table.bottom and x0 <= middle_x <= x1


def cell_text_from_words(words: list[Word], bbox) -> str:
    from ingest.loaders.pdf_layout import is_broken_word, join_wrapped

    x0, top, x1, bottom = bbox
    inside = [w for w in words if x0 <= (w.x0 + w.x1) / 2 <= x1 and top <= (w.top + w.bottom) / 2 <= bottom]
    text = ""
    previous = None
    for line in group_lines(inside):
        piece = " ".join(w.text for w in line.words)
        # A word wider than its cell is broken inside it, without a hyphen, where the next letter
        # would cross the cell's padding (Word/LibreOffice: about 5.5 pt): the piece fills the line.
        if (previous is not None and len(previous.words) == 1 and previous.x1 > x1 - 12.5
                and piece[:1].islower() and is_broken_word(previous.words[0].text, piece)):
            text += piece
        else:
            text = join_wrapped(text, piece)
        previous = line
    return text


def read_text_page(page, number: int) -> Page:
    """One page of a PDF with a text layer: its tables (by ruling lines) and the lines around them.
    A cell's text is built from the page's words (pdfplumber's own cell text splits words at
    kerning gaps in narrow cells)."""
    words = [Word(w["text"], w["x0"], w["x1"], w["top"], w["bottom"], w["size"], _is_bold(w["fontname"]))
             for w in page.extract_words(extra_attrs=["fontname", "size"], keep_blank_chars=False)]
    tables: list[tuple[PageTable, float, float]] = []
    for found in page.find_tables():
        rows = [[cell_text_from_words(words, cell) if cell else "" for cell in row.cells] for row in found.rows]
        tables.append((PageTable(found.bbox[1], found.bbox[3], rows), found.bbox[0], found.bbox[2]))
    words = [w for w in words if not any(inside_table(w, t, x0, x1) for t, x0, x1 in tables)]
    return Page(number, float(page.width), float(page.height), group_lines(words), [t for t, _, _ in tables])


def _ocr_pages(pdf, numbers: list[int]) -> dict[int, Page]:
    """OCR the given pages, one Tesseract process (of one thread, `ocr.run_tesseract`) per core."""
    from concurrent.futures import ThreadPoolExecutor

    from ingest.loaders.ocr import build_page, check_tesseract, ocr_languages, read_words, render_page

    languages = ocr_languages()
    check_tesseract(languages)
    workers = max(1, min(len(numbers), os.cpu_count() or 1))
    pages: dict[int, Page] = {}
    with ThreadPoolExecutor(workers) as pool:
        # Render a few pages ahead on this thread (pdfium is not thread-safe), OCR them in the pool.
        for start in range(0, len(numbers), workers * 2):
            batch = numbers[start:start + workers * 2]
            images = [render_page(pdf.pages[n - 1]) for n in batch]
            found = pool.map(lambda item: read_words(item[0], item[1], languages), images)
            for n, (image, scale), words in zip(batch, images, found):
                pages[n] = build_page(pdf.pages[n - 1], n, image, scale, words)
    return pages


def _pdf_error_message(error: BaseException) -> str:
    """What went wrong, from the error and what it wraps (pdfplumber wraps pdfminer's errors)."""
    seen: list[BaseException] = []
    while error is not None and error not in seen:
        seen.append(error)
        nested = error.args[0] if error.args and isinstance(error.args[0], BaseException) else None
        error = nested or error.__cause__ or error.__context__
    names = " ".join(type(e).__name__ for e in seen)
    if "Password" in names or "Encrypt" in names:
        return "encrypted PDF; remove the password and ingest it again"
    if any(word in names for word in ("Syntax", "PSEOF", "PSException", "PDFException", "ValueError", "KeyError",
                                      "TypeError", "OSError", "AttributeError", "IndexError")):
        return f"corrupt PDF ({type(seen[-1]).__name__})"
    return f"unreadable PDF ({type(seen[-1]).__name__})"


def load_pdf(data: bytes) -> LoadedDocument:
    import pdfplumber
    from ingest.loaders.pdf_layout import render_pages

    pages: list[Page] = []
    ocr_pages: list[int] = []
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            scanned = [n for n, page in enumerate(pdf.pages, start=1) if len(page.chars) < MIN_TEXT_CHARS]
            read = {n: read_text_page(page, n) for n, page in enumerate(pdf.pages, start=1) if n not in scanned}
            if scanned:
                read.update(_ocr_pages(pdf, scanned))
                ocr_pages = scanned
            pages = [read[n] for n in sorted(read)]
    except LoadError:
        raise
    except Exception as error:  # pdfminer raises assorted errors on damaged files
        raise LoadError(_pdf_error_message(error)) from None
    return LoadedDocument(render_pages(pages), ocr_pages)
