"""A full disk is a clean, named failure (issue 15, finding 2): `hanke ingest` on a small tmpfs mounted
by the test says "not enough disk space in <dir>" (no traceback), the old index stays intact and
consistent (`hanke doctor`), and after space returns the same ingest succeeds.

The check before writing (`HANKE_MIN_FREE_MB` plus the write's own estimated size) is what catches a
full disk here: on a tmpfs with 64 KB free and the check bypassed, Chroma failed once with "database
or disk is full" (turned into the same message by `core.disk.as_disk_full`) and hung inside its own
code the next time, so the test does not provoke the store itself.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core.settings import Settings
from tests.conftest import cli_env

NEW_DOC = "".join(f"\n\n{n}. Toimenpide {n}\n\n" + f"Hankkeessa {n} koulutettiin kalastajia ja yrittäjiä osana "
                  f"kokonaisuutta numero {n}, ja tuloksia seurattiin. " * 12 for n in range(1, 16))


def hanke(settings: Settings, *args: str, margin_mb: int = 1) -> subprocess.CompletedProcess:
    env = {**cli_env(settings), "HANKE_MIN_FREE_MB": str(margin_mb), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], env=env, capture_output=True,
                          text=True, timeout=600)


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


@pytest.fixture
def small_disk(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    yield mount  # mounted by the test once it knows the size
    subprocess.run(["umount", str(mount)], capture_output=True)


def mount_tmpfs(mount: Path, size_mb: int) -> None:
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(mount)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")


def fill(mount: Path, leave_bytes: int) -> Path:
    """A file that takes all but `leave_bytes` of the disk."""
    filler = mount / "filler.bin"
    free = shutil.disk_usage(mount).free
    with open(filler, "wb") as handle:
        remaining = free - leave_bytes
        block = b"\0" * (1 << 20)
        while remaining > 0:
            handle.write(block[:remaining])
            remaining -= len(block)
    return filler


def test_ingest_on_a_full_disk_fails_cleanly_and_leaves_a_consistent_index(corpus_settings, small_disk, tmp_path):
    mount_tmpfs(small_disk, folder_bytes(corpus_settings.data_dir) // 2**20 + 48)
    settings = Settings(data_dir=small_disk / "data", corpus_dir=corpus_settings.corpus_dir)
    shutil.copytree(corpus_settings.data_dir, settings.data_dir)
    docs = tmp_path / "uudet"
    docs.mkdir()
    (docs / "uusi.txt").write_text("Tiedote\n\nHankkeen nimi: Kuusamon kalastajat\n" + NEW_DOC, encoding="utf-8")
    before = hanke(settings, "docs", "--json")
    assert before.returncode == 0, before.stderr

    filler = fill(small_disk, leave_bytes=512 * 1024)
    # 1. The check before writing: nothing is embedded or written.
    checked = hanke(settings, "ingest", "--keep-missing", str(docs), margin_mb=1)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert f"not enough disk space in {settings.data_dir}" in checked.stdout + checked.stderr
    assert "Traceback" not in checked.stdout + checked.stderr

    # 2. The margin set to 0: the write's own size is still checked, and `hanke ask` on the full disk
    # answers or says what is wrong (it crashed with a traceback at 1 MB free).
    filler.unlink()
    filler = fill(small_disk, leave_bytes=64 * 1024)
    raw = hanke(settings, "ingest", "--keep-missing", str(docs), margin_mb=0)
    assert raw.returncode == 1, raw.stdout + raw.stderr
    assert "not enough disk space in" in raw.stdout + raw.stderr, raw.stdout + raw.stderr
    assert "Traceback" not in raw.stdout + raw.stderr
    asked = hanke(settings, "ask", "Montako lääkäriaikaa Lieksan hankkeessa oli?", margin_mb=0)
    assert "Traceback" not in asked.stdout + asked.stderr, asked.stderr

    # Space returns: the old index is intact and consistent, and the same ingest now succeeds.
    filler.unlink()
    assert hanke(settings, "docs", "--json").stdout == before.stdout
    doctor = hanke(settings, "doctor")
    assert doctor.returncode == 0 and "consistent" in doctor.stdout, doctor.stdout + doctor.stderr
    again = hanke(settings, "ingest", "--keep-missing", str(docs))
    assert again.returncode == 0, again.stdout + again.stderr
    assert "uusi.txt" in hanke(settings, "docs", "--json").stdout
    after = hanke(settings, "doctor")
    assert after.returncode == 0 and "consistent" in after.stdout, after.stdout + after.stderr
