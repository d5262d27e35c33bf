"""Background ingest of uploaded files: one worker thread, jobs in arrival order, progress per job.

The web keeps answering meanwhile: the worker writes through the normal ingest pipeline (holding
the data directory's writer lock) and, when a job is finished, asks the app to swap in a freshly
loaded index. Requests that already started keep the index they began with.

Every job is journaled (`ingest.upload_journal`): a failed one is quarantined with its reason and
never retried, a restart resumes only what was accepted and not finished, and a job can be
cancelled. Cancelling a running job stops it between two embedding batches, before its document is
written, and removes the documents that the job had already added.
"""

from __future__ import annotations

import queue
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from core.disk import DiskFullError
from core.settings import Settings
from ingest import upload_journal
from ingest.pipeline import IngestBusyError, ingest_paths, remove_documents
from ingest.uploads import confined, file_sha256, uploads_dir

KEEP_JOBS = 200
BUSY_RETRY_SECONDS = 2.0
BUSY_GIVE_UP_SECONDS = 30 * 60
FINAL = ("done", "failed", "cancelled", "superseded")


class IngestCancelled(Exception):
    """Raised from the progress callback of a job that was cancelled."""


@dataclass
class Job:
    id: str
    docs: list[str]
    total: int
    # queued → waiting (another ingest holds the lock) → running → done | failed | cancelled;
    # superseded: a newer ingest of the same names made it moot before it ran.
    status: str = "queued"
    done: int = 0
    current: str | None = None
    message: str = ""
    failed: list[tuple[str, str]] = field(default_factory=list)
    created: float = field(default_factory=time.time)
    chunks_by_doc: dict[str, int] = field(default_factory=dict)
    sha256: dict[str, str] = field(default_factory=dict)
    chunks: dict[str, int] = field(default_factory=dict)  # per doc, counted when it was accepted
    attempts: int = 0
    quarantined: list[str] = field(default_factory=list)
    cancel: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)

    def public(self) -> dict:
        return {"id": self.id, "status": self.status, "docs": self.docs, "done": self.done, "total": self.total,
                "current": self.current, "message": self.message,
                "failed": [{"doc": doc, "reason": reason} for doc, reason in self.failed],
                "quarantined": self.quarantined}

    def stored(self) -> dict:
        """The journal's copy (not `asdict`: it would deep-copy the Event and its lock)."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__ if name != "cancel"}

    @classmethod
    def from_stored(cls, data: dict) -> "Job":
        known = {name for name in cls.__dataclass_fields__ if name != "cancel"}
        job = cls(**{key: value for key, value in data.items() if key in known})
        job.failed = [tuple(item) for item in job.failed]
        return job

    def progress(self, doc: str, done: int, total: int) -> None:
        if self.cancel.is_set():
            raise IngestCancelled
        self.chunks_by_doc[doc] = done
        self.current = doc
        if total > self.chunks.get(doc, 0):  # a job resumed from before the journal had no counts
            self.chunks[doc] = total
            self.total = max(self.total, sum(self.chunks.values()))
        self.done = min(sum(self.chunks_by_doc.values()), self.total)


class IngestQueue:
    """Runs `ingest_paths` for each job on a daemon thread; `on_change` runs after each job that
    changed the index (the app reloads its index there)."""

    def __init__(self, settings: Settings, embeddings, on_change: Callable[[], None]):
        self.settings = settings
        self.embeddings = embeddings
        self.on_change = on_change
        self.jobs: OrderedDict[str, Job] = OrderedDict()
        self._queue: queue.Queue[tuple[Job, list[Path]]] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._active = 0

    @property
    def busy(self) -> bool:
        with self._lock:
            return self._active > 0

    def record(self, job: Job) -> None:
        """Journal the job's state (at every change of status, not at every progress tick)."""
        try:
            upload_journal.save(self.settings, job.stored())
        except OSError as error:  # the job goes on; the journal catches up at its next change
            job.message = job.message or f"cannot write the upload journal: {error.strerror}"

    def new_job(self, docs: list[str], sha256: dict[str, str], chunks: dict[str, int]) -> Job:
        """A job for accepted files, journaled before the files are stored (so that a stop between
        the two finds a job whose files are not its own, and leaves them alone)."""
        job = Job(id=uuid.uuid4().hex, docs=docs, total=sum(chunks.values()), sha256=sha256, chunks=chunks)
        self.record(job)
        return job

    def submit(self, job: Job, paths: list[Path]) -> Job:
        with self._lock:
            self.jobs[job.id] = job
            while len(self.jobs) > KEEP_JOBS:
                self.jobs.popitem(last=False)
            self._active += 1
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._work, name="hanke-ingest", daemon=True)
                self._thread.start()
        self._queue.put((job, paths))
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self.jobs.get(job_id)

    def recent(self) -> list[Job]:
        with self._lock:
            return list(self.jobs.values())[::-1]

    def cancel(self, job: Job, wait_seconds: float = 60.0) -> Job:
        """Cancel a job: a queued one never runs; a running one stops before its next write. Waits
        (at most `wait_seconds`) until the job has ended."""
        job.cancel.set()
        with self._lock:
            queued = job.status == "queued"  # not started: settled here, the worker skips it
            if queued:
                job.status = "cancelled"
        if queued:
            self._cancelled(job, [], [confined(uploads_dir(self.settings), doc) for doc in job.docs])
            return job
        deadline = time.monotonic() + wait_seconds
        while job.status not in FINAL and time.monotonic() < deadline:
            time.sleep(0.1)
        return job

    def resume(self, indexed: dict[str, str]) -> None:
        """At start: the journaled jobs, each settled or queued again (see `ingest.upload_journal`),
        and stored uploads from before the journal that the index lacks."""
        journaled: set[str] = set()
        for data in upload_journal.load_all(self.settings):
            job = Job.from_stored(data)
            journaled.update(job.docs)
            if job.status in upload_journal.ACTIVE:
                self._settle_unfinished(job, indexed)
            with self._lock:
                self.jobs[job.id] = job
        upload_journal.prune(self.settings)
        folder = uploads_dir(self.settings)
        legacy = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")
                        and p.name not in journaled and p.name not in indexed) if folder.is_dir() else []
        if legacy:
            job = self.new_job([p.name for p in legacy], {p.name: file_sha256(p) or "" for p in legacy},
                               {p.name: 0 for p in legacy})
            self.submit(job, legacy)
        for leftover in folder.glob(".staging-*") if folder.is_dir() else []:
            import shutil

            shutil.rmtree(leftover, ignore_errors=True)  # a stop while an upload was being stored

    def _settle_unfinished(self, job: Job, indexed: dict[str, str]) -> None:
        job.current, job.done, job.chunks_by_doc = None, 0, {}
        if job.status == "running" and job.attempts >= upload_journal.MAX_ATTEMPTS:
            reason = f"the server stopped during this upload's ingest {job.attempts} times"
            job.failed = [(doc, reason) for doc in job.docs]
            job.quarantined = upload_journal.quarantine(self.settings, job.stored(), job.docs)
            job.status, job.message = "failed", reason
            self.record(job)
            return
        resume, superseded = upload_journal.resumable_docs(self.settings, job.stored(), indexed)
        if superseded:
            job.message = "newer versions were indexed since: " + ", ".join(superseded)
        if not resume:
            job.status = "superseded" if superseded else "done"
            self.record(job)
            return
        job.status, job.total = "queued", sum(job.chunks.get(doc, 0) for doc in resume)
        self.record(job)
        self.submit(job, [confined(uploads_dir(self.settings), doc) for doc in resume])

    def _work(self) -> None:
        while True:
            job, paths = self._queue.get()
            try:
                with self._lock:
                    settled = job.status == "cancelled"  # cancelled while queued: already done with
                    if not settled:
                        job.status = "running"
                if not settled:
                    self._run(job, paths)
            except Exception as error:  # never let the worker die: the next jobs must still run
                job.status, job.message = "failed", f"{type(error).__name__}: {error}"
                self.record(job)
            finally:
                with self._lock:
                    self._active -= 1
                self._queue.task_done()

    def _run(self, job: Job, paths: list[Path]) -> None:
        deadline = time.monotonic() + BUSY_GIVE_UP_SECONDS
        before = set(self._indexed(job.docs))
        while True:
            if job.cancel.is_set():
                return self._cancelled(job, [], paths)
            try:
                job.status = "running"
                job.attempts += 1
                self.record(job)
                report = ingest_paths(paths, self.settings, self.embeddings, job.progress, prune=False)
                break
            except IngestBusyError as error:
                job.attempts -= 1
                if time.monotonic() > deadline:
                    return self._failed(job, str(error), [(p.name, str(error)) for p in paths])
                job.status = "waiting"
                self.record(job)
                time.sleep(BUSY_RETRY_SECONDS)
            except IngestCancelled:
                added = [doc for doc in self._indexed(job.docs) if doc not in before]
                return self._cancelled(job, added, paths)
            except DiskFullError as error:
                job.status, job.message, job.current = "failed", str(error), None
                return self.record(job)
            except Exception as error:  # the job fails, the server and the other jobs go on
                return self._failed(job, f"{type(error).__name__}: {error}", [(p.name, str(error)) for p in paths])
        job.failed = report.failed
        job.current = None
        if report.added or report.updated or report.removed:
            try:
                self.on_change()
            except Exception as error:
                job.status, job.message = "failed", f"index reload failed: {error}"
                self.record(job)
                return
        if report.disk_full:  # not the files' fault: kept in uploads/, not quarantined; upload them again
            job.failed, job.status, job.message = report.failed, "failed", report.disk_full
            self.record(job)
        elif report.failed:
            self._failed(job, "; ".join(f"{doc}: {reason}" for doc, reason in report.failed), report.failed)
        else:
            job.status, job.done = "done", job.total
            self.record(job)

    def _failed(self, job: Job, message: str, failed: list[tuple[str, str]]) -> None:
        """A failed job's files leave the resume queue for the quarantine, with the reason shown."""
        job.failed, job.current = failed, None
        job.quarantined = upload_journal.quarantine(self.settings, job.stored(), [doc for doc, _ in failed])
        job.status, job.message = "failed", message
        self.record(job)

    def _cancelled(self, job: Job, added: list[str], paths: list[Path]) -> None:
        """Leave the index as it was: documents the job added are removed again; its stored files go."""
        if added:
            remove_documents(added, self.settings)
            self.on_change()
        for path in paths:
            if file_sha256(path) == job.sha256.get(path.name):
                path.unlink(missing_ok=True)
        job.status, job.current = "cancelled", None
        job.message = "cancelled" + (f"; removed again: {', '.join(added)}" if added else "")
        self.record(job)

    def _indexed(self, docs: list[str]) -> list[str]:
        """Those of `docs` that have a record (only their files are looked at, not every record)."""
        from core.store import DocumentStore

        store = DocumentStore(self.settings.data_dir)
        return [doc for doc in docs if store.path_for(doc).is_file()]

    def abandon(self, job: Job, reason: str) -> None:
        """A job whose files could not be stored: journaled as failed, never run."""
        job.status, job.message = "failed", reason
        self.record(job)

    def active_job_of(self, doc: str) -> Job | None:
        with self._lock:
            return next((job for job in self.jobs.values() if doc in job.docs and job.status not in FINAL), None)
