"""One upload job's store work in a process of its own: `python -m ingest.upload_worker`.

The web server used to ingest uploads in a thread of its own process. A store write that gets stuck
inside Chroma's Rust code (a full disk; a SQLite lock held by another process) holds the GIL of the
process it runs in, and in the server that stopped `/healthz`, every answer and even SIGTERM. Run
here, a stuck write stops only this process: the server keeps answering, and it ends this process
(SIGTERM, then SIGKILL) when the job is cancelled or the server shuts down. The process loads the
embedding model itself, only when it has something to embed.

Actions:
- `ingest`: `ingest_paths(paths, prune=False)`, reporting progress as it goes.
- `remove`: remove documents from the index (`DELETE /api/documents/{doc}`).
- `clean`: after a job was stopped part way: remove the documents it had added, then check that
  records, Chroma and the keyword index agree and repair what the stop left (`check_index`).

Protocol: the request is one JSON object on stdin: `{"action", "settings", "paths", "remove",
"parent"}`. Messages are JSON lines on the process's original stdout (anything a library prints is
sent to stderr instead):
- `{"progress": [doc, done, total]}` while embedding;
- `{"report": {...}}` (an `IngestReport`, or `{"removed": [...], "repaired": [...]}` for `clean`),
  with `"peak_rss_mb"`, at the end;
- `{"error": "busy" | "disk_full" | "failed", "message": "..."}` instead of a report.

Nothing in here imports from `assistant/`.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from dataclasses import asdict

def _die_with_parent(parent: int | None) -> None:
    """Linux: the kernel kills this process when the server dies (even by SIGKILL), so a stuck or
    running ingest never outlives the server that would journal its result."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if parent is not None and os.getppid() != parent:  # the parent died before the line above
        os._exit(1)


def peak_rss_mb() -> float | None:
    """This process's peak resident memory (VmHWM), in MB."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


class LazyEmbeddings:
    """The embedding model, loaded at the first text to embed (a `clean` rarely needs it)."""

    def __init__(self, settings):
        self.settings = settings
        self._model = None

    def _loaded(self):
        if self._model is None:
            from core.embeddings import load_embeddings

            self._model = load_embeddings(self.settings)
        return self._model

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._loaded().embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self._loaded().embed_query(text)


def run(request: dict, send) -> None:
    from pathlib import Path

    from core.disk import DiskFullError, is_disk_full
    from core.settings import Settings
    from ingest.pipeline import IngestBusyError, check_index, ingest_paths, remove_documents

    settings = Settings(**request["settings"])
    embeddings = LazyEmbeddings(settings)
    try:
        if request["action"] == "ingest":
            paths = [Path(p) for p in request["paths"]]
            report = ingest_paths(paths, settings, embeddings, prune=False,
                                  progress=lambda doc, done, total: send({"progress": [doc, done, total]}))
            send({"report": asdict(report), "peak_rss_mb": peak_rss_mb()})
        elif request["action"] == "remove":
            send({"report": {"removed": remove_documents(request.get("remove") or [], settings)},
                  "peak_rss_mb": peak_rss_mb()})
        elif request["action"] == "clean":
            removed = remove_documents(request.get("remove") or [], settings) if request.get("remove") else []
            found, repaired = check_index(settings, repair=True, embeddings=embeddings)
            send({"report": {"removed": removed, "repaired": repaired, "ok": found.ok}, "peak_rss_mb": peak_rss_mb()})
        else:
            send({"error": "failed", "message": f"unknown action {request['action']!r}"})
    except IngestBusyError as error:
        send({"error": "busy", "message": str(error)})
    except DiskFullError as error:
        send({"error": "disk_full", "message": str(error)})
    except Exception as error:  # reported to the job (and quarantined there); the traceback goes to stderr
        if is_disk_full(error):  # the store's own words for a full disk: not the file's fault
            send({"error": "disk_full", "message": str(DiskFullError(settings.data_dir))})
            return
        import traceback

        traceback.print_exc(file=sys.stderr)
        send({"error": "failed", "message": f"{type(error).__name__}: {error}"})


def main() -> None:
    # Messages go to the original stdout; whatever a library prints goes to stderr from here on.
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    request = json.loads(sys.stdin.readline())
    _die_with_parent(request.get("parent"))

    def send(message: dict) -> None:
        channel.write(json.dumps(message, ensure_ascii=False) + "\n")
        channel.flush()

    run(request, send)
    channel.close()


if __name__ == "__main__":
    main()
