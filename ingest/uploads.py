"""Documents added through the web: check every file before anything is stored, then keep the
accepted ones under `<data_dir>/uploads/` so that they are ingested like any other file.

A request is all or nothing: if one file fails a check, no file of it is written. The checks are
the same as `hanke ingest` does (the file must load and give at least one chunk), plus the ones a
server needs against untrusted input: size, count, extension and a plain file name.
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from core.settings import Settings
from ingest.loaders import SUPPORTED, LoadError
from ingest.pipeline import build_record

MAX_NAME_CHARS = 200


class UploadRejected(Exception):
    """One reason to refuse an upload: `key` names the text in assistant.texts.UPLOAD_ERRORS, `status`
    is the HTTP status, `values` fill the text."""

    def __init__(self, key: str, status: int, **values):
        super().__init__(key)
        self.key = key
        self.status = status
        self.values = values


@dataclass
class CheckedUpload:
    doc: str
    data: bytes
    chunks: int


def uploads_dir(settings: Settings) -> Path:
    return settings.data_dir / "uploads"


def document_name(raw: str | None) -> str:
    """The client's file name if it is a plain name; never a path, hidden file or control characters."""
    name = raw or ""
    if not name.strip():
        raise UploadRejected("bad_name", 400, name="")
    shown = name.encode("unicode_escape").decode("ascii")[:80]
    if (any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") for ch in name)
            or "/" in name or "\\" in name or name.startswith(".") or name != name.strip()
            or len(name) > MAX_NAME_CHARS or ":" in name):
        raise UploadRejected("bad_name", 400, name=shown)
    return unicodedata.normalize("NFC", name)


def check_extension(name: str) -> None:
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED:
        raise UploadRejected("bad_extension", 415, name=name, allowed=", ".join(SUPPORTED))


def check_upload(raw_name: str | None, data: bytes, settings: Settings) -> CheckedUpload:
    """Everything short of embedding: name, type, size, and that the file loads and chunks."""
    name = document_name(raw_name)
    check_extension(name)
    if len(data) > settings.max_upload_bytes:
        raise UploadRejected("too_large", 413, name=name, limit_mb=settings.max_upload_mb)
    if not data.strip():
        raise UploadRejected("empty", 422, name=name)
    try:
        record = build_record(name, data, name, settings)
    except LoadError as error:
        raise UploadRejected("unreadable", 422, name=name, reason=str(error)) from None
    return CheckedUpload(doc=name, data=data, chunks=len(record.chunks))


def check_batch(files: list[tuple[str | None, bytes]], settings: Settings) -> list[CheckedUpload]:
    if not files:
        raise UploadRejected("no_files", 400)
    if len(files) > settings.max_upload_files:
        raise UploadRejected("too_many_files", 413, limit=settings.max_upload_files)
    checked = [check_upload(name, data, settings) for name, data in files]
    names = [c.doc for c in checked]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate:
        raise UploadRejected("duplicate_name", 400, name=duplicate)
    return checked


def confined(directory: Path, doc: str) -> Path:
    """`directory/doc`, refusing anything that would resolve outside `directory`."""
    base = directory.resolve()
    path = (base / doc).resolve()
    if path.parent != base:
        raise UploadRejected("bad_name", 400, name=doc[:80])
    return path


def store(checked: list[CheckedUpload], settings: Settings) -> list[Path]:
    """Write the accepted files (each atomically: a crash leaves the old file or the new one)."""
    directory = uploads_dir(settings)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for upload in checked:
        path = confined(directory, upload.doc)
        staging = path.with_name(f".{path.name}.{os.getpid()}.part")
        staging.write_bytes(upload.data)
        os.replace(staging, path)
        paths.append(path)
    return paths


def forget(doc: str, settings: Settings) -> None:
    """Delete the stored upload of `doc`, if there is one."""
    try:
        confined(uploads_dir(settings), doc).unlink(missing_ok=True)
    except UploadRejected:
        pass


def pending(settings: Settings, known: dict[str, str]) -> list[Path]:
    """Stored uploads not yet in the index with the same content (e.g. the server stopped mid-ingest)."""
    directory = uploads_dir(settings)
    if not directory.is_dir():
        return []
    return [p for p in sorted(directory.iterdir())
            if p.is_file() and not p.name.startswith(".")
            and known.get(p.name) != hashlib.sha256(p.read_bytes()).hexdigest()]
