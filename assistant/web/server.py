"""The web chat and its JSON API: a thin FastAPI layer over `assistant.service.Assistant`.

The model and index load once, at startup. Document text and answers go to the page as JSON and
are inserted there as text, never as HTML.
"""

from __future__ import annotations

import json
import sys
import threading
import uuid
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from assistant import texts
from assistant.conversation import ConversationStore
from assistant.service import Assistant, QuestionError
from core.settings import Settings, get_settings

STATIC = Path(__file__).parent / "static"
MAX_BODY_BYTES = 1_000_000


class AskRequest(BaseModel):
    question: str = Field(description="The question, in Finnish or English (at most 2,000 characters).")
    project: str | None = Field(None, description="Only this project, e.g. S21712.")
    session_id: str | None = Field(None, description="Keeps a conversation: follow-ups are read in context.")


class CitationOut(BaseModel):
    n: int
    doc: str
    title: str
    section: str
    quote: str
    score: float
    start: int
    end: int


class AskResponse(BaseModel):
    question: str
    language: str
    answer: str
    found: bool
    citations: list[CitationOut]
    timings_ms: dict[str, float]


class DocumentOut(BaseModel):
    doc: str
    title: str
    project: str | None
    type: str
    chunks: int


class SectionOut(BaseModel):
    heading: str
    start: int
    end: int


class ChunkSpan(BaseModel):
    id: str
    section: str
    start: int
    end: int


class DocumentText(DocumentOut):
    text: str
    sections: list[SectionOut]
    chunk_spans: list[ChunkSpan]


class Health(BaseModel):
    status: str
    model_loaded: bool
    documents: int
    chunks: int


def error_response(error: QuestionError) -> HTTPException:
    status = 404 if error.key == "unknown_project" else 422
    return HTTPException(status_code=status, detail=str(error))


class AppState:
    def __init__(self, assistant: Assistant):
        self.assistant = assistant
        self.sessions = ConversationStore()
        self.lock = threading.Lock()


def create_app(settings: Settings | None = None, assistant: Assistant | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.hanke = AppState(assistant or Assistant(settings))
        yield

    app = FastAPI(title="Hankeapu", version="0.1.0", lifespan=lifespan,
                  description="Cited answers from EU/ESF project documents, in Finnish and English.")
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST"],
                           allow_headers=["*"])

    @app.middleware("http")
    async def refuse_oversize(request: Request, call_next):
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > MAX_BODY_BYTES:
            return JSONResponse({"detail": f"Request body too large (at most {MAX_BODY_BYTES} bytes)."},
                                status_code=413)
        return await call_next(request)

    def state(request: Request) -> AppState:
        return request.app.state.hanke

    def ask_once(hanke: AppState, question: str, project: str | None, session_id: str | None):
        if session_id:
            conversation = hanke.sessions.get(session_id)
            with conversation.lock:  # one turn at a time per conversation
                return hanke.assistant.ask(question, project=project, conversation=conversation)
        return hanke.assistant.ask(question, project=project)

    @app.post("/api/ask", response_model=AskResponse, summary="Answer a question with citations")
    def ask(body: AskRequest, request: Request):
        try:
            return ask_once(state(request), body.question, body.project, body.session_id).public()
        except QuestionError as error:
            raise error_response(error) from None

    @app.get("/api/ask/stream", summary="The streamed answer (server-sent events)")
    def ask_stream(request: Request, question: str = Query(...), project: str | None = Query(None),
                   session_id: str | None = Query(None)):
        hanke = state(request)
        try:
            hanke.assistant.validate(question, project or None)
        except QuestionError as error:
            raise error_response(error) from None

        def events():
            answer = ask_once(hanke, question, project or None, session_id).public()
            yield f"event: meta\ndata: {json.dumps({'language': answer['language'], 'found': answer['found']})}\n\n"
            for line in answer["answer"].split("\n"):
                yield f"event: token\ndata: {json.dumps(line + chr(10), ensure_ascii=False)}\n\n"
            yield f"event: done\ndata: {json.dumps(answer, ensure_ascii=False)}\n\n"

        return StreamingResponse(events(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    @app.post("/api/session", summary="Start a new conversation")
    def new_session(request: Request, old: str | None = Query(None)):
        if old:
            state(request).sessions.reset(old)
        return {"session_id": uuid.uuid4().hex}

    @app.get("/api/documents", response_model=list[DocumentOut], summary="The indexed documents")
    def documents(request: Request):
        return [DocumentOut(doc=d.doc, title=d.title, project=d.project, type=d.type, chunks=d.chunks)
                for d in state(request).assistant.documents()]

    @app.get("/api/documents/{doc}", response_model=DocumentText, summary="A document's text and structure")
    def document(doc: str, request: Request):
        # Looked up in the index only; the name never becomes a filesystem path.
        record = state(request).assistant.index.records.get(doc)
        if record is None:
            raise HTTPException(status_code=404, detail=f"Unknown document: {doc}")
        d = record.document
        return DocumentText(doc=d.doc, title=d.title, project=d.project, type=d.type, chunks=d.chunks,
                            text=record.text, sections=[SectionOut(**s.model_dump()) for s in record.sections],
                            chunk_spans=[ChunkSpan(id=c.id, section=c.section, start=c.start, end=c.end)
                                         for c in record.chunks])

    @app.get("/api/ui-texts", summary="The page's fixed texts in Finnish and English")
    def ui_texts():
        return texts.UI

    @app.get("/healthz", response_model=Health, summary="Model and index status")
    def health(request: Request):
        assistant = state(request).assistant
        return Health(status="ok", model_loaded=assistant.searcher.embeddings is not None,
                      documents=len(assistant.index.records), chunks=assistant.index.chunk_count())

    @app.get("/", include_in_schema=False)
    def index_page():
        return FileResponse(STATIC / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def run_server(host: str | None = None, port: int | None = None) -> None:
    import uvicorn

    from core.embeddings import ModelMissingError
    from core.store import IndexMissingError, index_exists

    settings = get_settings()
    if not index_exists(settings):
        print(f"error: {texts.ERRORS['no_index']['en']}", file=sys.stderr)
        raise SystemExit(1)
    try:
        assistant = Assistant(settings)
    except (IndexMissingError, ModelMissingError) as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(1) from None
    host = host or settings.host
    port = port or settings.port
    print(f"Hankeapu web chat on http://{host}:{port}  (API docs: http://{host}:{port}/docs)", flush=True)
    uvicorn.run(create_app(settings, assistant), host=host, port=port, log_level="warning")
