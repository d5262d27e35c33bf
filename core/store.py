"""Where indexed data lives: document records (the manifest), Chroma vectors and the BM25 index.

Layout under `HANKE_DATA_DIR`:
- `documents/<hash>.json`: one record per document: metadata, full text, sections and chunks.
  A record is written atomically and only after all of the document's vectors are in Chroma, so
  a record's presence means "this document is complete" (the crash-safety rule).
- `chroma/`: the embedded Chroma store (unless `HANKE_CHROMA_HOST` points at a server).
- `bm25/`: the keyword index over Finnish lemmas, rebuilt from the records after each ingest. It is a
  symbolic link to `bm25-<id>/`, so that a new index replaces the old one with one atomic rename
  (two renames of a directory left no index at all when a kill fell between them).
- `ingest.lock`: held by the one process that may write.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from pathlib import Path

import numpy as np

from core.settings import Settings, get_settings
from core.types import DocumentRecord


class IndexMissingError(RuntimeError):
    """No index exists yet under the data directory."""


def _atomic_write(path: Path, data: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


class DocumentStore:
    """The manifest: one JSON record per complete document."""

    def __init__(self, data_dir: Path):
        self.root = data_dir / "documents"

    def path_for(self, doc: str) -> Path:
        # The doc id is a user-supplied file name; hashing it keeps every path inside root.
        return self.root / (hashlib.sha256(doc.encode("utf-8")).hexdigest()[:24] + ".json")

    def save(self, record: DocumentRecord) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        _atomic_write(self.path_for(record.document.doc), record.model_dump_json())

    def load(self, doc: str) -> DocumentRecord | None:
        path = self.path_for(doc)
        if not path.is_file():
            return None
        return DocumentRecord.model_validate_json(path.read_text(encoding="utf-8"))

    def delete(self, doc: str) -> None:
        self.path_for(doc).unlink(missing_ok=True)

    def all(self) -> list[DocumentRecord]:
        if not self.root.is_dir():
            return []
        records = [DocumentRecord.model_validate_json(p.read_text(encoding="utf-8"))
                   for p in sorted(self.root.glob("*.json"))]
        return sorted(records, key=lambda r: r.document.doc)

    def hashes(self) -> dict[str, str]:
        return {r.document.doc: r.document.sha256 for r in self.all()}


class VectorStore:
    """Chroma: embedded by default, a server when HANKE_CHROMA_HOST is set. We always pass our
    own embeddings, because Chroma's default embedding function downloads a model."""

    def __init__(self, settings: Settings):
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        if settings.chroma_host:
            self.client = chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port,
                                              settings=chroma_settings)
        else:
            path = settings.data_dir / "chroma"
            path.mkdir(parents=True, exist_ok=True)
            self.client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
        self.collection = self.client.get_or_create_collection(
            settings.collection, metadata={"hnsw:space": "cosine"}, embedding_function=None)

    def add(self, ids: list[str], embeddings: list[list[float]], texts: list[str],
            metadatas: list[dict]) -> None:
        step = 1000  # Chroma limits the batch size
        for i in range(0, len(ids), step):
            self.collection.upsert(ids=ids[i:i + step], embeddings=embeddings[i:i + step],
                                   documents=texts[i:i + step], metadatas=metadatas[i:i + step])

    def delete_doc(self, doc: str) -> None:
        self.collection.delete(where={"doc": doc})

    def ids_by_doc(self) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        total = self.collection.count()
        step = 5000
        for offset in range(0, total, step):
            batch = self.collection.get(include=["metadatas"], limit=step, offset=offset)
            for chunk_id, meta in zip(batch["ids"], batch["metadatas"]):
                found.setdefault(meta.get("doc", ""), set()).add(chunk_id)
        return found

    def all_ids(self) -> set[str]:
        """Every chunk id in the collection (ids only: much cheaper than `ids_by_doc` at 100k chunks)."""
        found: set[str] = set()
        total = self.collection.count()
        step = 100_000  # Chroma's offset paging costs more per page than one large page
        for offset in range(0, total, step):
            found.update(self.collection.get(include=[], limit=step, offset=offset)["ids"])
        return found

    def delete_ids(self, ids: list[str]) -> None:
        if ids:
            self.collection.delete(ids=ids)

    def count(self) -> int:
        return self.collection.count()

    def query(self, embedding: list[float], n: int, where: dict | None = None) -> list[tuple[str, float]]:
        """Return (chunk id, cosine similarity), best first; `where` filters on chunk metadata."""
        # Chroma 1.x returns fewer results when the collection is smaller than n; counting first
        # would cost a scan per question (16 ms at 100k chunks).
        if n <= 0:
            return []
        result = self.collection.query(query_embeddings=[embedding], n_results=n, where=where or None,
                                       include=["distances"])
        return [(cid, 1.0 - dist) for cid, dist in zip(result["ids"][0], result["distances"][0])]


class KeywordIndex:
    """BM25 (bm25s) over lemma tokens; the ids list maps rows back to chunk ids."""

    def __init__(self, ids: list[str], retriever):
        self.ids = ids
        self.retriever = retriever
        self.row_of = {cid: i for i, cid in enumerate(ids)}

    @classmethod
    def build(cls, ids: list[str], token_lists: list[list[str]]) -> "KeywordIndex":
        import bm25s

        retriever = bm25s.BM25(k1=1.2, b=0.75)
        if ids:
            retriever.index([tokens or [""] for tokens in token_lists], show_progress=False)
        return cls(ids, retriever)

    def save(self, directory: Path) -> None:
        """Write `<directory>-<id>/`, then point the link `directory` at it with one rename."""
        directory.parent.mkdir(parents=True, exist_ok=True)
        recover_keyword_dir(directory)
        target = directory.with_name(f"{directory.name}-{uuid.uuid4().hex[:12]}")
        target.mkdir()
        try:
            if self.ids:
                self.retriever.save(str(target), show_progress=False)
            _atomic_write(target / "ids.json", json.dumps(self.ids))
            link = directory.with_name(f"{directory.name}.link-{uuid.uuid4().hex[:12]}")
            link.symlink_to(target.name)  # relative: the data directory can be moved or copied
            if directory.is_dir() and not directory.is_symlink():
                # An index saved before the link existed: moved aside once; a kill right here is
                # repaired by `recover_keyword_dir`, which links the newest complete copy.
                directory.rename(directory.with_name(f"{directory.name}-{uuid.uuid4().hex[:12]}"))
            os.replace(link, directory)
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise
        for stale in directory.parent.glob(directory.name + "-*"):
            if stale.name != target.name:
                shutil.rmtree(stale, ignore_errors=True)
        for leftover in directory.parent.glob(directory.name + ".link-*"):  # from a kill mid-save
            leftover.unlink(missing_ok=True)
        shutil.rmtree(directory.with_name(directory.name + ".new"), ignore_errors=True)  # the old layout's

    @classmethod
    def load(cls, directory: Path) -> "KeywordIndex":
        import bm25s

        ids = json.loads((directory / "ids.json").read_text())
        retriever = bm25s.BM25.load(str(directory), show_progress=False) if ids else None
        return cls(ids, retriever)

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        if not self.ids or not query_tokens:
            return np.zeros(len(self.ids), dtype=np.float32)
        vocab = self.retriever.vocab_dict
        known = [t for t in query_tokens if t in vocab]
        if not known:
            return np.zeros(len(self.ids), dtype=np.float32)
        return self.retriever.get_scores(known)


def keyword_dir(settings: Settings | None = None) -> Path:
    return (settings or get_settings()).data_dir / "bm25"


def recover_keyword_dir(directory: Path) -> None:
    """Link `directory` to the newest complete `<directory>-<id>/` when it is missing (a kill while
    an index of the old layout was moved aside); nothing to do otherwise."""
    if directory.exists():
        return
    complete = [d for d in directory.parent.glob(directory.name + "-*") if (d / "ids.json").is_file()]
    if not complete:
        return
    newest = max(complete, key=lambda d: (d / "ids.json").stat().st_mtime_ns)
    link = directory.with_name(f"{directory.name}.link-{uuid.uuid4().hex[:12]}")
    link.symlink_to(newest.name)
    os.replace(link, directory)


def index_exists(settings: Settings | None = None) -> bool:
    settings = settings or get_settings()
    if not (keyword_dir(settings) / "ids.json").is_file():
        recover_keyword_dir(keyword_dir(settings))
    return (keyword_dir(settings) / "ids.json").is_file()
