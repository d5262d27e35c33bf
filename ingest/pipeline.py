"""Ingest: files → text → metadata → chunks → embeddings → Chroma + BM25 + manifest.

Consistency rule (crash safety): a document's record in the manifest is written only after all of
its vectors are in Chroma, and it replaces the old record atomically. At the start of every ingest,
vectors that belong to no complete record (left by a crash) are deleted. So after any crash, a
rerun leaves exactly the chunks of the manifest: no duplicates, no orphans, no half documents.
Only one process may write at a time (`writer_lock`).

Every ingest also checks that records and Chroma agree and repairs what a crash or a full disk left:
vectors no record owns are deleted, and a recorded document with vectors missing is embedded again
from its record (`Ingestor.repair`; `hanke doctor` reports the same check). A write first checks
free space (`HANKE_MIN_FREE_MB`); a write that fails anyway restores the document's old vectors and
raises `DiskFullError`, so the old index stays as it was.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from core.disk import DiskFullError, as_disk_full, ensure_free
from core.embeddings import document_text
from core.sentence_vectors import SentenceVectors, sentence_texts
from core.settings import Settings, get_settings
from core.store import DocumentStore, KeywordIndex, VectorStore, keyword_dir
from core.text_analysis import tokens
from core.types import DocumentRecord
from ingest.chunking import MAX_ROW_CHARS, split_document
from ingest.facts import extract_facts
from ingest.loaders import SUPPORTED, LoadError, load_document
from ingest.metadata import detect_metadata, link_to_project

# Bump when chunking, metadata or a loader's text change, so that unchanged files are re-ingested
# (and re-embedded). (3: PDF and DOCX read with their layout.)
PIPELINE_VERSION = 3
# Bump when fact extraction or keyword tokens change: facts and tokens are derived again and the
# keyword index rebuilt, without embedding anything. (4: project codes are one token, S21712;
# 5: a fact quotes a bounded window of its line; 6: "60 prosenttia" is a percentage, "2)" list
# numbering.)
FACTS_VERSION = 7

ProgressCallback = Callable[[str, int, int], None]  # (document, chunks done, chunks total)
# The second step of a document's progress: its sentences for the answer scorer (reported as the
# document's name plus this, so that a progress bar shows it as a step of its own).
SENTENCES_STEP = "(sentences)"


class IngestBusyError(RuntimeError):
    """Another process is writing to the same data directory."""


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    ocr: dict[str, list[int]] = field(default_factory=dict)  # document → pages read by OCR
    chunks_embedded: int = 0
    total_chunks: int = 0
    seconds: float = 0.0
    stages: dict[str, float] = field(default_factory=dict)  # seconds per step, to see where time goes
    disk_full: str = ""  # the message, when the ingest stopped because the disk is full
    repaired: list[str] = field(default_factory=list)  # documents re-embedded because vectors were missing


@dataclass
class Consistency:
    """Whether records, Chroma and the keyword index agree (`hanke doctor`)."""

    documents: int
    chunks: int
    vectors: int
    orphans: int  # vectors that no record owns
    missing: dict[str, int]  # document → chunks recorded but not in Chroma
    keyword_index_ok: bool

    @property
    def ok(self) -> bool:
        return not self.orphans and not self.missing and self.keyword_index_ok


@contextmanager
def writer_lock(data_dir: Path):
    data_dir.mkdir(parents=True, exist_ok=True)
    handle = open(data_dir / "ingest.lock", "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise IngestBusyError("an ingest is already running on this data directory; "
                              "wait for it to finish and try again") from None
    try:
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def ingest_running(data_dir: Path) -> bool:
    """True while another writer holds the lock (probed without waiting)."""
    try:
        with writer_lock(data_dir):
            return False
    except IngestBusyError:
        return True


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Supported files under the given paths, and (name, reason) for given files we cannot take."""
    files: list[Path] = []
    rejected: list[tuple[str, str]] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file()
                                and p.suffix.lower() in SUPPORTED
                                and not any(part.startswith(".") for part in p.relative_to(path).parts)))
        elif path.is_file():
            if path.suffix.lower() in SUPPORTED:
                files.append(path)
            else:
                rejected.append((path.name, f"unsupported file type {path.suffix or '(none)'}"))
    return files, rejected


def too_many_chunks(count: int | str, settings: Settings) -> LoadError:
    return LoadError(f"{count} chunks, more than the limit of {settings.max_chunks_per_document} per document "
                     "(HANKE_MAX_CHUNKS_PER_DOCUMENT)")


def check_text_size(text: str, settings: Settings) -> None:
    """Refuse, before splitting it, a text that cannot fit the chunk limit: no chunk holds more than
    `max(chunk_size, MAX_ROW_CHARS)` characters, so this never refuses a text that would fit."""
    visible = len(text) - sum(text.count(ch) for ch in " \n\t\f\u00a0")
    if visible > settings.max_chunks_per_document * max(settings.chunk_size, MAX_ROW_CHARS):
        raise too_many_chunks(f"about {visible // settings.chunk_size}", settings)


def build_record(doc: str, data: bytes, source: str, settings: Settings,
                 ocr_pages: list[int] | None = None) -> DocumentRecord:
    """The document's record; the pages read by OCR are added to `ocr_pages` when it is given."""
    loaded = load_document(doc, data, settings.max_unpacked_bytes)
    if ocr_pages is not None:
        ocr_pages.extend(loaded.ocr_pages)
    text = loaded.text
    check_text_size(text, settings)
    document = detect_metadata(doc, text)
    document.sha256 = hashlib.sha256(data).hexdigest()
    document.source = source
    sections, chunks = split_document(doc, text, settings.chunk_size, settings.chunk_overlap)
    if not chunks:
        raise LoadError("no text to index")
    if len(chunks) > settings.max_chunks_per_document:
        raise too_many_chunks(len(chunks), settings)
    document.chunks = len(chunks)
    return DocumentRecord(document=document, text=text, sections=sections, chunks=chunks,
                          facts=extract_facts(doc, text, sections), pipeline_version=PIPELINE_VERSION,
                          facts_version=FACTS_VERSION)


def chunk_metadata(record: DocumentRecord, index: int) -> dict:
    chunk = record.chunks[index]
    return {"doc": chunk.doc, "project": record.document.project or "", "section": chunk.section[:500],
            "start": chunk.start, "end": chunk.end, "order": chunk.order, "type": record.document.type}


def keyword_tokens(record: DocumentRecord) -> list[list[str]]:
    name = record.document.project_name or ""
    return [tokens(f"{name}\n{c.section}\n{c.context}\n{c.text}") for c in record.chunks]


class Ingestor:
    """Writes documents into the index. Hold `writer_lock` around any use."""

    def __init__(self, settings: Settings | None = None, embeddings=None,
                 progress: ProgressCallback | None = None):
        self.settings = settings or get_settings()
        self._embeddings = embeddings
        self._sentence_vectors: SentenceVectors | None = None
        self.progress = progress or (lambda doc, done, total: None)
        self.documents = DocumentStore(self.settings.data_dir)
        self.vectors = VectorStore(self.settings)
        self.stages: dict[str, float] = {}

    @contextmanager
    def timed(self, stage: str):
        started = time.perf_counter()
        try:
            yield
        finally:
            self.stages[stage] = self.stages.get(stage, 0.0) + time.perf_counter() - started

    @property
    def sentence_vectors(self) -> SentenceVectors:
        if self._sentence_vectors is None:
            self._sentence_vectors = SentenceVectors(self.embeddings, self.settings)
        return self._sentence_vectors

    @property
    def embeddings(self):
        if self._embeddings is None:  # loaded lazily: an unchanged corpus needs no model
            from core.embeddings import shared_embeddings

            self._embeddings = shared_embeddings()
        return self._embeddings

    def remove_orphans(self, records: list[DocumentRecord]) -> int:
        """Delete vectors that no complete record owns (left by a crash mid-document)."""
        owned = {c.id for r in records for c in r.chunks}
        stale = sorted(self.vectors.all_ids() - owned)
        self.vectors.delete_ids(stale)
        return len(stale)

    def check(self, records: list[DocumentRecord]) -> Consistency:
        present = self.vectors.all_ids()
        owned = {c.id for r in records for c in r.chunks}
        missing = {r.document.doc: n for r in records
                   if (n := sum(1 for c in r.chunks if c.id not in present))}
        return Consistency(documents=len(records), chunks=len(owned), vectors=len(present),
                           orphans=len(present - owned), missing=missing,
                           keyword_index_ok=self.keyword_index_matches(records))

    def repair(self, records: list[DocumentRecord]) -> list[str]:
        """Delete orphan vectors and embed again the recorded documents whose vectors are missing
        (from their records: no file is read). Returns the documents re-embedded."""
        self.remove_orphans(records)
        present = self.vectors.all_ids()
        broken = [r for r in records if any(c.id not in present for c in r.chunks)]
        for record in broken:
            self.index_record(record, replaces=True)
        return [r.document.doc for r in broken]

    def _estimated_bytes(self, record: DocumentRecord) -> int:
        # Chroma keeps each vector in SQLite and in the HNSW index, with the chunk's text and
        # metadata; 16 KB per chunk covers both with room. The record is written once more.
        return 16 * 1024 * len(record.chunks) + 2 * len(record.text) + 200 * len(record.facts)

    def index_record(self, record: DocumentRecord, replaces: bool = True) -> None:
        """Embed and store one document; `replaces=False` for a document not indexed before (its
        leftovers from a crash are already gone: `remove_orphans`), which saves a filtered delete."""
        ensure_free(self.settings.data_dir, self._estimated_bytes(record), self.settings)  # before minutes of embedding
        with self.timed("lemmatise"):
            record.tokens = keyword_tokens(record)
        title = record.document.title
        texts = [document_text(title, c.section, f"{c.context}\n{c.text}" if c.context else c.text)
                 for c in record.chunks]
        vectors: list[list[float]] = []
        step = self.settings.embedding_batch_size
        for i in range(0, len(texts), step):
            with self.timed("embed"):
                vectors.extend(self.embeddings.embed_documents(texts[i:i + step]))
            self.progress(record.document.doc, min(i + step, len(texts)), len(texts))
        with self.timed("embed_sentences"):  # the answer scorer's sentence vectors, cached by text
            self.sentence_vectors.vectors(sentence_texts(record.chunks), progress=lambda done, total: self.progress(
                f"{record.document.doc} {SENTENCES_STEP}", done, total))
        self.write(record, vectors, replaces)

    def write(self, record: DocumentRecord, vectors: list[list[float]], replaces: bool) -> None:
        """Vectors, then the record; on any failure the document's old vectors are put back."""
        doc = record.document.doc
        ids = [c.id for c in record.chunks]
        ensure_free(self.settings.data_dir, self._estimated_bytes(record), self.settings)
        old = (self.vectors.collection.get(where={"doc": doc}, include=["embeddings", "documents", "metadatas"])
               if replaces else None)
        try:
            if replaces:
                with self.timed("vector_delete"):
                    self.vectors.delete_doc(doc)
            with self.timed("vector_write"):
                self.vectors.add(ids, vectors, [c.text for c in record.chunks],
                                 [chunk_metadata(record, i) for i in range(len(record.chunks))])
            stored = self.vectors.collection.get(ids=ids, include=[])["ids"]
            if len(stored) != len(ids):  # seen on a full disk: the add "succeeded" and kept nothing
                raise DiskFullError(self.settings.data_dir)
            with self.timed("manifest_write"):
                self.documents.save(record)  # last: the record marks the document complete
        except BaseException as error:
            self._restore(doc, ids, old)
            full = as_disk_full(error, self.settings.data_dir)
            if full is error:
                raise
            raise full from error

    def _restore(self, doc: str, ids: list[str], old: dict | None) -> None:
        """Put back the vectors a failed write replaced. If even that fails, the old record stays and
        the next ingest's `repair` embeds its missing vectors again."""
        try:
            self.vectors.delete_ids(ids)
            if old and old["ids"]:
                self.vectors.add(old["ids"], [list(map(float, v)) for v in old["embeddings"]], old["documents"],
                                 old["metadatas"])
        except Exception:
            pass

    def refresh_derived(self, record: DocumentRecord) -> bool:
        """Facts and keyword tokens of an unchanged document, again if their extraction changed."""
        if record.facts_version == FACTS_VERSION:
            return False
        record.facts = extract_facts(record.document.doc, record.text, record.sections)
        record.tokens = keyword_tokens(record)
        record.facts_version = FACTS_VERSION
        self.documents.save(record)
        return True

    def remove(self, doc: str) -> None:
        self.documents.delete(doc)  # first: a crash after this leaves only orphans, which we clean
        self.vectors.delete_doc(doc)

    def link_unlinked(self) -> None:
        """Attach documents without a project code to a project named in them (press releases)."""
        records = self.documents.all()
        known = {r.document.project_name: r.document.project for r in records
                 if r.document.project and r.document.project_name}
        if all(r.document.project for r in records):
            return  # nothing to link: the projects' tokens are not gathered
        project_tokens: dict[str, list[str]] = {}
        for r in records:
            if r.document.project:
                project_tokens.setdefault(r.document.project, []).extend(t for ts in r.tokens for t in ts)
        for record in records:
            if record.document.project:
                continue
            linked = link_to_project(record.document, record.text, known, project_tokens,
                                     [t for ts in record.tokens for t in ts])
            if linked.project:
                record.document = linked
                record.tokens = keyword_tokens(record)
                self.vectors.collection.update(
                    ids=[c.id for c in record.chunks],
                    metadatas=[chunk_metadata(record, i) for i in range(len(record.chunks))])
                self.documents.save(record)

    def rebuild_keyword_index(self) -> int:
        ids: list[str] = []
        token_lists: list[list[str]] = []
        for record in self.documents.all():
            ids.extend(c.id for c in record.chunks)
            token_lists.extend(record.tokens)
        KeywordIndex.build(ids, token_lists).save(keyword_dir(self.settings))
        return len(ids)

    def keyword_index_matches(self, records: list[DocumentRecord]) -> bool:
        """True when the saved keyword index has exactly these records' chunks (an interrupted
        ingest can leave it behind the manifest; then it is rebuilt)."""
        try:
            saved = json.loads((keyword_dir(self.settings) / "ids.json").read_text())
        except (OSError, ValueError):
            return False
        return saved == [c.id for r in records for c in r.chunks]


def ingest_paths(paths: list[Path], settings: Settings | None = None, embeddings=None,
                 progress: ProgressCallback | None = None, prune: bool = True) -> IngestReport:
    """Bring the index in line with the files under `paths`.

    With `prune`, documents that came from one of the given folders and are gone from it are
    removed from the index.
    """
    settings = settings or get_settings()
    started = time.perf_counter()
    report = IngestReport()
    with writer_lock(settings.data_dir):
        ingestor = Ingestor(settings, embeddings, progress)
        records = ingestor.documents.all()
        try:
            report.repaired = ingestor.repair(records)
        except Exception as error:
            full = as_disk_full(error, settings.data_dir)
            if full is error:
                raise
            raise full from error
        files, report.failed = discover(paths)
        by_doc = {r.document.doc: r for r in records}
        existing = {r.document.doc: r.document for r in records}
        current = {r.document.doc for r in records if r.pipeline_version == PIPELINE_VERSION}
        seen: set[str] = set()
        refreshed = False
        for path in files:
            doc = path.name
            if doc in seen:
                report.failed.append((str(path), f"another file named {doc} was already ingested in this run"))
                continue
            seen.add(doc)
            try:
                data = path.read_bytes()
                digest = hashlib.sha256(data).hexdigest()
                old = existing.get(doc)
                if old is not None and old.sha256 == digest and doc in current:
                    refreshed |= ingestor.refresh_derived(by_doc[doc])
                    report.unchanged.append(doc)
                    continue
                with ingestor.timed("load_chunk_facts"):
                    ocr_pages: list[int] = []
                    record = build_record(doc, data, str(path.resolve()), settings, ocr_pages)
                if ocr_pages:
                    report.ocr[doc] = ocr_pages
                ingestor.index_record(record, replaces=old is not None)
            except LoadError as error:
                report.failed.append((doc, str(error)))
                continue
            except DiskFullError as error:  # the next files would fail the same way: stop here
                report.failed.append((doc, str(error)))
                report.disk_full = str(error)
                break
            except OSError as error:
                report.failed.append((doc, f"cannot read file: {error.strerror}"))
                continue
            report.chunks_embedded += len(record.chunks)
            (report.updated if old is not None else report.added).append(doc)
        if prune:
            folders = [p.resolve() for p in paths if p.is_dir()]
            for doc, document in existing.items():
                source = Path(document.source) if document.source else None
                if doc not in seen and source and any(source.is_relative_to(f) for f in folders):
                    ingestor.remove(doc)
                    report.removed.append(doc)
        if (report.added or report.updated or report.removed or refreshed or report.repaired
                or not ingestor.keyword_index_matches(records)):
            with ingestor.timed("link_and_bm25"):
                try:
                    ingestor.link_unlinked()
                    report.total_chunks = ingestor.rebuild_keyword_index()
                except Exception as error:  # the old keyword index stays (it is swapped in whole)
                    full = as_disk_full(error, settings.data_dir)
                    if not isinstance(full, DiskFullError):
                        raise
                    report.disk_full = str(full)
        else:  # nothing changed: skip re-reading every record and rebuilding BM25 (minutes at 100k chunks)
            report.total_chunks = sum(len(r.chunks) for r in records)
        report.stages = {stage: round(seconds, 2) for stage, seconds in ingestor.stages.items()}
    report.seconds = time.perf_counter() - started
    return report


def check_index(settings: Settings | None = None, repair: bool = False, embeddings=None) -> tuple[Consistency, list[str]]:
    """`hanke doctor`: whether records, Chroma and the keyword index agree; with `repair`, fix what
    does not (under the writer lock) and check again. Returns the check and the documents re-embedded."""
    settings = settings or get_settings()
    with writer_lock(settings.data_dir):
        ingestor = Ingestor(settings, embeddings)
        records = ingestor.documents.all()
        found = ingestor.check(records)
        if not repair or found.ok:
            return found, []
        repaired = ingestor.repair(records)
        ingestor.link_unlinked()
        ingestor.rebuild_keyword_index()
        return ingestor.check(ingestor.documents.all()), repaired


def remove_documents(docs: list[str], settings: Settings | None = None) -> list[str]:
    """Remove documents from the index (vectors, record, keyword index); returns those removed."""
    settings = settings or get_settings()
    with writer_lock(settings.data_dir):
        ingestor = Ingestor(settings)
        known = set(ingestor.documents.hashes())
        removed = [doc for doc in docs if doc in known]
        for doc in removed:
            ingestor.remove(doc)
        ingestor.rebuild_keyword_index()
    return removed
