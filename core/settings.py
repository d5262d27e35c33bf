"""The one settings object. Every value can be set with an environment variable `HANKE_<NAME>`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HANKE_", extra="ignore")

    data_dir: Path = Field(Path("data"), description="Where the index, manifest and documents live.")
    corpus_dir: Path = Field(Path("corpus"), description="Default folder for `hanke ingest`.")

    embedding_model: str = Field(
        "", description="A sentence-transformers model id or path; empty means the fetched EmbeddingGemma.")
    model_cache: Path = Field(Path.home() / ".cache" / "hanke" / "models")
    embedding_dtype: str = Field("bfloat16", description="bfloat16 or float32 (CPU).")
    embedding_batch_size: int = 16

    chroma_host: str | None = Field(None, description="Use a Chroma server instead of the embedded store.")
    chroma_port: int = 8000
    collection: str = "hanke"

    chunk_size: int = 800
    chunk_overlap: int = 100
    top_k: int = 5
    candidate_pool: int = 30
    rrf_k: int = 10
    answer_sentences: int = 3

    # Reading documents (ingest/loaders): Tesseract models for scanned PDF pages, joined by "+".
    # "fin" alone by measurement: with "fin+eng" Tesseract read Finnish words as English and
    # dropped their umlauts (Käsittelijä → Kasittelija); the Finnish model reads English text too.
    ocr_languages: str = Field("fin", description="Tesseract languages for pages without a text layer, e.g. fin+eng.")

    max_question_chars: int = 2000
    host: str = "127.0.0.1"
    port: int = 8000
    cors_origins: list[str] = Field(default_factory=list)
    api_token: str | None = Field(
        None, description="Bearer token for the web's write endpoints (upload, delete); none means writes are off.")
    max_upload_mb: int = Field(50, description="Largest file accepted by POST /api/documents.")
    max_upload_files: int = Field(10, description="Most files in one upload request.")
    answer_threads: int = Field(0, ge=0, description="Answers computed at once by one web worker; "
                                "0 = one per CPU core (more only make each request wait longer).")

    # Bounded work per document (issue 15): one file must not cost more than a real report does.
    max_chunks_per_document: int = Field(2000, ge=1, description="A document that splits into more chunks is "
                                         "refused (the largest real final report here has 100).")
    max_unpacked_mb: int = Field(32, ge=1, description="Most text (XML) a DOCX may unpack to before it is read.")
    # Requests must name one of these hosts (DNS rebinding: a web page must not read the index through
    # a browser on the same machine). JSON list; `hanke serve --host <address>` adds that address.
    allowed_hosts: list[str] = Field(default_factory=lambda: ["localhost", "127.0.0.1", "[::1]"])
    # Fair use per client (assistant/web/fair_use.py); 0 turns a limit off. Over a limit: 429 + Retry-After.
    client_max_concurrent: int = Field(2, ge=0, description="Answers one client may wait for at once.")
    client_chars_per_minute: int = Field(2400, ge=0, description="Question characters one client may send a "
                                         "minute: about one 2,000-character question, or 40 ordinary ones.")
    trusted_proxies: list[str] = Field(default_factory=list, description="Addresses of reverse proxies whose "
                                       "X-Forwarded-For names the client (JSON list).")
    min_free_mb: int = Field(100, ge=0, description="Disk space that must stay free in the data directory after "
                             "a write; less refuses the write with \"not enough disk space\".")
    # Generated answers through an OpenAI-compatible LLM (Azure OpenAI, vLLM, Ollama…): off unless both
    # llm_base_url and llm_model are set. What the LLM writes is checked before it is shown.
    llm_base_url: str | None = Field(None, description="e.g. http://localhost:11434/v1 (Ollama); empty: extractive answers only.")
    llm_model: str | None = Field(None, description="The model (Azure: the deployment name).")
    llm_api_key: str | None = Field(None, description="Sent as a bearer token; local servers accept any.")
    llm_timeout_s: float = Field(30.0, gt=0, description="Per request; on timeout the extractive answer is shown.")
    llm_max_retries: int = Field(0, ge=0, description="Retries after a failed call (each can take the whole timeout).")
    # Models that accept only their defaults (e.g. reasoning models on Azure) reject these: 0 / -1 omit them.
    llm_max_tokens: int = Field(700, ge=0, description="0: not sent.")
    llm_temperature: float = Field(0.0, description="Negative: not sent.")

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    @property
    def max_unpacked_bytes(self) -> int:
        return self.max_unpacked_mb * 1024 * 1024

    @property
    def default_model_dir(self) -> Path:
        return self.model_cache / "embeddinggemma-300m"

    @property
    def sentence_vector_dir(self) -> Path:
        """A cache of sentence vectors shared by every index (core/sentence_vectors.py)."""
        return self.model_cache / "sentence-vectors"

    @property
    def model_name_or_path(self) -> str:
        return self.embedding_model or str(self.default_model_dir)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
