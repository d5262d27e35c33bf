"""Background ingest of uploaded files: one job at a time, in arrival order, progress per job.

Each job's store work runs in a child process (`python -m ingest.upload_worker`), never in the
server's own: a write stuck inside Chroma's Rust code holds the GIL of its process, and in the
server that stopped `/healthz`, every answer and SIGTERM. A worker thread here starts the child,
reads its progress and result from a pipe (which holds no lock and no GIL while it waits) and, when
a job changed the index, asks the app to swap in a freshly loaded index. Requests that already
started keep the index they began with.

Every job is journaled (`ingest.upload_journal`): a failed one is quarantined with its reason and
never retried, a restart resumes only what was accepted and not finished, and a job can be
cancelled. Cancelling a running job ends its child (SIGTERM, then SIGKILL after `STOP_GRACE_SECONDS`)
wherever it is, even stuck in a write; a second child then removes the documents that the job had
already added and repairs what the stop left half written (`ingest.pipeline.check_index`), so the
index is as it was. At shutdown the running child is ended the same way and its job stays
unfinished in the journal, so that the next start resumes it.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import ingest
from assistant.texts import page_ranges
from core.settings import Settings
from ingest import upload_journal
from core.disk import DiskFullError
from ingest.pipeline import IngestBusyError, IngestReport
from ingest.uploads import confined, file_sha256, uploads_dir

KEEP_JOBS = 200
BUSY_RETRY_SECONDS = 2.0
BUSY_GIVE_UP_SECONDS = 30 * 60
FINAL = ("done", "failed", "cancelled", "superseded")
STOP_GRACE_SECONDS = 5.0  # after SIGTERM, before SIGKILL
WORKER = [sys.executable, "-m", "ingest.upload_worker"]


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
    ocr: dict[str, list[int]] = field(default_factory=dict)  # document → pages read by OCR
    cancel: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)

    def public(self) -> dict:
        return {"id": self.id, "status": self.status, "docs": self.docs, "done": self.done, "total": self.total,
                "current": self.current, "message": self.message,
                "failed": [{"doc": doc, "reason": reason} for doc, reason in self.failed],
                "quarantined": self.quarantined,
                "ocr": [{"doc": doc, "pages": page_ranges(pages)} for doc, pages in sorted(self.ocr.items())]}

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
        self.chunks_by_doc[doc] = done
        self.current = doc
        if total > self.chunks.get(doc, 0):  # a job resumed from before the journal had no counts
            self.chunks[doc] = total
            self.total = max(self.total, sum(self.chunks.values()))
        self.done = min(sum(self.chunks_by_doc.values()), self.total)


def end_process(process: subprocess.Popen, grace: float = STOP_GRACE_SECONDS) -> None:
    """SIGTERM (which ends the child even inside Rust code: it installs no handler), then SIGKILL."""
    if process.poll() is not None:
        return
    try:
        process.terminate()
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(grace)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        pass


def worker_env() -> dict[str, str]:
    """The server's environment, with this code first on the path (the server may run from a checkout)."""
    root = str(Path(ingest.__file__).resolve().parent.parent)
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": root + (os.pathsep + path if path else "")}


class IngestQueue:
    """Runs each job's ingest in a child process (`ingest.upload_worker`), one job at a time, from a
    daemon thread; `on_change` runs after each job that changed the index (the app reloads its index
    there)."""

    def __init__(self, settings: Settings, on_change: Callable[[], None]):
        self.settings = settings
        self.on_change = on_change
        self.jobs: OrderedDict[str, Job] = OrderedDict()
        self._queue: queue.Queue[tuple[Job, list[Path]]] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._active = 0
        self._children: dict[subprocess.Popen, Job | None] = {}  # running children and their jobs
        self._stopping = threading.Event()

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
        """Cancel a job: a queued one never runs; a running one's child is ended wherever it is (the
        worker thread then puts the index back as it was). Waits (at most `wait_seconds`) until the
        job has ended."""
        job.cancel.set()
        with self._lock:
            queued = job.status == "queued"  # not started: settled here, the worker skips it
            if queued:
                job.status = "cancelled"
            child = next((process for process, owner in self._children.items() if owner is job), None)
        if queued:
            self._cancelled(job, [], [confined(uploads_dir(self.settings), doc) for doc in job.docs], started=False)
            return job
        if child is not None:
            end_process(child)
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
                    if not settled and not self._stopping.is_set():
                        job.status = "running"
                if not settled and not self._stopping.is_set():  # stopping: stays queued for the next start
                    self._run(job, paths)
            except Exception as error:  # never let the worker die: the next jobs must still run
                job.status, job.message = "failed", f"{type(error).__name__}: {error}"
                self.record(job)
            finally:
                with self._lock:
                    self._active -= 1
                self._queue.task_done()

    def shutdown(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """At server shutdown: end the running child (SIGTERM, then SIGKILL) and leave its job
        unfinished in the journal (the next start resumes it); queued jobs stay queued. Returns
        within about twice `grace`."""
        self._stopping.set()
        with self._lock:
            children = list(self._children)
            thread = self._thread
        for child in children:
            end_process(child, grace)
        if thread is not None and thread.is_alive():
            thread.join(grace)  # the job's journal entry is written before the process exits

    def _in_child(self, job: Job | None, action: str, paths: list[Path] = (), remove: list[str] = ()) -> dict | None:
        """Run `action` in a child process (`ingest.upload_worker`) and return its last message, or
        None when it ended without one (ended by cancel or shutdown, or killed by the system)."""
        request = {"action": action, "settings": self.settings.model_dump(mode="json"),
                   "paths": [str(p) for p in paths], "remove": list(remove), "parent": os.getpid()}
        # Its own session: a Ctrl+C at the server's terminal reaches the server, which ends the child.
        process = subprocess.Popen(WORKER, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=worker_env(),
                                   text=True, encoding="utf-8", start_new_session=True)
        with self._lock:
            self._children[process] = job
        try:
            if self._stopping.is_set() or (job is not None and job.cancel.is_set()):
                end_process(process)  # cancelled or stopping before `cancel`/`shutdown` could see it
            try:
                process.stdin.write(json.dumps(request) + "\n")
                process.stdin.close()
            except OSError:  # it was ended already
                pass
            last = None
            for line in process.stdout:  # waits in a read: holds no lock and no GIL
                try:
                    message = json.loads(line)
                except ValueError:
                    continue
                if "progress" in message:
                    if job is not None:
                        job.progress(*message["progress"])
                else:
                    last = message
            process.wait()
            return last
        finally:
            with self._lock:
                self._children.pop(process, None)
            end_process(process)

    def remove_documents(self, docs: list[str]) -> list[str]:
        """Remove documents from the index in a child process (a store write never runs in the
        server's); returns those removed. Raises `IngestBusyError` while another ingest writes,
        `DiskFullError` on a full disk, `RuntimeError` otherwise."""
        message = self._in_child(None, "remove", remove=docs) or {}
        if "report" in message:
            if message["report"]["removed"]:
                self.on_change()
            return message["report"]["removed"]
        if message.get("error") == "busy":
            raise IngestBusyError(message["message"])
        if message.get("error") == "disk_full":
            raise DiskFullError(self.settings.data_dir)
        raise RuntimeError(message.get("message") or "the removal was stopped")

    def _run(self, job: Job, paths: list[Path]) -> None:
        deadline = time.monotonic() + BUSY_GIVE_UP_SECONDS
        before = set(self._indexed(job.docs))
        started = False
        while True:
            if self._stopping.is_set():
                return self._interrupted(job)
            if job.cancel.is_set():
                return self._cancelled(job, [], paths, started)
            job.status = "running"
            job.attempts += 1
            self.record(job)
            started = True
            message = self._in_child(job, "ingest", paths)
            if job.cancel.is_set():  # even if it finished meanwhile: the index goes back as it was
                added = [doc for doc in self._indexed(job.docs) if doc not in before]
                return self._cancelled(job, added, paths, started)
            if message is None:
                if self._stopping.is_set():
                    return self._interrupted(job)
                reason = "the ingest process ended without a result (killed by the system, perhaps for lack of memory)"
                return self._failed(job, reason, [(p.name, reason) for p in paths])
            error = message.get("error")
            if error == "busy":
                job.attempts -= 1
                if time.monotonic() > deadline:
                    return self._failed(job, message["message"], [(p.name, message["message"]) for p in paths])
                job.status = "waiting"
                self.record(job)
                time.sleep(BUSY_RETRY_SECONDS)
                continue
            if error == "disk_full":  # not the files' fault: kept in uploads/, not quarantined
                job.status, job.message, job.current = "failed", message["message"], None
                return self.record(job)
            if error:  # the job fails, the server and the other jobs go on
                return self._failed(job, message["message"], [(p.name, message["message"]) for p in paths])
            report = IngestReport(**{key: value for key, value in message["report"].items()
                                     if key in IngestReport.__dataclass_fields__})
            report.failed = [tuple(item) for item in report.failed]
            break
        job.failed = report.failed
        job.ocr = {doc: list(pages) for doc, pages in report.ocr.items()}
        job.current = None
        if report.added or report.updated or report.removed or report.repaired:
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

    def _interrupted(self, job: Job) -> None:
        """The server is shutting down: the job stays unfinished in the journal and the next start
        resumes it. A stop asked for is not a crash: it does not count towards the quarantine."""
        job.status, job.current = "queued", None
        job.attempts = max(0, job.attempts - 1)
        job.message = "interrupted by a server stop; resumed at the next start"
        self.record(job)

    def _failed(self, job: Job, message: str, failed: list[tuple[str, str]]) -> None:
        """A failed job's files leave the resume queue for the quarantine, with the reason shown."""
        job.failed, job.current = failed, None
        job.quarantined = upload_journal.quarantine(self.settings, job.stored(), [doc for doc, _ in failed])
        job.status, job.message = "failed", message
        self.record(job)

    def _cancelled(self, job: Job, added: list[str], paths: list[Path], started: bool = True) -> None:
        """Leave the index as it was: a child that was started may have been ended part way, so a
        second child removes the documents the job added and repairs what the stop left half
        written; the job's stored files go."""
        note = ""
        if started and not self._stopping.is_set():
            message = self._in_child(None, "clean", remove=added)
            report = (message or {}).get("report")
            if report is None:
                note = "; the index is checked and repaired at the next ingest (" + (
                    (message or {}).get("message") or "the clean-up did not finish") + ")"
            elif report.get("removed") or report.get("repaired"):
                self.on_change()
        for path in paths:
            if file_sha256(path) == job.sha256.get(path.name):
                path.unlink(missing_ok=True)
        job.status, job.current = "cancelled", None
        job.message = "cancelled" + (f"; removed again: {', '.join(added)}" if added else "") + note
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
