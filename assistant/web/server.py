"""The web chat and its JSON API: a thin FastAPI layer over `assistant.service.Assistant`.

The model and index load once per process (before uvicorn starts in `run_server`, or in the app's
lifespan). Endpoints are plain `def`s, so FastAPI answers them concurrently in its threadpool; a
conversation is only touched while its lock is held. Document text and answers go to the page as
JSON and are inserted there as text, never as HTML.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import uuid
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Iterator, Literal

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.trustedhost import TrustedHostMiddleware
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from assistant import texts
from assistant.conversation import ConversationStore
from assistant.web.answer_slots import AnswerSlots
from assistant.web.auth import bind_refusal, is_loopback, request_language
from assistant.web.fair_use import FairUse, TooManyRequests
from assistant.web.jobs import IngestQueue
from assistant.web.openai_api import build_openai_router, generated_events
from assistant.web.upload_routes import UPLOAD_PATH, build_router, upload_body_limit
from assistant.service import Assistant, QuestionError
from core.settings import Settings, get_settings
from core.store import keyword_dir

STATIC = Path(__file__).parent / "static"
MAX_BODY_BYTES = 1_000_000
MAX_ID_CHARS = 128
SHUTDOWN_GRACE_SECONDS = 10
# The page needs nothing from elsewhere; /docs and /redoc load FastAPI's Swagger/ReDoc assets and keep
# their own defaults.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
DOCS_PATHS = ("/docs", "/redoc", "/openapi.json")


# ---------------------------------------------------------------------------------------------------
# Request and response models (they are what /docs shows)

class AskRequest(BaseModel):
    question: str = Field(description="The question, in Finnish or English (at most 2,000 characters).",
                          examples=["How many doctor appointments did the Lieksa project have?"])
    project: str | None = Field(None, max_length=64, description="Only this project, e.g. S21712.")
    session_id: str | None = Field(None, max_length=MAX_ID_CHARS,
                                   description="Keeps a conversation: follow-ups are read in its context.")


class CitationOut(BaseModel):
    n: int = Field(description="The number used as [n] in the answer text.")
    doc: str = Field(description="The document id (file name); open it with GET /api/documents/{doc}.")
    title: str
    section: str
    quote: str = Field(description="The cited passage, verbatim.")
    score: float
    start: int = Field(description="Character offset of the quote in the document's text.")
    end: int


class AskResponse(BaseModel):
    """Exactly the JSON of `hanke ask --json`."""

    question: str
    language: Literal["fi", "en"] = Field(description="The language of the answer (that of the question).")
    answer: str = Field(description="Plain text with [n] citation markers.")
    found: bool = Field(description="False when the documents do not answer: the answer then lists the "
                                    "closest passages, which are also the citations.")
    citations: list[CitationOut]
    timings_ms: dict[str, float]
    # Present only when an LLM is configured (HANKE_LLM_*); the route leaves out what is None.
    generated: bool | None = Field(None, description="True: written by the LLM and checked; false: extractive.")
    check: str | None = Field(None, description="Why the LLM's answer was not shown (the check it failed).")


class DocumentOut(BaseModel):
    doc: str
    title: str
    project: str | None
    type: str
    chunks: int


class ProjectOut(BaseModel):
    code: str
    name: str
    docs: list[str]


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
    project_name: str | None
    language: str
    text: str = Field(description="The full text; citation offsets index into it (Unicode code points).")
    sections: list[SectionOut]
    chunk_spans: list[ChunkSpan]


class Health(BaseModel):
    status: str
    model_loaded: bool
    documents: int
    chunks: int


class Session(BaseModel):
    session_id: str


class Problem(BaseModel):
    detail: str


ERROR_RESPONSES = {404: {"model": Problem}, 413: {"model": Problem}, 422: {"model": Problem}}


# ---------------------------------------------------------------------------------------------------

def question_error(error: QuestionError, request: Request, settings: Settings, project: str | None) -> HTTPException:
    """422 for an empty or too long question, 404 for an unknown project, in the reader's language."""
    status = 404 if error.key == "unknown_project" else 422
    message = texts.ERRORS[error.key][request_language(request)].format(
        limit=settings.max_question_chars, project=project)
    return HTTPException(status_code=status, detail=message)


def is_valid_text(*values: str | None) -> bool:
    """False for text that cannot be UTF-8 (a lone surrogate such as "\\ud800" from JSON), which would
    otherwise fail deep inside the answer as a 500."""
    try:
        for value in values:
            (value or "").encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def sse(event: str, data) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


class BodyLimit:
    """Refuses request bodies over `limit` bytes with 413: by Content-Length, or while reading a
    chunked body that has none. Uploads (`upload_limit`, POST to `upload_path`) must declare their
    length (411 otherwise), so that a large body is refused before it is read."""

    def __init__(self, app, limit: int = MAX_BODY_BYTES, upload_path: str = "", upload_limit: int = 0):
        self.app = app
        self.limit = limit
        self.upload_path = upload_path
        self.upload_limit = upload_limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        upload = scope.get("method") == "POST" and scope["path"] == self.upload_path
        if upload and length is None:
            return await self.refuse(send, 411, "Length required: send the upload with a Content-Length header.")
        limit = self.upload_limit if upload else self.limit
        if length is not None:
            if not length.isdigit() or int(length) > limit:
                return await self.refuse(send, 413, f"Request body too large (at most {limit} bytes).")
            return await self.app(scope, receive, send)
        if b"chunked" not in headers.get(b"transfer-encoding", b"").lower():
            return await self.app(scope, receive, send)
        # A chunked body: read it here (at most limit + 1 bytes), then hand it on.
        body, more = bytearray(), True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.limit:
                return await self.refuse(send, 413, f"Request body too large (at most {self.limit} bytes).")
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        return await self.app(scope, replay, send)

    @staticmethod
    async def refuse(send, status: int, detail: str):
        payload = json.dumps({"detail": detail}).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": payload})


class SecurityHeaders:
    """nosniff and no framing everywhere; a strict Content-Security-Policy on the page and the API."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        strict = not scope["path"].startswith(DOCS_PATHS)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
                            (b"x-frame-options", b"DENY")]
                if strict:
                    headers.append((b"content-security-policy", CSP.encode()))
                message = {**message, "headers": headers}
            await send(message)

        return await self.app(scope, receive, with_headers)


class AppState:
    """What the endpoints share. `assistant` is replaced as a whole when the index changed (an upload
    here, or an ingest by another process: the keyword index is rewritten at the end of every ingest),
    so a request that read it once works on one consistent index."""

    def __init__(self, assistant: Assistant, settings: Settings):
        self.settings = settings
        self._assistant = assistant
        self._loaded_version = index_version(settings)
        self._reload_lock = threading.Lock()
        self.sessions = ConversationStore()
        self.answer_slots = AnswerSlots(settings.answer_threads or os.cpu_count() or 1)
        self.jobs = IngestQueue(settings, on_change=self.reload)  # each job's ingest runs in a child process
        self.fair_use = FairUse(settings)

    @property
    def assistant(self) -> Assistant:
        version = index_version(self.settings)
        if version is not None and version != self._loaded_version:  # None: mid-rewrite, keep the old one
            self.reload_in_background()
        return self._assistant

    def reload(self) -> None:
        with self._reload_lock:
            version = index_version(self.settings)
            if version == self._loaded_version and version is not None:
                return
            self._assistant = Assistant(self.settings, embeddings=self._assistant.searcher.embeddings)
            self._loaded_version = version

    def reload_in_background(self) -> None:
        """Loading the index takes seconds on a large corpus: requests keep the old one meanwhile."""
        if self._reload_lock.locked():
            return
        threading.Thread(target=self.reload, name="hanke-reload", daemon=True).start()

    def resume_uploads(self) -> None:
        """Settle the journaled uploads: resume what was accepted and not finished, quarantine what
        failed or stopped the server twice (`IngestQueue.resume`)."""
        known = {doc: record.document.sha256 for doc, record in self._assistant.index.records.items()}
        self.jobs.resume(known)


def index_version(settings: Settings) -> int | None:
    """Changes whenever an ingest finished (it rewrites the keyword index last)."""
    try:
        return (keyword_dir(settings) / "ids.json").stat().st_mtime_ns
    except OSError:
        return None


def create_app(settings: Settings | None = None, assistant: Assistant | None = None) -> FastAPI:
    """The app. Pass an already loaded `assistant` to share it; otherwise it loads once at startup."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.hanke = AppState(assistant or Assistant(settings), settings)
        app.state.hanke.resume_uploads()
        yield
        # SIGTERM: a running upload's child process is ended too; its job is resumed at the next start.
        app.state.hanke.jobs.shutdown()

    app = FastAPI(title="Hankeapu", version="0.1.0", lifespan=lifespan,
                  description="Cited answers from Finnish EU/ESF project documents, in Finnish and English. "
                              "Error messages follow the Accept-Language header (fi or en).")
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST", "DELETE"],
                           allow_headers=["content-type", "accept-language", "authorization"])
    app.add_middleware(SecurityHeaders)
    # A request naming another host (DNS rebinding) is refused before any endpoint runs.
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.allowed_hosts or ["localhost"])
    app.add_middleware(BodyLimit, limit=MAX_BODY_BYTES, upload_path=UPLOAD_PATH, upload_limit=upload_body_limit(settings))

    @app.exception_handler(RequestValidationError)
    async def readable_validation_error(request: Request, error: RequestValidationError):
        # FastAPI's default is a list of objects; the page shows one readable line instead.
        parts = []
        for item in error.errors():
            where = ".".join(str(p) for p in item.get("loc", ()) if p not in ("body", "query", "path"))
            parts.append(f"{where}: {item.get('msg', 'invalid')}" if where else str(item.get("msg", "invalid")))
        return JSONResponse({"detail": "; ".join(parts) or "Invalid request."}, status_code=422)

    def state(request: Request) -> AppState:
        return request.app.state.hanke

    def checked(request: Request, question: str, project: str | None, session_id: str | None = None) -> None:
        if not is_valid_text(question, project, session_id):
            raise HTTPException(status_code=422, detail=texts.ERRORS["invalid_text"][request_language(request)])
        try:
            state(request).assistant.validate(question, project)
        except QuestionError as error:
            raise question_error(error, request, settings, project) from None

    def conversation_of(request: Request, session_id: str | None):
        return state(request).sessions.get(session_id) if session_id else None

    @contextmanager
    def fair_share(request: Request, question: str):
        """The client's answer slot and question budget, or 429 with Retry-After (before any work)."""
        fair_use = state(request).fair_use
        client = fair_use.client_of(request.client.host if request.client else None,
                                    request.headers.get("x-forwarded-for"))
        try:
            slot = fair_use.answering(client, question)
            slot.__enter__()
        except TooManyRequests as limit:
            raise HTTPException(status_code=429, headers={"Retry-After": str(limit.retry_after)},
                                detail=texts.ERRORS["too_many_requests"][request_language(request)].format(
                                    seconds=limit.retry_after)) from None
        try:
            yield
        finally:
            slot.__exit__(None, None, None)

    @app.post("/api/ask", response_model=AskResponse, responses=ERROR_RESPONSES, response_model_exclude_none=True,
              summary="Answer a question with numbered citations")
    def ask(body: AskRequest, request: Request):
        project = body.project or None
        checked(request, body.question, project, body.session_id)
        conversation = conversation_of(request, body.session_id)
        try:
            with fair_share(request, body.question):
                if conversation is None:
                    with state(request).answer_slots:
                        return state(request).assistant.ask(body.question, project=project).public()
                with conversation.lock, state(request).answer_slots:  # one turn at a time per conversation
                    return state(request).assistant.ask(body.question, project=project,
                                                        conversation=conversation).public()
        except QuestionError as error:
            raise question_error(error, request, settings, project) from None

    @app.get("/api/ask/stream", responses=ERROR_RESPONSES,
             response_class=StreamingResponse, summary="The same answer as server-sent events",
             description="Events: `meta` {language, found}, `citations` [...], `token` (a line of the "
                         "answer, JSON string) several times, and `done` with exactly the JSON of "
                         "POST /api/ask. Every `data:` is JSON.")
    def ask_stream(request: Request, question: str = Query(..., description="The question."),
                   project: str | None = Query(None, max_length=64),
                   session_id: str | None = Query(None, max_length=MAX_ID_CHARS)):
        project = project or None
        checked(request, question, project, session_id)  # errors still get a proper status code
        conversation = conversation_of(request, session_id)
        assistant, slots = state(request).assistant, state(request).answer_slots

        # The answer is extractive and ready at once: it is computed here (under the conversation's
        # lock and the client's fair share, so that a refusal is still a proper status code) and then
        # sent piece by piece.
        generating = assistant.generator is not None
        try:
            with fair_share(request, question):
                if generating:
                    produced = []  # an LLM writes the answer: its tokens go out as they arrive, below
                elif conversation is None:
                    with slots:
                        produced = list(assistant.stream(question, project))
                else:
                    with conversation.lock, slots:
                        produced = list(assistant.stream(question, project, conversation))
        except QuestionError as error:
            raise question_error(error, request, settings, project) from None

        def events() -> Iterator[str]:
            if generating:
                yield from (sse(event, data) for event, data in generated_events(state(request), question, project,
                                                                               conversation))
                return
            for event, data in produced:
                yield sse(event, data)

        return StreamingResponse(events(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    @app.post("/api/session", response_model=Session, summary="Start a new conversation",
              description="Returns a new session id; `old` (a previous id) is forgotten by the server.")
    def new_session(request: Request, old: str | None = Query(None, max_length=MAX_ID_CHARS)):
        if old:
            state(request).sessions.reset(old)
        return Session(session_id=uuid.uuid4().hex)

    @app.get("/api/documents", response_model=list[DocumentOut], summary="The indexed documents")
    def documents(request: Request):
        return [DocumentOut(doc=d.doc, title=d.title, project=d.project, type=d.type, chunks=d.chunks)
                for d in sorted(state(request).assistant.documents(), key=lambda d: (d.project or "~", d.doc))]

    @app.get("/api/documents/{doc}", response_model=DocumentText, responses={404: {"model": Problem}},
             summary="One document's text, sections and chunk offsets")
    def document(doc: str, request: Request):
        # Looked up in the index only; the name never becomes a filesystem path.
        record = state(request).assistant.index.records.get(doc)
        if record is None:
            raise HTTPException(status_code=404, detail=f"Unknown document: {doc[:200]}")
        d = record.document
        return DocumentText(doc=d.doc, title=d.title, project=d.project, project_name=d.project_name,
                            type=d.type, language=d.language, chunks=d.chunks, text=record.text,
                            sections=[SectionOut(heading=s.heading, start=s.start, end=s.end) for s in record.sections],
                            chunk_spans=[ChunkSpan(id=c.id, section=c.section, start=c.start, end=c.end)
                                         for c in record.chunks])

    app.include_router(build_router(settings))
    app.include_router(build_openai_router(settings))  # /v1: OpenAI-compatible chat completions

    @app.get("/api/projects", response_model=list[ProjectOut], summary="The projects of the indexed documents")
    def projects(request: Request):
        return [ProjectOut(code=p.code, name=p.name, docs=p.docs)
                for p in sorted(state(request).assistant.index.projects.values(), key=lambda p: p.code)]

    @app.get("/api/ui-texts", summary="The page's fixed texts in Finnish and English")
    def ui_texts():
        return {lang: {**texts.UI[lang], "types": texts.TYPE_LABEL[lang]} for lang in ("fi", "en")}

    @app.get("/healthz", response_model=Health, summary="Model and index status")
    def health(request: Request):
        assistant = state(request).assistant
        return Health(status="ok", model_loaded=assistant.searcher.embeddings is not None,
                      documents=len(assistant.index.records), chunks=assistant.index.chunk_count())

    @app.get("/", include_in_schema=False)
    def index_page():
        return FileResponse(STATIC / "index.html", media_type="text/html", headers={"Cache-Control": "no-cache"})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def with_bound_host(settings: Settings, host: str) -> Settings:
    """Requests to the address the server was told to bind are its own (not a wildcard address)."""
    if host in ("0.0.0.0", "::", "") or host in settings.allowed_hosts:
        return settings
    return settings.model_copy(update={"allowed_hosts": [*settings.allowed_hosts, f"[{host}]" if ":" in host else host]})


def run_server(host: str | None = None, port: int | None = None) -> None:
    """`hanke serve`: load the index and model once, then serve; a clear message and exit 1 without an index."""
    import uvicorn

    from core.embeddings import ModelMissingError
    from core.store import IndexMissingError, index_exists

    settings = get_settings()
    host = host or settings.host
    port = port or settings.port
    refusal = bind_refusal(host, settings)
    if refusal:
        print(f"error: {refusal}", file=sys.stderr)
        raise SystemExit(2)
    if not index_exists(settings):
        print(f"error: {texts.ERRORS['no_index']['en']} (data dir: {settings.data_dir})", file=sys.stderr)
        raise SystemExit(1)
    try:
        assistant = Assistant(settings)
    except (IndexMissingError, ModelMissingError) as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(1) from None
    settings = with_bound_host(settings, host)
    print(f"Hankeapu web chat on http://{host}:{port}  (API docs: http://{host}:{port}/docs)", flush=True)
    if not is_loopback(host) and settings.allowed_hosts == Settings.model_fields["allowed_hosts"].default_factory():
        print("note: only requests to localhost or 127.0.0.1 are answered; set HANKE_ALLOWED_HOSTS "
              '(e.g. \'["hanke.example.fi"]\') to the names your users reach this server by', flush=True)
    try:
        # Open requests get SHUTDOWN_GRACE_SECONDS after SIGTERM, then the running upload's child
        # is ended (`IngestQueue.shutdown`): the server exits within about 20 seconds.
        uvicorn.run(create_app(settings, assistant), host=host, port=port, log_level="warning",
                    timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS)
    except OSError as error:  # e.g. the port is taken
        print(f"error: cannot serve on {host}:{port}: {error}", file=sys.stderr)
        raise SystemExit(1) from None
