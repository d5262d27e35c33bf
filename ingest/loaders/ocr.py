"""Pages without a text layer (scans), read by Tesseract with its Finnish and English models.

The page image is read at its own resolution; Tesseract gives each word and its box. Tables are
found from the ruling lines drawn in the image (long dark runs) and handed to pdfplumber's table
finder as explicit lines, so that a scanned table is split into the same cells as a printed one.
Bold is told from stroke width: the mean length of a word's horizontal ink runs (about the width of
its vertical stems) clearly above the page's typical word's (headings of forms are bold, not
larger). How much ink covers a word's box does not tell bold: it depends on the letters (a bold
"Liitteet" covers less of its box than a regular "Kustannukset"). The words then go through the same layout
rebuilding as a PDF's text layer (`pdf_layout.py`).

The Debian `tesseract-ocr` binary is called directly (its TSV output); ocrmypdf would add Ghostscript
and a second PDF rewrite only to put back a text layer that pdfplumber would then read again.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from functools import lru_cache
from statistics import median

from ingest.loaders.errors import LoadError
from ingest.loaders.pdf_layout import Page, PageTable, Word, group_lines

INSTALL_HINT = ("install Tesseract with its Finnish and English models "
                "(Debian/Ubuntu: sudo apt-get install tesseract-ocr tesseract-ocr-fin tesseract-ocr-eng; "
                "or run `make setup` as root)")
MIN_CONFIDENCE = 20  # Tesseract's word confidence (0–100); lower is speckle read as letters
DARK = 140  # grey level under which a pixel is ink
# Measured on the scanned corpus/ final report (200 dpi): bold words' stroke width is 1.27–2.5 × the
# page's median word's, regular words' at most 1.21 ×.
BOLD_STROKE_RATIO = 1.24
# A table's ruling read as a letter: "|" between words, "[0]" for a digit in a tight cell.
RULING_GLYPHS = "|[]{}"
EMPTY_CELL_PAD = 4  # pixels cut from each side of a cell so that its rulings stay out
# EURA codes are a letter and five digits; Tesseract reads an ESF code's "S" as "5" or "$". An
# unspaced six-digit figure starting with 5 is otherwise rare in Finnish text (thousands are spaced).
PROJECT_CODE_AS_DIGITS_RE = re.compile(r"^[5$]\d{5}[.,:;)]?$")


@lru_cache(maxsize=4)
def check_tesseract(languages: str) -> None:
    """Raise a LoadError that says how to install what is missing."""
    binary = shutil.which("tesseract")
    if binary is None:
        raise LoadError(f"a scanned PDF (pages without text) needs OCR: {INSTALL_HINT}")
    try:
        listed = subprocess.run([binary, "--list-langs"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        raise LoadError(f"Tesseract does not run; {INSTALL_HINT}") from None
    missing = [lang for lang in languages.split("+") if lang not in listed.split()]
    if missing:
        raise LoadError(f"Tesseract has no {', '.join(missing)} model for this scanned PDF; {INSTALL_HINT}")


def _native_dpi(page) -> int:
    """The resolution of the scan itself: re-sampling it up only makes OCR slower."""
    images = page.images
    if not images:
        return 300
    image = max(images, key=lambda i: i["width"] * i["height"])
    width_px = image.get("srcsize", (0, 0))[0]
    dpi = width_px / max(image["width"] / 72.0, 1e-6) if width_px else 300
    return int(min(max(dpi, 150), 400))


def _runs(mask, min_length: int):
    """(row, start, end) of horizontal runs of True at least `min_length` long."""
    import numpy as np

    padded = np.zeros((mask.shape[0], mask.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    changes = np.diff(padded, axis=1)
    rows_start, cols_start = np.nonzero(changes == 1)
    _, cols_end = np.nonzero(changes == -1)
    for row, start, end in zip(rows_start, cols_start, cols_end):
        if end - start >= min_length:
            yield int(row), int(start), int(end)


def _merge_runs(runs, scale: float, orientation: str) -> list[dict]:
    """Runs on neighbouring rows (a line 2–4 px thick) become one ruling, in PDF points."""
    rulings: list[list[int]] = []  # [first row, last row, start, end]
    for row, start, end in sorted(runs, key=lambda r: (r[1] // 8, r[0])):
        for ruling in rulings:
            if row - ruling[1] <= 2 and abs(start - ruling[2]) <= 6 and abs(end - ruling[3]) <= 6:
                ruling[1] = row
                break
        else:
            rulings.append([row, row, start, end])
    lines = []
    for first, last, start, end in rulings:
        middle = (first + last) / 2 / scale
        if orientation == "h":
            lines.append({"object_type": "line", "x0": start / scale, "x1": end / scale,
                          "top": middle, "bottom": middle, "width": (end - start) / scale, "height": 0})
        else:
            lines.append({"object_type": "line", "x0": middle, "x1": middle,
                          "top": start / scale, "bottom": end / scale, "width": 0, "height": (end - start) / scale})
    return lines


def find_rulings(ink, scale: float) -> tuple[list[dict], list[dict]]:
    """Horizontal and vertical ruling lines of a page image (True = ink). Letters are never this
    long: a ruling is at least about 3/4 inch across or 1/3 inch high."""
    horizontal = _merge_runs(_runs(ink, int(54 * scale)), scale, "h")
    vertical = _merge_runs(_runs(ink.T, int(24 * scale)), scale, "v")
    return horizontal, vertical


def run_tesseract(image, languages: str, page_mode: int) -> dict[str, list]:
    """Tesseract's words with their boxes (its TSV output) for one image.

    The binary is called directly so that only its process gets OMP_THREAD_LIMIT=1: one thread per
    Tesseract was 4× faster than its own threads on a busy 2-core machine (4.6 s against 20.8 s a
    page), while the same variable set in our own process made torch's bf16 embeddings NaN."""
    import tempfile

    binary = shutil.which("tesseract")
    if binary is None:
        raise LoadError(f"a scanned PDF (pages without text) needs OCR: {INSTALL_HINT}")
    with tempfile.TemporaryDirectory() as folder:
        path = f"{folder}/page.png"
        image.save(path)
        done = subprocess.run([binary, path, "stdout", "-l", languages, "--psm", str(page_mode), "tsv"],
                              capture_output=True, text=True, timeout=600,
                              env={**os.environ, "OMP_THREAD_LIMIT": "1"})
    if done.returncode != 0:
        raise LoadError(f"OCR failed ({done.stderr.strip()[:200]}); {INSTALL_HINT}")
    lines = done.stdout.splitlines()
    header = lines[0].split("\t") if lines else []
    data: dict[str, list] = {name: [] for name in ("text", "conf", "left", "top", "width", "height")}
    for line in lines[1:]:
        cells = dict(zip(header, line.split("\t")))
        if cells.get("level") != "5":
            continue
        data["text"].append(cells.get("text", ""))
        data["conf"].append(float(cells.get("conf", "-1") or -1))
        for name in ("left", "top", "width", "height"):
            data[name].append(int(cells.get(name, "0") or 0))
    return data


def stroke_width(box) -> float:
    """Mean length of the horizontal ink runs in a word's box (True = ink), in pixels."""
    import numpy as np

    if not box.size:
        return 0.0
    starts = box & ~np.pad(box, ((0, 0), (1, 0)))[:, :-1]  # ink pixels with no ink to their left
    count = int(starts.sum())
    return float(box.sum()) / count if count else 0.0


# A word space is about a third of the digits' height; the gap between two digits of one number is
# a tenth or less (sidebearings).
DIGIT_SPACE_GAP = 0.3


def split_spaced_digits(text: str, box) -> list[tuple[str, int, int]]:
    """Digits that Tesseract read as one word across a space ("00" for the two scores "0 0"):
    split where the columns between two digits' glyphs are empty for longer than a word space.
    Each digit must be its own run of inked columns, or the word is left whole. Returns
    (text, first column, end column) per part, in the box's columns."""
    import numpy as np

    whole = [(text, 0, box.shape[1])]
    if len(text) < 2 or not text.isdigit() or not box.size:
        return whole
    inked = box.any(axis=0)
    edges = np.flatnonzero(np.diff(np.concatenate(([0], inked.astype(np.int8), [0]))))
    glyphs = list(zip(edges[::2], edges[1::2]))  # [start, end) of each run of inked columns
    if len(glyphs) != len(text):
        return whole
    parts, start = [], 0
    for i in range(1, len(glyphs)):
        if glyphs[i][0] - glyphs[i - 1][1] > DIGIT_SPACE_GAP * box.shape[0]:
            parts.append((text[start:i], int(glyphs[start][0]), int(glyphs[i - 1][1])))
            start = i
    parts.append((text[start:], int(glyphs[start][0]), int(glyphs[-1][1])))
    return parts if len(parts) > 1 else whole


def _ocr_words(image, scale: float, languages: str, ink) -> list[Word]:
    data = run_tesseract(image, languages, 3)
    words: list[Word] = []
    strokes: list[float] = []
    for i, text in enumerate(data["text"]):
        text = (text or "").strip().strip(RULING_GLYPHS) if len((text or "").strip()) > 1 else (text or "").strip()
        alphanumeric = sum(ch.isalnum() for ch in text)
        if not text or text in RULING_GLYPHS or (float(data["conf"][i]) < MIN_CONFIDENCE and alphanumeric < 2):
            continue  # speckle; a low-confidence word of letters or digits is kept (a code, a name)
        if text in ("O", "o"):
            text = "0"  # no Finnish or English word is a lone O; a lone zero is (a score, a count)
        elif PROJECT_CODE_AS_DIGITS_RE.match(text):
            text = "S" + text[1:]  # an ESF code read with its S as a 5: "520283" for S20283
        left, top, width, height = data["left"][i], data["top"][i], data["width"][i], data["height"][i]
        box = ink[top:top + height, left:left + width]
        for part, first, end in split_spaced_digits(text, box):
            strokes.append(stroke_width(box[:, first:end]))
            # A printed word's height is about its font size (capitals and descenders together).
            words.append(Word(part, (left + first) / scale, (left + end) / scale, top / scale,
                              (top + height) / scale, height / scale))
    if strokes:
        typical = median(strokes)
        for word, stroke in zip(words, strokes):
            word.bold = typical > 0 and stroke > BOLD_STROKE_RATIO * typical
    return words


def _clean_cell(text: str) -> str:
    """A lone figure in a tight cell, as Tesseract misreads it next to the rulings: "(0)", "[5]",
    "0O" (one zero read twice, "O" and "0" being the same glyph to it), "l" for 1."""
    core = text.strip(RULING_GLYPHS + "()")
    if len(core) <= 3 and core and any(ch.isdigit() for ch in core) and all(ch in "0123456789OoIl" for ch in core):
        core = core.translate(str.maketrans("OoIl", "0011"))
        if len(core) == 2 and core[0] == "0" == core[1] and text.strip() != "00":
            core = "0"
        return core
    return text


def _read_missed_cells(image, scale: float, words: list[Word], cells) -> list[Word]:
    """Words in table cells that the page-level OCR left empty although they hold ink.

    Tesseract's page layout analysis drops lone short marks such as a score "5" or an "x" in a
    narrow cell. The empty cells' contents are pasted one under another into a single strip and
    read in one more Tesseract run as a block of lines, each line going back to its cell."""
    import numpy as np
    from PIL import Image

    ink = np.asarray(image) < DARK
    crops = []
    for x0, top, x1, bottom in sorted(cells, key=lambda c: (c[1], c[0])):
        if any(x0 <= (w.x0 + w.x1) / 2 <= x1 and top <= (w.top + w.bottom) / 2 <= bottom for w in words):
            continue
        box = (int(x0 * scale) + EMPTY_CELL_PAD, int(top * scale) + EMPTY_CELL_PAD,
               int(x1 * scale) - EMPTY_CELL_PAD, int(bottom * scale) - EMPTY_CELL_PAD)
        if box[2] - box[0] < 4 or box[3] - box[1] < 4 or ink[box[1]:box[3], box[0]:box[2]].sum() < 12:
            continue
        crop = image.crop(box)
        # Twice the size: Tesseract reads a lone small glyph ("0", "x") better at a larger scale.
        crops.append(((x0, top, x1, bottom), crop.resize((crop.width * 2, crop.height * 2), Image.LANCZOS)))
    if not crops:
        return []
    gap = int(12 * scale)
    width = max(c.width for _, c in crops) + 2 * gap
    strip = Image.new("L", (width, sum(c.height + gap for _, c in crops) + gap), 255)
    offsets = []
    y = gap
    for cell, crop in crops:
        strip.paste(crop, (gap, y))
        offsets.append((y, y + crop.height, cell))
        y += crop.height + gap
    data = run_tesseract(strip, ocr_languages(), 6)
    found: list[Word] = []
    for i, text in enumerate(data["text"]):
        text = (text or "").strip().strip(RULING_GLYPHS)
        if not text:
            continue
        middle = data["top"][i] + data["height"][i] / 2
        for start, end, (x0, top, x1, bottom) in offsets:
            if start - gap / 2 <= middle <= end + gap / 2:
                left = x0 + ((data["left"][i] - gap) / 2 + EMPTY_CELL_PAD) / scale
                y = top + ((middle - start) / 2 + EMPTY_CELL_PAD) / scale
                found.append(Word(text, left, left + data["width"][i] / 2 / scale, y - 3, y + 3,
                                  data["height"][i] / 2 / scale))
                break
    return found


def ocr_languages() -> str:
    from core.settings import get_settings

    return get_settings().ocr_languages


def render_page(page):
    """The page image in grey at the scan's resolution, and its scale (pixels per point). Called
    on the reading thread: pdfium is not thread-safe."""
    scale = _native_dpi(page) / 72.0
    return page.to_image(resolution=scale * 72).original.convert("L"), scale


def read_words(image, scale: float, languages: str) -> list[Word]:
    """Tesseract on one page image (a separate process, so pages can be read side by side)."""
    import numpy as np

    try:
        return _ocr_words(image, scale, languages, np.asarray(image) < DARK)
    except LoadError:
        raise
    except (OSError, subprocess.SubprocessError) as error:
        raise LoadError(f"OCR failed ({type(error).__name__}); {INSTALL_HINT}") from None


def build_page(page, number: int, image, scale: float, words: list[Word]) -> Page:
    """The OCR words of a page, with tables cut along the rulings drawn in its image."""
    import numpy as np

    from ingest.loaders.pdf_reader import cell_text_from_words, inside_table

    horizontal, vertical = find_rulings(np.asarray(image) < DARK, scale)
    tables: list[tuple[PageTable, float, float]] = []
    if horizontal and vertical:
        settings = {"vertical_strategy": "explicit", "horizontal_strategy": "explicit",
                    "explicit_vertical_lines": vertical, "explicit_horizontal_lines": horizontal,
                    "snap_tolerance": 4, "join_tolerance": 4, "intersection_tolerance": 4}
        found_tables = [t for t in page.find_tables(settings) if max((len(r.cells) for r in t.rows), default=0) >= 2]
        cells = {cell for table in found_tables for row in table.rows for cell in row.cells if cell}
        words = words + _read_missed_cells(image, scale, words, cells)
        for found in found_tables:
            rows = [[_clean_cell(cell_text_from_words(words, cell)) if cell else "" for cell in row.cells]
                    for row in found.rows]
            tables.append((PageTable(found.bbox[1], found.bbox[3], rows), found.bbox[0], found.bbox[2]))
    words = [w for w in words if not any(inside_table(w, t, x0, x1) for t, x0, x1 in tables)]
    return Page(number, float(page.width), float(page.height), group_lines(words), [t for t, _, _ in tables])
