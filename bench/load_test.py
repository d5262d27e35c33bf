"""Load test: N concurrent clients ask the running web chat for a fixed time (loopback only).

Usage:
    HANKE_DATA_DIR=/tmp/webbench .venv/bin/hanke ingest corpus          # once: an index of corpus/
    .venv/bin/python bench/load_test.py --data-dir /tmp/webbench          # 20 clients, 60 s, own server
    .venv/bin/python bench/load_test.py --url http://127.0.0.1:8000 --pid 12345 --clients 20 --seconds 60
    .venv/bin/python bench/load_test.py --data-dir /tmp/webbench --during-upload corpus/003_5e17375439077f9d.txt

Each client is a thread with its own HTTP connection that sends `POST /api/ask` (Finnish and English
questions, cycled from a different starting point per client) back to back until the time is up or
`--max-requests` is reached. Every non-200 answer, timeout or connection error counts as an error.
With `--during-upload FILE` the script also uploads FILE (under a fresh name) right after the start,
so the figures show the chat answering while an ingest runs (the server then gets a generated token).

With `--long-clients N`, N more clients send 1,999-character questions back to back beside the normal
ones (the red team's fair-use case); their 429 answers are counted apart, not as errors, and the
figures (p50, p95) are the normal clients'. Every client then sends its own `X-Forwarded-For`
address and the server started here trusts 127.0.0.1 as a proxy, so that each is a client of its own
for the per-client limits; `--no-limits` starts it with those limits off (the "before" figures):

    .venv/bin/python bench/load_test.py --data-dir /tmp/webbench --long-clients 6 --no-limits
    .venv/bin/python bench/load_test.py --data-dir /tmp/webbench --long-clients 6
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_web import QUESTIONS, machine, memory_mb, percentile, server_log, start_server  # noqa: E402

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


LONG_QUESTION = ("Mikä oli Lieksan ja Juuan hankkeen tavoite, ja miten se toteutui? " * 40)[:1999]


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.limited = 0  # 429 answers (only long-question clients count them apart)
        self.sent = 0

    def claim(self, limit: int) -> bool:
        with self.lock:
            if self.sent >= limit:
                return False
            self.sent += 1
            return True

    def record(self, latency_ms: float | None, error: str | None) -> None:
        with self.lock:
            if error is None:
                self.latencies.append(latency_ms)
            else:
                self.errors.append(error)


def client_loop(url: str, offset: int, deadline: float, limit: int, tally: Tally, address: str | None = None,
                long_questions: bool = False) -> None:
    headers = {"X-Forwarded-For": address} if address else {}
    with httpx.Client(timeout=120, headers=headers) as client:
        i = offset
        while time.monotonic() < deadline and tally.claim(limit):
            question = LONG_QUESTION if long_questions else QUESTIONS[i % len(QUESTIONS)]
            i += 1
            started = time.perf_counter()
            try:
                response = client.post(f"{url}/api/ask", json={"question": question})
                if long_questions and response.status_code == 429:
                    with tally.lock:
                        tally.limited += 1
                    # A polite client waits as told; a flood would not, and costs the server nothing.
                    time.sleep(min(float(response.headers.get("retry-after", "1")), 1.0))
                    continue
                error = None if response.status_code == 200 else f"HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                error = type(exc).__name__
            tally.record((time.perf_counter() - started) * 1000, error)


def upload_during(url: str, path: Path, token: str) -> dict:
    """Upload `path` under a fresh name and wait for its ingest; returns the job and its duration."""
    name = f"load-{secrets.token_hex(4)}{path.suffix}"
    started = time.perf_counter()
    with httpx.Client(timeout=120) as client:
        job = client.post(f"{url}/api/documents", files=[("files", (name, path.read_bytes()))],
                          headers={"Authorization": f"Bearer {token}"}).json()
        while job.get("status") in ("queued", "waiting", "running"):
            time.sleep(0.5)
            job = client.get(f"{url}/api/uploads/{job['id']}").json()
    return {"doc": name, "status": job.get("status"), "chunks": job.get("total"),
            "seconds": round(time.perf_counter() - started, 1)}


def run(url: str, clients: int, seconds: float, limit: int, upload: Path | None, token: str | None,
        long_clients: int = 0) -> dict:
    tally, long_tally = Tally(), Tally()
    deadline = time.monotonic() + seconds
    addressed = long_clients > 0  # one X-Forwarded-For address per client, for the per-client limits
    threads = [threading.Thread(target=client_loop, args=(url, i * 3, deadline, limit, tally,
                                                          f"10.0.1.{i + 1}" if addressed else None))
               for i in range(clients)]
    threads += [threading.Thread(target=client_loop, args=(url, 0, deadline, limit, long_tally, f"10.0.2.{i + 1}", True))
                for i in range(long_clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    ingest = upload_during(url, upload, token) if upload else None
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    latencies = tally.latencies
    long = None
    if long_clients:
        long = {"clients": long_clients, "answered": len(long_tally.latencies), "refused_429": long_tally.limited,
                "errors": len(long_tally.errors),
                "p50_ms": round(percentile(long_tally.latencies, 0.5), 1) if long_tally.latencies else None}
    return {"clients": clients, "long_question_clients": long, "seconds": round(wall, 1),
            "requests": len(latencies) + len(tally.errors),
            "ok": len(latencies), "errors": len(tally.errors), "error_kinds": sorted(set(tally.errors)),
            "throughput_rps": round(len(latencies) / wall, 2),
            "p50_ms": round(percentile(latencies, 0.5), 1) if latencies else None,
            "p95_ms": round(percentile(latencies, 0.95), 1) if latencies else None,
            "max_ms": round(max(latencies), 1) if latencies else None, "upload": ingest}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--data-dir", type=Path, help="Start `hanke serve` on this index (stopped afterwards).")
    source.add_argument("--url", help="A running server on loopback, e.g. http://127.0.0.1:8000.")
    parser.add_argument("--pid", type=int, help="The running server's pid (for its memory), with --url.")
    parser.add_argument("--token", help="The running server's HANKE_API_TOKEN, with --url and --during-upload.")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--max-requests", type=int, default=100_000, help="Upper bound on requests in all.")
    parser.add_argument("--during-upload", type=Path, help="Upload this file while the clients ask.")
    parser.add_argument("--long-clients", type=int, default=0, help="More clients sending 1,999-character questions.")
    parser.add_argument("--no-limits", action="store_true", help="Start the server with the per-client limits off.")
    parser.add_argument("--json", type=Path, help="Also write the result here.")
    args = parser.parse_args()
    if not 1 <= args.clients <= 200 or not 1 <= args.seconds <= 600:
        sys.exit("--clients must be 1..200 and --seconds 1..600")

    process, start_seconds, token = None, None, args.token
    if args.url:
        if urlparse(args.url).hostname not in LOOPBACK:
            sys.exit("load tests run against loopback only (127.0.0.1, localhost or ::1)")
        url, pid = args.url.rstrip("/"), args.pid
    else:
        token = token or (secrets.token_urlsafe(24) if args.during_upload else None)
        env = {"HANKE_API_TOKEN": token} if token else {}
        if args.long_clients:
            env["HANKE_TRUSTED_PROXIES"] = '["127.0.0.1"]'
        if args.no_limits:
            env.update({"HANKE_CLIENT_MAX_CONCURRENT": "0", "HANKE_CLIENT_CHARS_PER_MINUTE": "0"})
        process, url, start_seconds = start_server(args.data_dir, env=env or None)
        pid = process.pid
    try:
        if args.during_upload and not token:
            sys.exit("--during-upload needs --token for a running server")
        result = run(url, args.clients, args.seconds, args.max_requests, args.during_upload, token, args.long_clients)
        result["limits"] = "off" if args.no_limits else "on"
        result.update({"server": memory_mb(pid), "server_start_s": start_seconds,
                       "server_exited": None if process is None else process.poll(),
                       "server_log": None if process is None else str(process.log_path), "machine": machine(),
                       "date": time.strftime("%Y-%m-%d %H:%M %Z")})
    finally:
        if process is not None:
            if process.poll() is not None:
                print(f"the server exited with {process.returncode} during the test:\n{server_log(process)}",
                      file=sys.stderr)
            process.terminate()
            process.wait(timeout=30)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if result["errors"]:
        sys.exit(f"{result['errors']} errors")


if __name__ == "__main__":
    main()
