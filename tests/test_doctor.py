"""`hanke doctor` and the repair every ingest makes (issue 15, finding 2/7): a kill right after Chroma
deleted a changed document's vectors left records and Chroma disagreeing, and the next ingest deleted
the leftovers without restoring what was missing (the document stayed invisible to vector search)."""

from __future__ import annotations

import shutil
import subprocess
import sys

from core.settings import Settings
from core.store import VectorStore
from tests.conftest import cli_env


def hanke(settings: Settings, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], env={**cli_env(settings), "COLUMNS": "200"},
                          capture_output=True, text=True, timeout=600)


def test_doctor_finds_missing_vectors_and_repair_embeds_them_again(corpus_settings, tmp_path):
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus_settings.corpus_dir)
    shutil.copytree(corpus_settings.data_dir, settings.data_dir)
    press = next(p.name for p in corpus_settings.corpus_dir.iterdir() if p.name.startswith("002_"))
    store = VectorStore(settings)
    kept = store.collection.get(where={"doc": press}, include=[])["ids"]
    assert kept
    store.delete_doc(press)  # what a kill right after Chroma's delete leaves
    store.add(["orpo::0"], [[0.1] * 768], ["orpo"], [{"doc": "orpo"}])  # and a leftover of a failed write
    del store

    found = hanke(settings, "doctor")
    assert found.returncode == 1, found.stdout + found.stderr
    assert f"missing {len(kept)} vectors of {press}" in found.stdout
    assert "vectors no record owns: 1" in found.stdout
    assert "Traceback" not in found.stdout + found.stderr

    repaired = hanke(settings, "doctor", "--repair")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert f"re-embedded: {press}" in repaired.stdout and "consistent" in repaired.stdout
    assert hanke(settings, "doctor").returncode == 0
