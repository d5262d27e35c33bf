"""Sentence vectors (core/sentence_vectors.py) with the real EmbeddingGemma model: the cache keeps
what it embedded across processes, and the question's content finds a sentence that answers in
other words."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.evidence import without_identity
from core.sentence_vectors import MAX_SHARDS, SentenceVectors
from core.settings import Settings


class CountingEmbeddings:
    """The real model, counting how many texts it was asked to embed (a spy, not a stand-in)."""

    def __init__(self, embeddings):
        self.embeddings = embeddings
        self.embedded = 0

    def embed_documents(self, texts):
        self.embedded += len(texts)
        return self.embeddings.embed_documents(texts)


SENTENCES = [
    "Paikalla on myös ammatinvalintapsykologin ja terveydenhoitajan vastaanotto.",
    "Palvelu on toiminut vuodesta 2015.",
    "Palvelupiste on avoinna maanantaista perjantaihin kello 10–17.",
]


def test_vectors_are_kept_and_read_back_without_the_model(tmp_path, embeddings):
    settings = Settings(data_dir=tmp_path / "data", model_cache=tmp_path / "models")
    first = CountingEmbeddings(embeddings)
    vectors = SentenceVectors(first, settings).vectors(SENTENCES + SENTENCES[:1])
    assert first.embedded == 3  # each distinct sentence once
    assert vectors.shape[0] == 4 and np.allclose(vectors[0], vectors[3])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-2)  # bfloat16 weights

    second = CountingEmbeddings(embeddings)  # another process: reads the shards, embeds only the new one
    again = SentenceVectors(second, settings).vectors(SENTENCES[::-1] + ["Hanke päättyi vuonna 2020."])
    assert second.embedded == 1
    assert np.allclose(again[0], vectors[2], atol=1e-6)


def test_sentences_another_process_embedded_are_read_not_embedded_again(tmp_path, embeddings):
    settings = Settings(data_dir=tmp_path / "data", model_cache=tmp_path / "models")
    server = SentenceVectors(CountingEmbeddings(embeddings), settings)
    server.vectors(SENTENCES[:1])
    SentenceVectors(embeddings, settings).vectors(SENTENCES[1:])  # an upload's ingest, in its own process
    server.vectors(SENTENCES)
    assert server.embeddings.embedded == 1


def test_many_shards_are_merged_into_one(tmp_path, embeddings):
    settings = Settings(data_dir=tmp_path / "data", model_cache=tmp_path / "models")
    store = SentenceVectors(embeddings, settings)
    for n in range(MAX_SHARDS + 1):
        store.vectors([f"Lause numero {n}."])
    assert len(list(store.directory.glob("*.npz"))) == MAX_SHARDS + 1
    merged = SentenceVectors(CountingEmbeddings(embeddings), settings)
    merged.vectors(["Lause numero 0."])
    assert merged.embeddings.embedded == 0
    assert len(list(store.directory.glob("*.npz"))) == 1


def test_embedding_reports_its_progress_batch_by_batch(tmp_path, embeddings, monkeypatch):
    """Ingest shows a document's sentences as a step of their own: progress(done, total) after each batch."""
    monkeypatch.setattr("core.sentence_vectors.PROGRESS_BATCH", 2)
    settings = Settings(data_dir=tmp_path / "data", model_cache=tmp_path / "models")
    reports = []
    vectors = SentenceVectors(embeddings, settings).vectors(SENTENCES + ["Hanke päättyi vuonna 2020."],
                                                            progress=lambda done, total: reports.append((done, total)))
    assert reports == [(2, 4), (4, 4)]
    assert vectors.shape[0] == 4
    reports.clear()
    SentenceVectors(embeddings, settings).vectors(SENTENCES, progress=lambda done, total: reports.append(done))
    assert reports == []  # nothing left to embed: no progress to show


def test_an_unwritable_cache_only_costs_time(tmp_path, embeddings):
    blocker = tmp_path / "models"
    blocker.write_text("a file where the cache folder would be")
    settings = Settings(data_dir=tmp_path / "data", model_cache=blocker)
    vectors = SentenceVectors(embeddings, settings).vectors(SENTENCES[:2])
    assert vectors.shape[0] == 2


@pytest.mark.parametrize("question,answer", [
    ("Which experts receive clients there?", 0),
    ("Since when has the service been running?", 1),
    ("When is it open?", 2),
    ("Milloin palvelupiste on auki?", 2),
])
def test_the_question_content_finds_a_sentence_that_answers_in_other_words(tmp_path, embeddings, question, answer):
    """Few or no shared words: the sentence vectors (in order) and the question prompt find the answer."""
    settings = Settings(data_dir=tmp_path / "data", model_cache=tmp_path / "models")
    store = SentenceVectors(embeddings, settings)
    similarity = store.vectors(SENTENCES) @ store.question_vector(question)
    assert int(np.argmax(similarity)) == answer, similarity


def test_a_question_and_its_content_are_embedded_in_one_pass(tmp_path, embeddings):
    """embed_question gives the vector embed_query gives (retrieval's), and keeps the content's vector
    for question_vector, so the model runs once per question."""
    settings = Settings(data_dir=tmp_path / "data", model_cache=tmp_path / "models")
    assert embeddings.query_prompt == "task: search result | query: "  # EmbeddingGemma's own
    spy = CountingEmbeddings(embeddings)
    spy.query_prompt = embeddings.query_prompt
    store = SentenceVectors(spy, settings)
    question, content = "Milloin Ohjaamo Helsingin palvelupiste on auki?", "Milloin palvelupiste on auki?"
    retrieval = store.embed_question(question, content)
    assert spy.embedded == 2  # one batch: the question and its content
    asked = store.question_vector(content)
    assert spy.embedded == 2  # the content's vector was kept
    assert float(np.dot(retrieval, embeddings.embed_query(question))) > 0.999
    assert float(np.dot(retrieval, store.question_vector(question))) < 0.99  # another prompt: another vector
    assert float(asked @ SentenceVectors(embeddings, settings).question_vector(content)) > 0.999


def test_without_identity_drops_only_the_project_naming_words():
    identity = {"ohjaamo", "helsinki"}
    assert without_identity("Ketä Ohjaamo Helsingissä palvelee?", identity) == "Ketä palvelee ?"
    assert without_identity("Who does Ohjaamo serve?", identity) == "Who does serve ?"
