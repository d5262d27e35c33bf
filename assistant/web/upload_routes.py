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
from assistant.web.jobs import FINAL
from core.disk import DiskFullError, is_disk_full
from core.settings import Settings
from ingest import uploads
from ingest.pipeline import IngestBusyError, ingest_running

UPLOAD_PATH = "/api/documents"
MULTIPART_SCHEMA = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["files"],
    "properties": {"files": {"type": "array", "items": {"type": "string", "format": "binary"},
                             "description": "One or more .txt, .md, .pdf, .docx or .html files."}}}}}}}


class Failure(BaseModel):
    doc: str
    reason: str


class OcrPages(BaseModel):
    doc: str
    pages: str = Field(description='Page numbers, e.g. "1–3, 5".')


class JobOut(BaseModel):
    id: str = Field(description="Follow it with GET /api/uploads/{id}.")
    status: str = Field(description="queued, waiting (another ingest is running), running, done, failed, "
                                    "cancelled or superseded (a newer ingest of the same name came first).")
    docs: list[str]
    done: int = Field(description="Chunks embedded so far.")
    total: int = Field(description="Chunks to embed in all.")
    current: str | None
    message: str
    failed: list[Failure]
    quarantined: list[str] = Field(default_factory=list, description="Files of a failed job moved out of the "
                                   "resume queue (to <HANKE_DATA_DIR>/quarantine/<id>/); they are never retried.")
    ocr: list[OcrPages] = Field(default_factory=list, description="Scanned documents and the pages read by OCR.")


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
    errors = {code: {"model": Problem} for code in (400, 401, 404, 409, 411, 413, 415, 422, 500, 507)}

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
        state = app_state(request)
        taken = set(state.assistant.index.records) | uploads.stored_names(settings)
        try:
            checked = await run_in_threadpool(uploads.check_batch, files, settings, taken)
        except uploads.UploadRejected as error:
            raise refused(request, error.key, error.status, **error.values) from None
        if not state.jobs.busy and ingest_running(settings.data_dir):
            raise refused(request, "busy", 409)
        # Journal and files are written off the event loop: answers go on even if the disk is slow.
        job = await run_in_threadpool(state.jobs.new_job, [c.doc for c in checked],
                                      {c.doc: c.sha256 for c in checked}, {c.doc: c.chunks for c in checked})
        try:
            paths = await run_in_threadpool(uploads.store, checked, settings)
        except (OSError, DiskFullError) as error:  # nothing of the request is kept (`store` removes what it wrote)
            await run_in_threadpool(state.jobs.abandon, job, f"not stored: {error}")
            if is_disk_full(error):
                raise refused(request, "no_space", 507, dir=str(uploads.uploads_dir(settings))) from None
            raise refused(request, "store_failed", 500, reason=getattr(error, "strerror", None) or type(error).__name__) from None
        return state.jobs.submit(job, paths).public()

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

    @router.delete("/api/uploads/{job_id}", response_model=JobOut, responses=errors,
                   summary="Cancel an upload (bearer token); a running ingest stops and the index stays as it was")
    def cancel_upload(job_id: str, request: Request):
        require_token(request, settings)
        jobs = app_state(request).jobs
        job = jobs.get(job_id)
        if job is None:
            raise refused(request, "unknown_job", 404, job=job_id[:64])
        if job.status in FINAL:
            raise refused(request, "job_finished", 409, job=job_id[:64], state=job.status)
        return jobs.cancel(job).public()

    @router.delete(UPLOAD_PATH + "/{doc}", response_model=Removed, responses=errors,
                   summary="Remove a document from the index (bearer token); one still being ingested is cancelled")
    def delete_document(doc: str, request: Request):
        require_token(request, settings)
        state = app_state(request)
        if doc not in state.assistant.index.records:  # looked up in the index; never a path first
            in_progress = state.jobs.active_job_of(doc)
            if in_progress is not None:
                state.jobs.cancel(in_progress)
                return Removed(removed=doc)
            raise refused(request, "unknown_document", 404, doc=doc[:200])
        try:
            state.jobs.remove_documents([doc])  # in a child process; the app reloads its index after it
        except IngestBusyError:
            raise refused(request, "busy", 409) from None
        except DiskFullError:
            raise refused(request, "no_space", 507, dir=str(settings.data_dir)) from None
        except RuntimeError as error:
            raise refused(request, "remove_failed", 500, reason=str(error)[:300]) from None
        uploads.forget(doc, settings)
        return Removed(removed=doc)

    return router
