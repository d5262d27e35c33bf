"""EmbeddingGemma through sentence-transformers, behind LangChain's `Embeddings` interface.

Documents are encoded as `title: <project name, code, type> | text: <section + chunk>` (the title
prompt was the biggest single retrieval lever we measured); queries use the model's own
"query" prompt. Embeddings are normalised so that the dot product is the cosine.
"""

from __future__ import annotations

import os
import warnings
from functools import lru_cache

from langchain_huggingface import HuggingFaceEmbeddings

from core.settings import Settings, get_settings


class ModelMissingError(RuntimeError):
    """The embedding model is not on disk and cannot be fetched here."""


def document_text(title: str, section: str, text: str) -> str:
    body = f"{section}\n{text}" if section else text
    return f"title: {title} | text: {body}"


def _torch_dtype(name: str):
    import torch

    return {"bfloat16": torch.bfloat16, "float32": torch.float32}.get(name, torch.float32)


def _quiet_libraries(offline: bool) -> None:
    """No hub lookups for a local model, and no library progress bars or warnings on our console."""
    if offline:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    import transformers

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    warnings.filterwarnings("ignore", module="transformers")
    warnings.filterwarnings("ignore", module="sentence_transformers")


class PromptedEmbeddings(HuggingFaceEmbeddings):
    """LangChain's sentence-transformers embeddings, telling which prompt `embed_query` puts before a
    question, so that a question can be embedded in one batch with other texts
    (core/sentence_vectors.py, `SentenceVectors.embed_question`)."""

    @property
    def query_prompt(self) -> str:
        name = self.query_encode_kwargs.get("prompt_name")
        return self._client.prompts.get(name, "") if name else self.query_encode_kwargs.get("prompt", "")


def load_embeddings(settings: Settings | None = None) -> PromptedEmbeddings:
    settings = settings or get_settings()
    _quiet_libraries(offline=not settings.embedding_model)
    if not settings.embedding_model:
        from core.model_fetch import is_verified

        if not is_verified(settings.default_model_dir):
            raise ModelMissingError(
                f"The embedding model is not in {settings.default_model_dir}. "
                "Run `make setup` (or `python -m core.model_fetch`) to fetch and verify it.")
    return PromptedEmbeddings(
        model_name=settings.model_name_or_path,
        model_kwargs={"device": "cpu", "model_kwargs": {"dtype": _torch_dtype(settings.embedding_dtype)},
                      "local_files_only": not settings.embedding_model},
        encode_kwargs={"normalize_embeddings": True, "batch_size": settings.embedding_batch_size,
                       "prompt": ""},
        query_encode_kwargs={"normalize_embeddings": True, "prompt_name": "query"},
    )


@lru_cache(maxsize=1)
def shared_embeddings() -> PromptedEmbeddings:
    """One model per process: loading it costs seconds and about a gigabyte."""
    return load_embeddings()
