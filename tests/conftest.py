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


@pytest.fixture(scope="session")
def assistant(corpus_settings, embeddings):
    from assistant.service import Assistant

    return Assistant(corpus_settings, embeddings)


@pytest.fixture
def small_settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path / "docs")


def cli_env(settings: Settings) -> dict:
    env = dict(os.environ)
    env["HANKE_DATA_DIR"] = str(settings.data_dir)
    env["HANKE_CORPUS_DIR"] = str(settings.corpus_dir)
    return env
