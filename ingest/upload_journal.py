"""The upload jobs' journal: one JSON file per job under `<data_dir>/upload_jobs/`, rewritten (atomically)
at every change of its status, so that a restarted server knows what each stored upload is:

- accepted and not yet finished (queued, waiting, running): resumed, but only the files that are still
  the ones accepted and only where the index does not hold something newer for that name;
- failed: its files are moved to `<data_dir>/quarantine/<job>/` and never retried; the job is shown
  with its reason. A job the server died in twice is quarantined the same way (a file that kills
  the process must not kill it at every start);
- done, cancelled or superseded: nothing to do.

Before the journal existed, a stored upload whose hash differed from the index was ingested again at
every start: a failed upload was retried forever, and a newer `hanke ingest` of the same name was undone.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from core.settings import Settings
from ingest.uploads import confined, file_sha256, uploads_dir

ACTIVE = ("queued", "waiting", "running")
MAX_ATTEMPTS = 2
KEEP_FINISHED = 200


def journal_dir(settings: Settings) -> Path:
    return settings.data_dir / "upload_jobs"


def quarantine_dir(settings: Settings, job_id: str) -> Path:
    return settings.data_dir / "quarantine" / job_id


def _path(settings: Settings, job_id: str) -> Path:
    if not job_id.isalnum():  # ids are uuid4 hex; never a path from elsewhere
        raise ValueError(f"bad job id {job_id[:40]!r}")
    return journal_dir(settings) / f"{job_id}.json"


def save(settings: Settings, job: dict) -> None:
    path = _path(settings, job["id"])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(job, handle, ensure_ascii=False)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def load_all(settings: Settings) -> list[dict]:
    """Every journaled job, oldest first; unreadable entries (a torn write) are skipped."""
    folder = journal_dir(settings)
    if not folder.is_dir():
        return []
    jobs = []
    for path in folder.glob("*.json"):
        try:
            jobs.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    return sorted(jobs, key=lambda job: job.get("created", 0))


def prune(settings: Settings) -> None:
    """Forget the oldest finished jobs beyond `KEEP_FINISHED`."""
    finished = [job for job in load_all(settings) if job.get("status") not in ACTIVE]
    for job in finished[:-KEEP_FINISHED]:
        _path(settings, job["id"]).unlink(missing_ok=True)


def quarantine(settings: Settings, job: dict, docs: list[str]) -> list[str]:
    """Move the job's stored files of `docs` out of `uploads/` (only those that are still the job's:
    a newer upload of the same name owns the file otherwise). Returns the names moved."""
    moved = []
    for doc in docs:
        try:
            source = confined(uploads_dir(settings), doc)
        except Exception:
            continue
        if file_sha256(source) != job.get("sha256", {}).get(doc):
            continue
        target = quarantine_dir(settings, job["id"])
        target.mkdir(parents=True, exist_ok=True)
        shutil.move(str(source), str(confined(target, doc)))
        moved.append(doc)
    return moved


def record_mtime(settings: Settings, doc: str) -> float | None:
    from core.store import DocumentStore

    try:
        return DocumentStore(settings.data_dir).path_for(doc).stat().st_mtime
    except OSError:
        return None


def resumable_docs(settings: Settings, job: dict, indexed: dict[str, str]) -> tuple[list[str], list[str]]:
    """(docs to ingest again, docs superseded by a newer ingest) of an unfinished job. `indexed` maps
    the index's documents to their content hashes."""
    resume, superseded = [], []
    for doc in job["docs"]:
        wanted = job.get("sha256", {}).get(doc)
        if indexed.get(doc) == wanted:
            continue  # finished before the stop
        try:
            stored = file_sha256(confined(uploads_dir(settings), doc))
        except Exception:
            stored = None
        written = record_mtime(settings, doc)
        if stored != wanted or (written is not None and written > job.get("created", 0)):
            superseded.append(doc)  # a later upload or `hanke ingest` wrote this name since
        else:
            resume.append(doc)
    return resume, superseded
