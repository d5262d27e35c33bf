"""Background ingest of uploaded files: one worker thread, jobs in arrival order, progress per job.

The web keeps answering meanwhile: the worker writes through the normal ingest pipeline (holding
the data directory's writer lock) and, when a job is finished, asks the app to swap in a freshly
loaded index. Requests that already started keep the index they began with.
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

from core.settings import Settings
from ingest.pipeline import IngestBusyError, ingest_paths

KEEP_JOBS = 200
BUSY_RETRY_SECONDS = 2.0
BUSY_GIVE_UP_SECONDS = 30 * 60


@dataclass
class Job:
    id: str
    docs: list[str]
    total: int
    status: str = "queued"  # queued → waiting (another ingest holds the lock) → running → done | failed
    done: int = 0
    current: str | None = None
    message: str = ""
    failed: list[tuple[str, str]] = field(default_factory=list)
    created: float = field(default_factory=time.time)
    chunks_by_doc: dict[str, int] = field(default_factory=dict)

    def public(self) -> dict:
        return {"id": self.id, "status": self.status, "docs": self.docs, "done": self.done, "total": self.total,
                "current": self.current, "message": self.message,
                "failed": [{"doc": doc, "reason": reason} for doc, reason in self.failed]}

    def progress(self, doc: str, done: int, total: int) -> None:
        self.chunks_by_doc[doc] = done
        self.current = doc
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

    def submit(self, paths: list[Path], total: int) -> Job:
        job = Job(id=uuid.uuid4().hex, docs=[p.name for p in paths], total=total)
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

    def _work(self) -> None:
        while True:
            job, paths = self._queue.get()
            try:
                self._run(job, paths)
            finally:
                with self._lock:
                    self._active -= 1
                self._queue.task_done()

    def _run(self, job: Job, paths: list[Path]) -> None:
        deadline = time.monotonic() + BUSY_GIVE_UP_SECONDS
        while True:
            try:
                job.status = "running"
                report = ingest_paths(paths, self.settings, self.embeddings, job.progress, prune=False)
                break
            except IngestBusyError as error:
                if time.monotonic() > deadline:
                    job.status, job.message = "failed", str(error)
                    return
                job.status = "waiting"
                time.sleep(BUSY_RETRY_SECONDS)
            except Exception as error:  # the job fails, the server and the other jobs go on
                job.status, job.message = "failed", f"{type(error).__name__}: {error}"
                return
        job.failed = report.failed
        job.current = None
        if report.added or report.updated or report.removed:
            try:
                self.on_change()
            except Exception as error:
                job.status, job.message = "failed", f"index reload failed: {error}"
                return
        if report.failed:
            job.status, job.message = "failed", "; ".join(f"{doc}: {reason}" for doc, reason in report.failed)
        else:
            job.status, job.done = "done", job.total
