"""The pipelines an evaluation compares, each behind one small interface: `run(question, depth)`.

- `hanke`: our assistant (`Assistant.ask`): hybrid retrieval, extractive cited answer, refusals.
- `bm25`: the assistant's BM25 over Finnish lemmas alone; the answer is the top chunk; never refuses.
- `dense`: the assistant's EmbeddingGemma vectors in Chroma alone; answer = top chunk; never refuses.
- `langchain-default`: what a user builds from the LangChain docs: the raw corpus files,
  RecursiveCharacterTextSplitter(800, 100), a langchain_chroma.Chroma collection with the same
  embedding model (no title prompt), `similarity_search`; answer = top chunk; never refuses.
  The built store is cached under `<data_dir>/baselines/langchain-default/<corpus hash>/`.
"""

from __future__ import annotations

import hashlib
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Protocol

from eval.metrics import contains_evidence

PIPELINES = ("hanke", "bm25", "dense", "langchain-default")
LANGCHAIN_CHUNK_SIZE = 800
LANGCHAIN_CHUNK_OVERLAP = 100
# Bump when the baseline's build changes, so that a cached store is rebuilt.
LANGCHAIN_BASELINE_VERSION = 1
COMPLETE_MARKER = "complete"


class PipelineUnavailable(RuntimeError):
    """A pipeline cannot run here (no corpus folder, no index…); the message says what to do."""


@dataclass
class Retrieved:
    doc: str
    text: str
    rank: int
    section: str = ""


@dataclass
class PipelineRun:
    """What one pipeline did with one question."""

    answer: str
    found: bool
    citations: list[dict] = field(default_factory=list)  # {"doc", "section", "quote"}
    cited_texts: list[str] = field(default_factory=list)  # the passage behind each citation, judged
    retrieved: list[Retrieved] = field(default_factory=list)
    ms: float = 0.0
    # Only when an LLM is configured: whether the shown answer was generated, the check it failed, and
    # (for a generated one) the extractive answer it replaced, which the report judges too.
    generated: bool | None = None
    check: str | None = None
    extractive: "PipelineRun | None" = None


class Pipeline(Protocol):
    name: str

    def run(self, question: str, depth: int) -> PipelineRun:
        """Answer a question, retrieving `depth` chunks (ranked, best first)."""

    def count_relevant(self, evidence: list[str]) -> int:
        """How many chunks of this pipeline's index contain an evidence string (nDCG's ideal)."""


def _top_chunk_run(ranked: list[Retrieved], started: float) -> PipelineRun:
    """A retrieval-only baseline's answer: the top chunk, cited as a whole; it never refuses."""
    citations, cited = [], []
    if ranked:
        top = ranked[0]
        citations = [{"doc": top.doc, "section": top.section, "quote": top.text}]
        cited = [top.text]
    return PipelineRun(answer=ranked[0].text if ranked else "", found=True, citations=citations,
                       cited_texts=cited, retrieved=ranked, ms=(time.perf_counter() - started) * 1000)


def _count(texts: Iterable[str], evidence: list[str]) -> int:
    return sum(1 for text in texts if contains_evidence(text, evidence)) if evidence else 0


class HankePipeline:
    name = "hanke"

    def __init__(self, assistant):
        self.assistant = assistant

    def run(self, question: str, depth: int) -> PipelineRun:
        started = time.perf_counter()
        answer = self.assistant.ask(question, k=depth)
        ms = (time.perf_counter() - started) * 1000
        run = self.run_of(answer, ms)
        if answer.extractive is not None:
            run.extractive = self.run_of(answer.extractive, ms)
        return run

    def run_of(self, answer, ms: float) -> PipelineRun:
        return PipelineRun(
            answer=answer.answer, found=answer.found,
            citations=[{"doc": c.doc, "section": c.section, "quote": c.quote} for c in answer.citations],
            cited_texts=[self.cited_passage(c.doc, c.start, c.end, c.quote) for c in answer.citations],
            retrieved=[Retrieved(p.doc, p.text, p.rank, p.section) for p in answer.passages], ms=ms,
            generated=answer.generated, check=answer.check)

    def cited_passage(self, doc: str, start: int, end: int, quote: str) -> str:
        """The chunk(s) a citation's quote comes from: a quote is one or a few sentences, and the
        evidence string may be longer than the sentence that was quoted.

        The chunks that hold the whole quote (two, when it lies in their overlap), else the ones
        it overlaps; the quote itself when the document is not in the index.
        """
        record = self.assistant.index.records.get(doc)
        if record is None:
            return quote
        holding = [c for c in record.chunks if c.start <= start and end <= c.end]
        spans = holding or [c for c in record.chunks if c.start < end and start < c.end]
        if not spans:
            return quote
        return record.text[min(c.start for c in spans):max(c.end for c in spans)]

    def count_relevant(self, evidence: list[str]) -> int:
        return _count((c.text for c in self.assistant.index.chunks.values()), evidence)


class Bm25Pipeline(HankePipeline):
    name = "bm25"

    def run(self, question: str, depth: int) -> PipelineRun:
        from assistant.query import analyse

        started = time.perf_counter()
        tokens = analyse(question).keyword_query
        ranked = self._ranked(self.assistant.searcher.keyword(tokens, depth, None))
        return _top_chunk_run(ranked, started)

    def _ranked(self, scored: list[tuple[str, float]]) -> list[Retrieved]:
        chunks = self.assistant.index.chunks
        return [Retrieved(chunks[cid].doc, chunks[cid].text, rank, chunks[cid].section)
                for rank, (cid, _) in enumerate(scored, start=1)]


class DensePipeline(Bm25Pipeline):
    name = "dense"

    def run(self, question: str, depth: int) -> PipelineRun:
        started = time.perf_counter()
        searcher = self.assistant.searcher
        vector = searcher.embeddings.embed_query(question)
        return _top_chunk_run(self._ranked(searcher.dense(vector, depth, None)), started)


def corpus_files(corpus_dir: Path) -> list[Path]:
    from ingest.loaders import SUPPORTED

    if not corpus_dir.is_dir():
        raise PipelineUnavailable(
            f"corpus folder not found: {corpus_dir} (the langchain-default baseline reads the raw files; "
            "set HANKE_CORPUS_DIR)")
    files = sorted(p for p in corpus_dir.iterdir() if p.is_file() and p.suffix.lower() in SUPPORTED)
    if not files:
        raise PipelineUnavailable(f"no documents in the corpus folder {corpus_dir}")
    return files


def corpus_key(files: list[Path], model: str) -> str:
    """A hash of the corpus files, the splitter and the model: the cache key of the baseline store."""
    digest = hashlib.sha256(
        f"v{LANGCHAIN_BASELINE_VERSION}|{LANGCHAIN_CHUNK_SIZE}|{LANGCHAIN_CHUNK_OVERLAP}|{model}".encode())
    for path in files:
        digest.update(path.name.encode("utf-8") + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


class LangChainDefaultPipeline:
    """The LangChain tutorial RAG: split the raw files, embed them into Chroma, similarity_search."""

    name = "langchain-default"
    collection = "langchain-default"

    def __init__(self, settings, embeddings, notify: Callable[[str], None] = lambda message: None):
        self.embeddings = embeddings
        files = corpus_files(Path(settings.corpus_dir))
        key = corpus_key(files, settings.model_name_or_path)
        root = Path(settings.data_dir) / "baselines" / self.name
        self.path = root / key
        if not (self.path / COMPLETE_MARKER).is_file():
            shutil.rmtree(self.path, ignore_errors=True)  # a build that was interrupted
            for old in root.glob("*") if root.is_dir() else []:
                shutil.rmtree(old, ignore_errors=True)  # stores of an older corpus
            chunks = self.split(files)
            notify(f"building the {self.name} baseline store: embedding {len(chunks)} chunks "
                   f"(once; cached in {self.path})")
            self.store = self._open()
            self.store.add_documents(chunks, ids=[f"{c.metadata['source']}#{i}" for i, c in enumerate(chunks)])
            (self.path / COMPLETE_MARKER).write_text(f"{len(chunks)} chunks\n")
        else:
            self.store = self._open()
        self.texts = self.store.get(include=["documents"])["documents"]

    @staticmethod
    def split(files: list[Path]):
        from langchain_core.documents import Document
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        from ingest.loaders import LoadError, load_file

        documents = []
        for path in files:
            try:
                documents.append(Document(page_content=load_file(path), metadata={"source": path.name}))
            except LoadError:
                continue  # the tutorial pipeline simply has no text for such a file
        splitter = RecursiveCharacterTextSplitter(chunk_size=LANGCHAIN_CHUNK_SIZE,
                                                  chunk_overlap=LANGCHAIN_CHUNK_OVERLAP, add_start_index=True)
        return splitter.split_documents(documents)

    def _open(self):
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma

        self.path.mkdir(parents=True, exist_ok=True)
        client = chromadb.PersistentClient(path=str(self.path), settings=ChromaSettings(anonymized_telemetry=False))
        return Chroma(collection_name=self.collection, embedding_function=self.embeddings, client=client)

    def run(self, question: str, depth: int) -> PipelineRun:
        started = time.perf_counter()
        documents = self.store.similarity_search(question, k=depth)
        ranked = [Retrieved(d.metadata.get("source", ""), d.page_content, rank)
                  for rank, d in enumerate(documents, start=1)]
        return _top_chunk_run(ranked, started)

    def count_relevant(self, evidence: list[str]) -> int:
        return _count(self.texts, evidence)


def make_pipelines(names: list[str], settings, assistant=None, embeddings=None,
                   notify: Callable[[str], None] = lambda message: None) -> list:
    """The named pipelines. `assistant` is built only when a pipeline needs the index."""
    unknown = [n for n in names if n not in PIPELINES]
    if unknown:
        raise PipelineUnavailable(f"unknown pipeline {', '.join(unknown)}; choose from {', '.join(PIPELINES)}")
    needs_index = any(n != "langchain-default" for n in names)
    if needs_index and assistant is None:
        from assistant.service import Assistant

        assistant = Assistant(settings, embeddings)
    if embeddings is None:
        if assistant is not None:
            embeddings = assistant.searcher.embeddings
        else:
            from core.embeddings import shared_embeddings

            embeddings = shared_embeddings()
    built = {"hanke": HankePipeline, "bm25": Bm25Pipeline, "dense": DensePipeline}
    return [built[n](assistant) if n in built else LangChainDefaultPipeline(settings, embeddings, notify)
            for n in names]
