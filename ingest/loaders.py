"""Turn a file (.txt, .md, .pdf, .docx, .html) into plain text, or say clearly why not.

Loaders never raise anything but `LoadError`, so that one bad file cannot stop an ingest.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

SUPPORTED = (".txt", ".md", ".pdf", ".docx", ".html", ".htm")
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_ZIP_RATIO = 200


class LoadError(Exception):
    """A file that cannot be read as a document; the message is shown to the user."""


def _decode(data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise LoadError("binary file (contains NUL bytes), not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # Older Finnish documents are often Windows-1252; accept them only if they read as text.
    text = data.decode("cp1252", errors="replace")
    bad = sum(1 for ch in text if ch == "\ufffd" or (ord(ch) < 32 and ch not in "\t\n\r\f"))
    if bad > max(3, len(text) // 200):
        raise LoadError("not valid UTF-8 or Windows-1252 text (wrong encoding or a binary file)")
    return text


def _load_text(data: bytes) -> str:
    text = _decode(data)
    control = sum(1 for ch in text[:20000] if ord(ch) < 32 and ch not in "\t\n\r\f")
    if control > 20:
        raise LoadError("binary file (control characters), not text")
    return text


def _load_html(data: bytes) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(_decode(data), "html.parser")
    for tag in soup(["script", "style", "noscript", "template"]):
        tag.decompose()
    lines = [line.strip() for line in soup.get_text("\n").splitlines()]
    return "\n".join(lines)


def _load_pdf(data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise LoadError("encrypted PDF; remove the password and ingest it again")
        pages = [page.extract_text() or "" for page in reader.pages]
    except LoadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as error:
        raise LoadError(f"corrupt PDF ({type(error).__name__})") from None
    except Exception as error:  # pypdf raises assorted errors on damaged files
        raise LoadError(f"unreadable PDF ({type(error).__name__})") from None
    return "\n\n".join(pages)


def _check_zip(data: bytes, max_xml_bytes: int) -> None:
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


def _load_docx(data: bytes, max_xml_bytes: int = MAX_UNZIPPED_BYTES) -> str:
    _check_zip(data, max_xml_bytes)
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as error:
        raise LoadError(f"corrupt DOCX ({type(error).__name__})") from None
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts.append("")
        for row in table.rows:
            parts.append("\t".join(cell.text.strip() for cell in row.cells))
    return "\n\n".join(parts)


LOADERS = {".txt": _load_text, ".md": _load_text, ".html": _load_html, ".htm": _load_html,
           ".pdf": _load_pdf, ".docx": _load_docx}


def load_bytes(name: str, data: bytes, max_unpacked_bytes: int = MAX_UNZIPPED_BYTES) -> str:
    """Text of a document given its file name (for the format) and its bytes; a DOCX may unpack to
    at most `max_unpacked_bytes` of XML."""
    suffix = Path(name).suffix.lower()
    loader = LOADERS.get(suffix)
    if loader is None:
        raise LoadError(f"unsupported file type {suffix or '(none)'}; supported: {', '.join(SUPPORTED)}")
    if not data.strip():
        raise LoadError("empty file")
    text = (_load_docx(data, max_unpacked_bytes) if loader is _load_docx else loader(data))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise LoadError("no text could be extracted (a scanned PDF or an empty document?)")
    return text


def load_file(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise LoadError(f"cannot read file: {error.strerror}") from None
    return load_bytes(path.name, data)
