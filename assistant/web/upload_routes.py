"""The write side of the API: upload documents, follow their ingest, delete documents.

Every write needs the bearer token (`auth.require_token`) before the body is read. An upload is
checked completely (name, type, size, count, and that each file loads and chunks) before any file is
stored; then it is ingested in the background and `GET /api/uploads/{job}` shows its progress.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartException

from assistant import texts
from assistant.web.auth import request_language, require_token
from core.settings import Settings
from ingest import uploads
from ingest.pipeline import IngestBusyError, ingest_running, remove_documents

UPLOAD_PATH = "/api/documents"
MULTIPART_SCHEMA = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["files"],
    "properties": {"files": {"type": "array", "items": {"type": "string", "format": "binary"},
                             "description": "One or more .txt, .md, .pdf, .docx or .html files."}}}}}}}


class Failure(BaseModel):
    doc: str
    reason: str


class JobOut(BaseModel):
    id: str = Field(description="Follow it with GET /api/uploads/{id}.")
    status: str = Field(description="queued, waiting (another ingest is running), running, done or failed.")
    docs: list[str]
    done: int = Field(description="Chunks embedded so far.")
    total: int = Field(description="Chunks to embed in all.")
    current: str | None
    message: str
    failed: list[Failure]


class Removed(BaseModel):
    removed: str


class Problem(BaseModel):
    detail: str


def refused(request: Request, key: str, status: int, **values) -> HTTPException:
    return HTTPException(status_code=status, detail=texts.UPLOAD_ERRORS[key][request_language(request)].format(**values))


def upload_body_limit(settings: Settings) -> int:
    """The largest multipart body worth reading: every file at its limit plus the form's overhead."""
    return settings.max_upload_bytes * settings.max_upload_files + 1024 * 1024


async def read_files(request: Request, settings: Settings) -> list[tuple[str | None, bytes]]:
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise refused(request, "not_multipart", 415)
    try:
        form = await request.form(max_files=settings.max_upload_files, max_fields=10)
    except (MultiPartException, StarletteHTTPException) as error:  # Starlette wraps parse errors in a 400
        detail = str(getattr(error, "detail", None) or error)
        if "too many files" in detail.lower():
            raise refused(request, "too_many_files", 413, limit=settings.max_upload_files) from None
        raise HTTPException(status_code=400, detail=detail) from None
    try:
        files = []
        for item in form.getlist("files"):
            if not isinstance(item, UploadFile):
                raise refused(request, "not_multipart", 415)
            # One byte over the limit is enough to know it is too large.
            files.append((item.filename, await item.read(settings.max_upload_bytes + 1)))
        return files
    finally:
        await form.close()


def build_router(settings: Settings) -> APIRouter:
    router = APIRouter()
    errors = {code: {"model": Problem} for code in (400, 401, 404, 409, 411, 413, 415, 422)}

    def app_state(request: Request):
        return request.app.state.hanke

    @router.post(UPLOAD_PATH, status_code=202, response_model=JobOut, responses=errors, openapi_extra=MULTIPART_SCHEMA,
                 summary="Add documents (bearer token); they are ingested in the background",
                 description=f"Multipart field `files`: at most {settings.max_upload_files} files of at most "
                             f"{settings.max_upload_mb} MB each. The whole request is refused (and nothing stored) if "
                             "any file is refused. A document with the same name is replaced.")
    async def upload(request: Request):
        require_token(request, settings)
        files = await read_files(request, settings)
        try:
            checked = await run_in_threadpool(uploads.check_batch, files, settings)
        except uploads.UploadRejected as error:
            raise refused(request, error.key, error.status, **error.values) from None
        state = app_state(request)
        if not state.jobs.busy and ingest_running(settings.data_dir):
            raise refused(request, "busy", 409)
        paths = uploads.store(checked, settings)
        return state.jobs.submit(paths, total=sum(c.chunks for c in checked)).public()

    @router.get("/api/uploads", response_model=list[JobOut], summary="Recent uploads and their progress, newest first")
    def recent_uploads(request: Request):
        return [job.public() for job in app_state(request).jobs.recent()]

    @router.get("/api/uploads/{job_id}", response_model=JobOut, responses={404: {"model": Problem}},
                summary="One upload's ingest progress")
    def upload_status(job_id: str, request: Request):
        job = app_state(request).jobs.get(job_id)
        if job is None:
            raise refused(request, "unknown_job", 404, job=job_id[:64])
        return job.public()

    @router.delete(UPLOAD_PATH + "/{doc}", response_model=Removed, responses=errors,
                   summary="Remove a document from the index (bearer token)")
    def delete_document(doc: str, request: Request):
        require_token(request, settings)
        state = app_state(request)
        if doc not in state.assistant.index.records:  # looked up in the index; never a path first
            raise refused(request, "unknown_document", 404, doc=doc[:200])
        try:
            removed = remove_documents([doc], settings)
        except IngestBusyError:
            raise refused(request, "busy", 409) from None
        uploads.forget(doc, settings)
        if removed:
            state.reload()
        return Removed(removed=doc)

    return router
