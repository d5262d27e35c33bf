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

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    @property
    def default_model_dir(self) -> Path:
        return self.model_cache / "embeddinggemma-300m"

    @property
    def model_name_or_path(self) -> str:
        return self.embedding_model or str(self.default_model_dir)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
