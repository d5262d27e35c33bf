"""Documents added through the web: check every file before anything is stored, then keep the
accepted ones under `<data_dir>/uploads/` so that they are ingested like any other file.

A request is all or nothing: if one file fails a check, no file of it is written, and every file is
staged before any is kept (a failure while storing removes them all). The checks are the same as
`hanke ingest` does (the file must load and give at least one chunk), plus the ones a server needs
against untrusted input: size, count, extension and a plain file name that fits the filesystem
(255 bytes: 124 × "ä" is 128 characters but 252 bytes) and that differs from the indexed names by
more than case (on a case-insensitive filesystem `A.TXT` and `a.txt` are one file).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path

from core.disk import ensure_free
from core.settings import Settings
from ingest.loaders import SUPPORTED, LoadError
from ingest.pipeline import build_record

MAX_NAME_CHARS = 200
MAX_NAME_BYTES = 240  # the filesystem allows 255 bytes per name (UTF-8: "ä" is two)


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

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


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
    name = unicodedata.normalize("NFC", name)
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise UploadRejected("name_too_long", 400, name=shown, chars=MAX_NAME_CHARS, bytes=MAX_NAME_BYTES)
    return name


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


def check_names(names: list[str], indexed: set[str]) -> None:
    """No name twice in a request, even in another case; no name that is an indexed one in another
    case (the same name exactly replaces the indexed document)."""
    folded = [n.casefold() for n in names]
    duplicate = next((n for n, f in zip(names, folded) if folded.count(f) > 1), None)
    if duplicate:
        raise UploadRejected("duplicate_name", 400, name=duplicate)
    by_folded = {doc.casefold(): doc for doc in indexed}
    for name, fold in zip(names, folded):
        other = by_folded.get(fold)
        if other is not None and other != name and name not in indexed:
            raise UploadRejected("case_duplicate", 409, name=name, other=other)


def check_batch(files: list[tuple[str | None, bytes]], settings: Settings,
                indexed: set[str] | None = None) -> list[CheckedUpload]:
    if not files:
        raise UploadRejected("no_files", 400)
    if len(files) > settings.max_upload_files:
        raise UploadRejected("too_many_files", 413, limit=settings.max_upload_files)
    # Names first: they are cheap, and a bad one refuses the request before any file is read.
    check_names([document_name(name) for name, _data in files], indexed or set())
    return [check_upload(name, data, settings) for name, data in files]


def confined(directory: Path, doc: str) -> Path:
    """`directory/doc`, refusing anything that would resolve outside `directory`."""
    base = directory.resolve()
    path = (base / doc).resolve()
    if path.parent != base:
        raise UploadRejected("bad_name", 400, name=doc[:80])
    return path


def store(checked: list[CheckedUpload], settings: Settings) -> list[Path]:
    """Write the accepted files: all of them are staged (under short names, so that no name is too
    long for the filesystem) before any is moved into place, and any error removes them all."""
    directory = uploads_dir(settings)
    directory.mkdir(parents=True, exist_ok=True)
    ensure_free(directory, sum(len(upload.data) for upload in checked), settings)
    targets = [confined(directory, upload.doc) for upload in checked]
    staging = directory / f".staging-{uuid.uuid4().hex}"
    placed: list[Path] = []
    try:
        staging.mkdir()
        for n, upload in enumerate(checked):
            with open(staging / str(n), "wb") as handle:
                handle.write(upload.data)
                handle.flush()
                os.fsync(handle.fileno())
        for n, target in enumerate(targets):
            os.replace(staging / str(n), target)
            placed.append(target)
    except BaseException:
        discard(placed)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return targets


def discard(paths: list[Path]) -> None:
    """Remove stored uploads again (a request that failed after storing them)."""
    for path in paths:
        path.unlink(missing_ok=True)


def file_sha256(path: Path) -> str | None:
    try:
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()
    except OSError:
        return None


def forget(doc: str, settings: Settings) -> None:
    """Delete the stored upload of `doc`, if there is one."""
    try:
        confined(uploads_dir(settings), doc).unlink(missing_ok=True)
    except UploadRejected:
        pass


def stored_names(settings: Settings) -> set[str]:
    directory = uploads_dir(settings)
    if not directory.is_dir():
        return set()
    return {p.name for p in directory.iterdir() if p.is_file() and not p.name.startswith(".")}
