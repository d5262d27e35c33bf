"""Turn a file (.txt, .md, .pdf, .docx, .html) into structured text, or say clearly why not.

One interface for every format: `load_document(name, data)` returns a `LoadedDocument` whose text
follows the conventions of the corpus/ text files (`structured_text.py`: paragraphs between blank
lines, headings on their own, tables as tab-separated rows with their header row), so chunking and
fact extraction never need to know the format. Loaders never raise anything but `LoadError`, so that
one bad file cannot stop an ingest.

Modules: `plain` (.txt/.md), `docx_reader`, `html_reader`, `pdf_reader` (text layer with layout,
`pdf_layout` rebuilds paragraphs, headings and tables from positioned words) and `ocr` (Tesseract for
pages without a text layer).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ingest.loaders.docx_reader import MAX_UNZIPPED_BYTES as MAX_UNPACKED_BYTES
from ingest.loaders.errors import LoadError

SUPPORTED = (".txt", ".md", ".pdf", ".docx", ".html", ".htm")

__all__ = ["SUPPORTED", "LoadError", "LoadedDocument", "load_document", "load_bytes", "load_file"]


@dataclass
class LoadedDocument:
    text: str
    ocr_pages: list[int] = field(default_factory=list)  # 1-based pages read by OCR (scanned PDFs)


def _text_loader(function: Callable[[bytes], str]) -> Callable[[bytes], LoadedDocument]:
    return lambda data: LoadedDocument(function(data))


def _loader(suffix: str, max_unpacked_bytes: int) -> Callable[[bytes], LoadedDocument] | None:
    # Imported on use: a .txt ingest does not need pdfplumber, python-docx or BeautifulSoup.
    if suffix in (".txt", ".md"):
        from ingest.loaders.plain import load_text

        return _text_loader(load_text)
    if suffix in (".html", ".htm"):
        from ingest.loaders.html_reader import load_html

        return _text_loader(load_html)
    if suffix == ".docx":
        from ingest.loaders.docx_reader import load_docx

        return _text_loader(lambda data: load_docx(data, max_unpacked_bytes))
    if suffix == ".pdf":
        from ingest.loaders.pdf_reader import load_pdf

        return load_pdf
    return None


def load_document(name: str, data: bytes, max_unpacked_bytes: int = MAX_UNPACKED_BYTES) -> LoadedDocument:
    """Structured text of a document given its file name (for the format) and its bytes; a DOCX may
    unpack to at most `max_unpacked_bytes` of XML."""
    suffix = Path(name).suffix.lower()
    loader = _loader(suffix, max_unpacked_bytes)
    if loader is None:
        raise LoadError(f"unsupported file type {suffix or '(none)'}; supported: {', '.join(SUPPORTED)}")
    if not data.strip():
        raise LoadError("empty file")
    loaded = loader(data)
    loaded.text = loaded.text.replace("\r\n", "\n").replace("\r", "\n")
    if not loaded.text.strip():
        raise LoadError("no text could be extracted (an empty document?)")
    return loaded


def load_bytes(name: str, data: bytes, max_unpacked_bytes: int = MAX_UNPACKED_BYTES) -> str:
    """The text of `load_document`, for callers that need nothing else."""
    return load_document(name, data, max_unpacked_bytes).text


def load_file(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise LoadError(f"cannot read file: {error.strerror}") from None
    return load_bytes(path.name, data)
