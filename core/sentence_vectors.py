"""Sentence vectors: how close in meaning each candidate sentence is to what the question asks.

The answer scorer compares the question's content (the question without the words that only name
its project) with every candidate sentence, both embedded with EmbeddingGemma. Lemma overlap misses
a sentence that answers in other words ("which professionals…" → "ammatinvalintapsykologin ja
terveydenhoitajan vastaanotto"); the chunk's vector cannot tell its sentences apart. Measured on the
development questions: this cosine alone ranks the evidence first for 48 % of the questions of new
projects, lemma overlap for 39 %, the whole question's cosine for 32 % (the project's name dominates
it). See eval/README.md, sixth session.

The vectors are a content-addressed cache (key: the model and the sentence's text), shared by every
index on the machine: ingest fills it with each document's sentences, and a question embeds any
candidate still missing. New vectors go to a shard file of their own, written to a temporary name
and renamed, so concurrent processes never see half a file and a crash loses only the shard being
written (its sentences are embedded again when needed).
"""

from __future__ import annotations

import hashlib
import os
import threading
import uuid
from pathlib import Path
from typing import Callable

import numpy as np

from core.settings import Settings, get_settings
from core.sentences import chunk_sentences

# EmbeddingGemma's prompts for a passage and for a question to be answered from passages.
SENTENCE_PROMPT = "title: none | text: "
QUESTION_PROMPT = "task: question answering | query: "
# Content vectors of the latest questions, embedded beside their retrieval vector (embed_question).
QUESTION_CACHE = 64
# Sentences embedded between two progress reports during ingest.
PROGRESS_BATCH = 64
# Many small shards (one per question that met new sentences) are merged into one past this count.
MAX_SHARDS = 64


def text_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def sentence_texts(chunks) -> list[str]:
    """The candidate sentences of these chunks, split as the assistant splits them."""
    return [text for chunk in chunks for _, _, text in chunk_sentences(chunk)]


class SentenceVectors:
    def __init__(self, embeddings, settings: Settings | None = None):
        settings = settings or get_settings()
        self.embeddings = embeddings
        model = hashlib.sha1(settings.model_name_or_path.encode("utf-8")).hexdigest()[:12]
        self.directory = settings.sentence_vector_dir / model
        self._vectors: dict[str, np.ndarray] = {}
        self._read: set[Path] = set()  # the shards already read
        self._questions: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def question_vector(self, text: str) -> np.ndarray:
        with self._lock:
            cached = self._questions.get(text)
        if cached is not None:
            return cached
        return np.asarray(self.embeddings.embed_documents([QUESTION_PROMPT + text])[0], dtype=np.float32)

    def embed_question(self, query: str, content: str) -> list[float]:
        """The question's retrieval vector (as `embed_query` gives it), embedded in one batch with the
        vector of its likely content, which `question_vector(content)` then returns without a second
        pass of the model: on two CPU cores one batch of both takes ~95 ms, two passes ~150 ms. An
        embeddings object that does not tell its query prompt (core.embeddings.PromptedEmbeddings
        does) embeds the question alone."""
        prompt = getattr(self.embeddings, "query_prompt", None)
        if prompt is None:
            return self.embeddings.embed_query(query)
        retrieval, asked = self.embeddings.embed_documents([prompt + query, QUESTION_PROMPT + content])
        with self._lock:
            if len(self._questions) >= QUESTION_CACHE:
                self._questions.pop(next(iter(self._questions)))
            self._questions[content] = np.asarray(asked, dtype=np.float32)
        return list(retrieval)

    def vectors(self, texts: list[str], progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        """One normalised vector per text (rows in the order given); missing ones are embedded and kept.
        `progress(done, total)` follows the embedding of the missing ones, batch by batch."""
        keys = [text_key(t) for t in texts]
        with self._lock:
            if any(k not in self._vectors for k in keys):
                self._load()  # first use, or another process (an upload's ingest) embedded them since
            missing = {text_key(t): t for t in sorted(set(texts)) if text_key(t) not in self._vectors}
            if missing:
                prompted = [SENTENCE_PROMPT + t for t in missing.values()]
                step = PROGRESS_BATCH if progress else len(prompted)
                parts = []
                for start in range(0, len(prompted), step):
                    parts.extend(self.embeddings.embed_documents(prompted[start:start + step]))
                    if progress:
                        progress(min(start + step, len(prompted)), len(prompted))
                new = np.asarray(parts, dtype=np.float32)
                self._vectors.update(zip(missing, new))
                self._store(list(missing), new)
            if not texts:
                return np.zeros((0, 0), dtype=np.float32)
            return np.vstack([self._vectors[k] for k in keys])

    def _load(self) -> None:
        """Read the shards not read yet (3 KB a sentence in memory and on disk)."""
        shards = sorted(self.directory.glob("*.npz")) if self.directory.is_dir() else []
        for shard in shards:
            if shard in self._read:
                continue
            try:
                with np.load(shard) as data:
                    self._vectors.update(zip(data["keys"].tolist(), data["vectors"]))
                self._read.add(shard)
            except (OSError, ValueError, KeyError):
                continue  # a shard another process is replacing, or a damaged one: embedded again
        if len(shards) > MAX_SHARDS and self._vectors:
            self._merge(shards)

    def _store(self, keys: list[str], vectors: np.ndarray) -> Path | None:
        """Write one shard; a cache that cannot be written (read-only home, full disk) only costs time."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            final = self.directory / f"{uuid.uuid4().hex}.npz"
            temporary = final.with_suffix(".tmp")
            with temporary.open("wb") as handle:
                np.savez(handle, keys=np.array(keys), vectors=vectors)
            os.replace(temporary, final)
            self._read.add(final)
            return final
        except OSError:
            return None

    def _merge(self, shards: list[Path]) -> None:
        keys = list(self._vectors)
        merged = self._store(keys, np.vstack([self._vectors[k] for k in keys]))
        if merged is None:
            return
        for shard in shards:
            if shard != merged:
                shard.unlink(missing_ok=True)
