"""The data types that ingest/, assistant/ and eval/ share: Document, Chunk, Citation, Answer."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

DocType = Literal["hankekuvaus", "loppuraportti", "tiedote", "other"]
Language = Literal["fi", "en"]


class Section(BaseModel):
    """A heading and the character span it governs in the document text."""

    heading: str
    start: int
    end: int


class Document(BaseModel):
    doc: str = Field(description="The file name; the document id.")
    title: str
    project: str | None = Field(None, description="Project code such as S21712.")
    project_name: str | None = None
    type: DocType = "other"
    language: Language = "fi"
    dates: list[str] = Field(default_factory=list)
    start_date: str | None = None
    end_date: str | None = None
    places: list[str] = Field(default_factory=list, description="Lemmas of places the document names.")
    sha256: str = ""
    source: str = Field("", description="Where the file was read from (used to notice deletions).")
    chars: int = 0
    chunks: int = 0


class Chunk(BaseModel):
    id: str
    doc: str
    order: int
    section: str
    text: str = Field(description="The verbatim source text text[start:end].")
    start: int
    end: int
    kind: Literal["text", "table"] = "text"
    context: str = Field("", description="Extra text embedded with the chunk (a table's header row).")


class Citation(BaseModel):
    n: int
    doc: str
    title: str
    section: str
    quote: str
    score: float
    start: int = Field(description="Character offset of the quote in the document text.")
    end: int
    project: str | None = None


class Passage(BaseModel):
    """A retrieved chunk as the assistant saw it, with its fused score."""

    doc: str
    title: str
    section: str
    text: str
    start: int
    end: int
    score: float
    rank: int
    project: str | None = None


class Answer(BaseModel):
    question: str
    language: Language
    answer: str
    found: bool
    citations: list[Citation] = Field(default_factory=list)
    passages: list[Passage] = Field(default_factory=list, exclude=True)
    timings_ms: dict[str, float] = Field(default_factory=dict)
    # Only when an LLM is configured (HANKE_LLM_*): whether the shown answer was generated, and why not.
    generated: bool | None = None
    check: str | None = Field(None, description="The check a generated answer failed (or why none was asked).")
    extractive: "Answer | None" = Field(None, exclude=True, description="What a generated answer replaced.")

    def public(self) -> dict:
        """The JSON shape that `hanke ask --json` and `POST /api/ask` return."""
        data = self.model_dump(include={"question", "language", "answer", "found", "timings_ms"})
        if self.generated is not None:
            data.update(generated=self.generated, check=self.check)
        data["citations"] = [
            c.model_dump(include={"n", "doc", "title", "section", "quote", "score", "start", "end"})
            for c in self.citations
        ]
        return data


class Fact(BaseModel):
    """One figure, date, period or person stated in a document, with its exact source."""

    doc: str
    kind: Literal["value", "table", "score", "date", "period", "contact", "statement", "text"]
    quantity: str = Field(description="What the value is of, e.g. 'Osallistuvien henkilöiden lukumäärä'.")
    label: str = Field(description="The line's own label or the table column, e.g. 'Suunniteltu'.")
    phase: str = Field("", description="planned / realised / granted / applied, when the label says so.")
    value: float | None = None
    value_text: str = Field(description="The value as written in the source (Finnish form).")
    unit: str = ""
    section: str = ""
    start: int
    end: int
    line: str = Field(description="The verbatim source line or sentence.")


class DocumentRecord(BaseModel):
    """Everything stored about one indexed document (the manifest entry)."""

    document: Document
    text: str
    sections: list[Section] = Field(default_factory=list)
    chunks: list[Chunk] = Field(default_factory=list)
    tokens: list[list[str]] = Field(default_factory=list, description="BM25 tokens per chunk.")
    facts: list[Fact] = Field(default_factory=list)
    pipeline_version: int = Field(0, description="Chunking version; a different one re-ingests the file.")
    facts_version: int = Field(0, description="Fact and keyword-token extraction version; a different one "
                                              "derives both again (no embedding).")
