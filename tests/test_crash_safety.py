"""Crash-safe ingest: SIGKILL `hanke ingest` at several points, rerun, and check that the index holds
exactly the chunks of the manifest (no duplicates, no orphans, no half documents)."""

import json
import random
import signal
import subprocess
import sys
import time

import pytest

from core.store import DocumentStore, VectorStore, keyword_dir
from tests.conftest import cli_env

PARAGRAPH = ("Hankkeen tavoitteena oli kehittää työllisyyspalveluja ja yritysyhteistyötä alueella. "
             "Hankkeessa järjestettiin valmennuksia, joihin osallistui {n} henkilöä eri kunnista. ")


def make_corpus(folder, count=8):
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        body = "\n\n".join(f"{s} Osio\n\n" + PARAGRAPH.format(n=i * 10 + s) * 6 for s in range(1, 4))
        (folder / f"doc{i}.txt").write_text(f"Hankekoodi: S8{i:04d}\n\nHankkeen nimi: Testi {i}\n\n{body}\n",
                                            encoding="utf-8")


def ingest_cmd(settings):
    return [sys.executable, "-m", "assistant.cli", "ingest", str(settings.corpus_dir)]


def assert_consistent(settings, expected_docs):
    records = DocumentStore(settings.data_dir).all()
    assert sorted(r.document.doc for r in records) == sorted(expected_docs)
    manifest_ids = [c.id for r in records for c in r.chunks]
    assert len(manifest_ids) == len(set(manifest_ids))
    store = VectorStore(settings)
    vector_ids = sorted(i for ids in store.ids_by_doc().values() for i in ids)
    assert vector_ids == sorted(manifest_ids), "orphans or missing vectors"
    assert store.count() == len(manifest_ids), "duplicates"
    for record in records:
        assert record.document.chunks == len(record.chunks) > 0
    keyword_ids = json.loads((keyword_dir(settings) / "ids.json").read_text())
    assert sorted(keyword_ids) == sorted(manifest_ids)


def kill_when(process, settings, complete_docs: int, extra_delay: float, timeout=240):
    """SIGKILL the ingest once `complete_docs` documents are complete, plus a random delay."""
    documents = settings.data_dir / "documents"
    deadline = time.time() + timeout
    while time.time() < deadline and process.poll() is None:
        done = len(list(documents.glob("*.json"))) if documents.is_dir() else 0
        if done >= complete_docs:
            time.sleep(extra_delay)
            process.send_signal(signal.SIGKILL)
            break
        time.sleep(0.05)
    process.wait(timeout=60)
    return process.returncode


def test_sigkill_at_several_points_then_rerun(small_settings):
    make_corpus(small_settings.corpus_dir)
    expected = [p.name for p in small_settings.corpus_dir.iterdir()]
    rng = random.Random(7)
    killed = 0
    for complete_docs in (0, 2, 5):
        process = subprocess.Popen(ingest_cmd(small_settings), env=cli_env(small_settings),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if kill_when(process, small_settings, complete_docs, rng.uniform(0.0, 1.5)) == -signal.SIGKILL:
            killed += 1
    assert killed >= 2, "the ingest finished before it could be killed; the test proved nothing"
    result = subprocess.run(ingest_cmd(small_settings), env=cli_env(small_settings), capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert_consistent(small_settings, expected)
    again = subprocess.run(ingest_cmd(small_settings), env=cli_env(small_settings), capture_output=True,
                           text=True, timeout=600)
    assert "0 chunks embedded" in again.stdout
    assert_consistent(small_settings, expected)


def test_a_second_ingest_is_told_one_is_running(small_settings):
    make_corpus(small_settings.corpus_dir, count=4)
    first = subprocess.Popen(ingest_cmd(small_settings), env=cli_env(small_settings),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    lock = small_settings.data_dir / "ingest.lock"
    deadline = time.time() + 60
    while time.time() < deadline and not (lock.exists() and lock.read_text().strip()):
        time.sleep(0.05)
    second = subprocess.run(ingest_cmd(small_settings), env=cli_env(small_settings), capture_output=True,
                            text=True, timeout=120)
    first.wait(timeout=600)
    assert second.returncode == 1
    assert "already running" in second.stderr and "Traceback" not in second.stderr
    assert first.returncode == 0


@pytest.mark.parametrize("total", [1200])
def test_embedded_chroma_keeps_more_than_1000_chunks_across_restarts(small_settings, total):
    """Real Chroma, reopened by a new process. The vectors are random unit vectors: what is under
    test is the store's reload, not the model."""
    import numpy as np

    store = VectorStore(small_settings)
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(total, 768)).astype("float32")
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = [f"big.txt::{i}" for i in range(total)]
    store.add(ids, vectors.tolist(), [f"teksti {i}" for i in range(total)],
              [{"doc": "big.txt", "project": "", "section": "", "start": i, "end": i + 1, "order": i,
                "type": "other"} for i in range(total)])
    del store
    probe = vectors[123].tolist()
    code = ("import json,sys; from core.settings import Settings; from core.store import VectorStore; "
            f"s=VectorStore(Settings(data_dir={str(small_settings.data_dir)!r})); "
            f"print(json.dumps([s.count(), s.query(json.loads(sys.stdin.read()), 1)[0][0]]))")
    result = subprocess.run([sys.executable, "-c", code], input=json.dumps(probe), capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    count, nearest = json.loads(result.stdout.strip().splitlines()[-1])
    assert count == total and nearest == "big.txt::123"
