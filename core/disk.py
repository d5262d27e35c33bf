"""Disk space: checked before writing, and a full disk named as such wherever it shows up.

A full disk used to surface as Chroma's "Error in compaction" or a raw traceback, and could leave a
document recorded whose vectors were gone. Writers call `ensure_free` before they write and turn
the store's errors into `DiskFullError` with `as_disk_full`; the message names the directory.
"""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

from core.settings import Settings

# What Chroma (SQLite, its Rust compactor, hnswlib) and the OS say when the disk is full.
FULL_DISK_WORDS = ("no space left", "database or disk is full", "disk is full", "error in compaction",
                   "disk quota exceeded", "os error 28")


class DiskFullError(RuntimeError):
    """Not enough disk space to write; nothing was changed (the message says where)."""

    def __init__(self, directory: Path, free: int | None = None, needed: int | None = None):
        self.directory = directory
        detail = ""
        if free is not None and needed is not None:
            detail = f" ({free // 2**20} MB free, {needed // 2**20} MB needed including the HANKE_MIN_FREE_MB margin)"
        super().__init__(f"not enough disk space in {directory}{detail}; the index was left as it was")


def free_bytes(directory: Path) -> int:
    path = Path(directory)
    while not path.exists() and path != path.parent:
        path = path.parent
    return shutil.disk_usage(path).free


def ensure_free(directory: Path, needed: int, settings: Settings) -> None:
    """Raise `DiskFullError` unless `needed` bytes plus the configured margin are free in `directory`."""
    total = needed + settings.min_free_mb * 2**20
    free = free_bytes(directory)
    if free < total:
        raise DiskFullError(directory, free, total)


def is_disk_full(error: BaseException) -> bool:
    if isinstance(error, DiskFullError):
        return True
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    text = str(error).lower()
    return any(words in text for words in FULL_DISK_WORDS)


def as_disk_full(error: BaseException, directory: Path) -> BaseException:
    """`DiskFullError` for a disk-full error of any layer, else the error itself."""
    if isinstance(error, DiskFullError) or not is_disk_full(error):
        return error
    return DiskFullError(directory)
