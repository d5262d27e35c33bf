"""Shared fixtures. Everything is real: the EmbeddingGemma model, an embedded Chroma store on disk,
Voikko (or the simplemma fallback when the machine has no Voikko)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from core.settings import Settings

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"


@pytest.fixture(scope="session")
def embeddings():
    from core.embeddings import shared_embeddings

    return shared_embeddings()


@pytest.fixture(scope="session")
def corpus_settings(tmp_path_factory, embeddings) -> Settings:
    """The real corpus, ingested once per test session into a temporary data dir."""
    from ingest.pipeline import ingest_paths

    data = tmp_path_factory.mktemp("corpus-data")
    corpus = tmp_path_factory.mktemp("corpus")
    for path in CORPUS.iterdir():
        shutil.copy(path, corpus / path.name)
    settings = Settings(data_dir=data, corpus_dir=corpus)
    report = ingest_paths([corpus], settings, embeddings)
    assert not report.failed, report.failed
    return settings


CORPUS_DEV = REPO / "eval" / "corpus-dev"


@pytest.fixture(scope="session")
def combined_settings(tmp_path_factory, embeddings) -> Settings:
    """corpus/ and eval/corpus-dev/ (30 more projects) in one index, as a real collection holds many
    projects; ingested once per test session (embedded Chroma)."""
    from ingest.pipeline import ingest_paths

    data = tmp_path_factory.mktemp("combined-data")
    settings = Settings(data_dir=data, corpus_dir=CORPUS)
    report = ingest_paths([CORPUS, CORPUS_DEV], settings, embeddings)
    assert not report.failed, report.failed
    return settings


@pytest.fixture(scope="session")
def combined_assistant(combined_settings, embeddings):
    from assistant.service import Assistant

    return Assistant(combined_settings, embeddings)


@pytest.fixture(scope="session")
def assistant(backend_settings, embeddings):
    from assistant.service import Assistant

    return Assistant(backend_settings, embeddings)


@pytest.fixture
def small_settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path / "docs")


def cli_env(settings: Settings) -> dict:
    env = dict(os.environ)
    env["HANKE_DATA_DIR"] = str(settings.data_dir)
    env["HANKE_CORPUS_DIR"] = str(settings.corpus_dir)
    return env


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """A real `chroma run` server on loopback, started for the tests and stopped after them."""
    import subprocess
    import sys
    import time
    import urllib.request

    chroma = Path(sys.executable).parent / "chroma"
    if not chroma.exists():
        pytest.skip("the `chroma` command is not installed in this environment")
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    process = subprocess.Popen([str(chroma), "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(path)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("chroma run did not start")
    yield ("127.0.0.1", port)
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture(scope="session")
def server_corpus_settings(corpus_settings, chroma_server, tmp_path_factory) -> Settings:
    """The same ingested corpus, with its vectors in the Chroma server instead of the embedded store.

    The vectors are copied (they are the real model's, from `corpus_settings`); the write path to a
    server is exercised by test_ingest, which runs against both backends.
    """
    from core.store import VectorStore

    data = tmp_path_factory.mktemp("server-data")
    for name in ("documents", "bm25"):
        shutil.copytree(corpus_settings.data_dir / name, data / name)
    host, port = chroma_server
    settings = Settings(data_dir=data, corpus_dir=corpus_settings.corpus_dir, chroma_host=host,
                        chroma_port=port, collection="corpus")
    source = VectorStore(corpus_settings).collection.get(include=["embeddings", "documents", "metadatas"])
    VectorStore(settings).add(source["ids"], [list(map(float, v)) for v in source["embeddings"]],
                              source["documents"], source["metadatas"])
    return settings


@pytest.fixture(scope="session", params=["embedded", "server"])
def backend_settings(request) -> Settings:
    """One retrieval suite, two backends: the embedded store and a `chroma run` server."""
    name = "corpus_settings" if request.param == "embedded" else "server_corpus_settings"
    return request.getfixturevalue(name)
