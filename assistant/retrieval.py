"""Hybrid retrieval: dense (EmbeddingGemma in Chroma) + BM25 over Finnish lemmas, fused by RRF.

Fusion is language-aware: BM25's weight is how Finnish the question is. Plain RRF on English
questions let BM25 match English words in the one English summary and hurt hit@1 badly.
A question that names a project (by code, name, applicant or place) is searched in that project's
documents only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever

from assistant.index import IndexView
from assistant.query import QueryAnalysis, analyse
from core.types import Chunk, Document

MIN_BM25_WEIGHT = 0.15
# English questions reach BM25 only through Finnish words and glossary translations.
ENGLISH_TRANSLATED_BM25_WEIGHT = 0.8


@dataclass
class Hit:
    chunk: Chunk
    document: Document
    score: float
    dense_rank: int | None
    keyword_rank: int | None
    dense_similarity: float


class HybridSearcher:
    def __init__(self, index: IndexView, embeddings):
        self.index = index
        self.embeddings = embeddings
        self.settings = index.settings

    def dense(self, vector: list[float], pool: int, where: dict | None) -> list[tuple[str, float]]:
        return [(cid, sim) for cid, sim in self.index.vectors.query(vector, pool, where)
                if cid in self.index.chunks]

    def keyword(self, query_tokens: list[str], pool: int, docs: set[str] | None,
                chunks: set[str] = frozenset()) -> list[tuple[str, float]]:
        """BM25's best chunks, optionally only those of `docs` and the further `chunks`."""
        scores = self.index.keyword.scores(query_tokens)
        if docs is not None:
            allowed = np.array([cid in self.index.chunks and (self.index.chunks[cid].doc in docs or cid in chunks)
                                for cid in self.index.keyword.ids])
            scores = np.where(allowed, scores, 0.0)
        order = np.argsort(-scores)[:pool]
        return [(self.index.keyword.ids[i], float(scores[i])) for i in order
                if scores[i] > 0 and self.index.keyword.ids[i] in self.index.chunks]

    def _project_docs(self, project: str) -> set[str]:
        return {d.doc for d in self.index.documents() if d.project == project}

    def search(self, query: str, k: int | None = None, project: str | None = None,
               analysis: QueryAnalysis | None = None, doc: str | None = None,
               vector: list[float] | None = None, named: list[str] | None = None) -> list[Hit]:
        """The k best chunks, optionally only of one project or one document. `named`: the projects
        the question names, when the caller has found them already (else they are found here)."""
        k = k or self.settings.top_k
        analysis = analysis or analyse(query)
        pool = max(self.settings.candidate_pool, k)
        if vector is None:
            vector = self.embeddings.embed_query(query)
        doc = doc or (None if project else self.index.mentioned_document(query))
        if doc or project:
            named = []
        elif named is None:
            named = sorted(self.index.mentioned_projects(analysis.lemmas, query))
        if doc:
            where, docs = {"doc": doc}, {doc}
        elif project:
            where, docs = {"project": project}, self._project_docs(project)
        elif named:
            # A question that names a project is answered from that project's documents only.
            where = {"project": named[0]} if len(named) == 1 else {"project": {"$in": named}}
            docs = {d for code in named for d in self._project_docs(code)}
        else:
            where, docs = None, None
        # A bulletin on many projects belongs to none; its passages that name the question's project count.
        linked = self.index.linked_chunks([project] if project else named) if (project or named) else set()
        dense = self.dense(vector, pool, where)
        if linked:
            bulletins = sorted({self.index.chunks[cid].doc for cid in linked})
            more = [(cid, sim) for cid, sim in self.dense(vector, pool, {"doc": {"$in": bulletins}}) if cid in linked]
            dense = sorted(dense + more, key=lambda pair: -pair[1])[:pool]
        keyword = self.keyword(analysis.keyword_query, pool, docs, linked)
        bm25_weight = max(MIN_BM25_WEIGHT, analysis.finnishness)
        if analysis.language == "en":
            bm25_weight = max(bm25_weight, ENGLISH_TRANSLATED_BM25_WEIGHT)
        rrf_k = self.settings.rrf_k
        fused: dict[str, float] = {}
        dense_rank = {cid: rank for rank, (cid, _) in enumerate(dense)}
        keyword_rank = {cid: rank for rank, (cid, _) in enumerate(keyword)}
        for cid, rank in dense_rank.items():
            fused[cid] = fused.get(cid, 0.0) + 1.0 / (rrf_k + rank + 1)
        for cid, rank in keyword_rank.items():
            fused[cid] = fused.get(cid, 0.0) + bm25_weight / (rrf_k + rank + 1)
        similarity = dict(dense)
        hits = []
        for cid, score in fused.items():
            chunk = self.index.chunks[cid]
            document = self.index.document(chunk.doc)
            hits.append(Hit(chunk, document, score, dense_rank.get(cid), keyword_rank.get(cid),
                            similarity.get(cid, 0.0)))
        hits.sort(key=lambda h: -h.score)
        return hits[:k]


def hit_to_langchain(hit: Hit) -> LCDocument:
    return LCDocument(page_content=hit.chunk.text, metadata={
        "doc": hit.chunk.doc, "title": hit.document.title, "project": hit.document.project,
        "type": hit.document.type, "section": hit.chunk.section, "start": hit.chunk.start,
        "end": hit.chunk.end, "score": hit.score, "chunk_id": hit.chunk.id})


class HankeRetriever(BaseRetriever):
    """The hybrid retriever as a LangChain retriever, for use in users' own chains."""

    searcher: Any
    k: int = 5
    project: str | None = None

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun
                                ) -> list[LCDocument]:
        return [hit_to_langchain(h) for h in self.searcher.search(query, self.k, self.project)]
