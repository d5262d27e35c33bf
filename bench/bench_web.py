"""Web benchmark: warm `POST /api/ask` latency (p50/p95) and the server's memory.

Usage:
    HANKE_DATA_DIR=/tmp/webbench .venv/bin/hanke ingest corpus        # once: an index of corpus/
    .venv/bin/python bench/bench_web.py --data-dir /tmp/webbench      # starts `hanke serve` itself
    .venv/bin/python bench/bench_web.py --data-dir /tmp/webbench --concurrency 1 4 --json bench/web.json
    .venv/bin/python bench/bench_web.py --url http://127.0.0.1:8000 --pid 12345   # a running server

A started server is a real `hanke serve` (uvicorn, one process) on a free loopback port; its start-up
time is until /healthz reports the model loaded. Each concurrency level sends `--requests` questions
(Finnish and English, cycled) after `--warmup` unmeasured ones. Latency is measured by the client
(HTTP included); the server's own `timings_ms.total` is reported beside it. Memory is the server
process's VmRSS (now) and VmHWM (peak) from /proc/<pid>/status.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]

QUESTIONS = [
    "Paljonko Uudet kasvot -hankkeelle myönnettiin EU- ja valtion rahoitusta?",
    "How many doctor appointments did the Lieksa project have?",
    "Montako lääkäriaikaa Lieksan hankkeessa oli?",
    "What was the goal of the Työllisyyspalveluiden kehittämishanke project?",
    "Milloin Uudet kasvot -hanke päättyi?",
    "How much EU and state funding did the S20283 project get?",
    "Kuka oli Kohti työtä ja koulutusta -hankkeen yhteyshenkilö?",
    "How many participants did Kohti työtä ja koulutusta have?",
    "Mikä oli Työllisyyspalveluiden kehittämishankkeen tavoite?",
    "When did the Kohti työtä ja koulutusta project start?",
    "Paljonko hankehenkilöstön palkkakustannukset olivat?",
    "Which municipalities took part in the Uudet kasvot project?",
    "Miten Uudet kasvot -hankkeen toteutunut rahoitus poikkesi suunnitellusta?",
    "What is the budget of the Helsinki metro extension?",
    "Montako asiakasta ohjattiin kuntoutukseen?",
    "Which project got the most funding?",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def memory_mb(pid: int | None) -> dict[str, float | None]:
    """VmRSS and VmHWM (peak RSS) of a process, in MiB."""
    values: dict[str, float | None] = {"rss_mb": None, "peak_rss_mb": None}
    if pid is None:
        return values
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values["rss_mb" if key == "VmRSS" else "peak_rss_mb"] = round(int(rest.split()[0]) / 1024, 1)
    except OSError:
        pass
    return values


def machine() -> dict:
    model = ""
    try:
        model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                      if line.startswith("model name")), "")
    except OSError:
        pass
    try:
        total = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                     if line.startswith("MemTotal"))
        memory = f"{total / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration):
        memory = "?"
    gpu = Path("/dev/nvidia0").exists()
    return {"cpus": os.cpu_count(), "cpu": model, "memory": memory, "gpu": "yes" if gpu else "none",
            "python": platform.python_version()}


def start_server(data_dir: Path, timeout: float = 300, env: dict | None = None) -> tuple[subprocess.Popen, str, float]:
    port = free_port()
    env = {**os.environ, "HANKE_DATA_DIR": str(data_dir), **(env or {})}
    started = time.perf_counter()
    # A file, not a pipe: nobody reads a pipe during the run, and a full one would stall the server.
    log = tempfile.NamedTemporaryFile(prefix="hanke-bench-serve-", suffix=".log", delete=False)
    process = subprocess.Popen([sys.executable, "-m", "assistant.cli", "serve", "--port", str(port)], cwd=REPO,
                               env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    process.log_path = Path(log.name)
    url = f"http://127.0.0.1:{port}"
    while True:
        if process.poll() is not None:
            sys.exit(f"the server exited: {server_log(process)}")
        try:
            if httpx.get(url + "/healthz", timeout=2).json().get("model_loaded"):
                return process, url, time.perf_counter() - started
        except (httpx.HTTPError, ValueError):
            pass
        if time.perf_counter() - started > timeout:
            process.kill()
            sys.exit("the server did not start in time")
        time.sleep(0.2)


def server_log(process: subprocess.Popen, tail: int = 4000) -> str:
    """The end of a server's output (start_server writes it to a file named in the message)."""
    text = process.log_path.read_text(encoding="utf-8", errors="replace")
    return f"{text[-tail:]}\n(whole log: {process.log_path})"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = (len(ordered) - 1) * q
    low, high = int(index), min(int(index) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (index - low)


def one(client: httpx.Client, url: str, question: str) -> tuple[float, float, bool]:
    started = time.perf_counter()
    response = client.post(f"{url}/api/ask", json={"question": question}, timeout=300)
    elapsed = (time.perf_counter() - started) * 1000
    response.raise_for_status()
    data = response.json()
    return elapsed, data["timings_ms"]["total"], data["found"]


def run_level(url: str, requests: int, concurrency: int) -> dict:
    questions = [QUESTIONS[i % len(QUESTIONS)] for i in range(requests)]
    with httpx.Client() as client:
        started = time.perf_counter()
        if concurrency == 1:
            results = [one(client, url, q) for q in questions]
        else:
            with ThreadPoolExecutor(max_workers=concurrency) as pool:
                results = list(pool.map(lambda q: one(client, url, q), questions))
        wall = time.perf_counter() - started
    latency = [r[0] for r in results]
    server = [r[1] for r in results]
    return {"concurrency": concurrency, "requests": requests, "found": sum(r[2] for r in results),
            "p50_ms": round(percentile(latency, 0.5), 1), "p95_ms": round(percentile(latency, 0.95), 1),
            "mean_ms": round(statistics.fmean(latency), 1), "max_ms": round(max(latency), 1),
            "server_p50_ms": round(percentile(server, 0.5), 1), "throughput_rps": round(requests / wall, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--data-dir", type=Path, help="An ingested HANKE_DATA_DIR; the script starts `hanke serve` on it.")
    source.add_argument("--url", help="A running server, e.g. http://127.0.0.1:8000.")
    parser.add_argument("--pid", type=int, help="With --url: the server's process id, for its memory.")
    parser.add_argument("--requests", type=int, default=50, help="Measured requests per concurrency level (50).")
    parser.add_argument("--warmup", type=int, default=5, help="Unmeasured requests first (5).")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1], help="Client threads; several levels allowed.")
    parser.add_argument("--json", type=Path, help="Also write the results here.")
    args = parser.parse_args()

    process, startup_s = None, None
    if args.data_dir:
        if not (args.data_dir / "documents").exists():
            sys.exit(f"no index in {args.data_dir}: run `HANKE_DATA_DIR={args.data_dir} hanke ingest corpus` first")
        process, url, startup_s = start_server(args.data_dir)
        pid = process.pid
    else:
        url, pid = args.url.rstrip("/"), args.pid
    try:
        health = httpx.get(f"{url}/healthz", timeout=10).json()
        idle = memory_mb(pid)
        with httpx.Client() as client:
            for i in range(args.warmup):
                one(client, url, QUESTIONS[i % len(QUESTIONS)])
        levels = [run_level(url, args.requests, c) for c in args.concurrency]
        after = memory_mb(pid)
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)

    result = {"machine": machine(), "index": {"documents": health["documents"], "chunks": health["chunks"]},
              "startup_s": round(startup_s, 1) if startup_s is not None else None,
              "rss_idle_mb": idle["rss_mb"], "rss_after_mb": after["rss_mb"], "peak_rss_mb": after["peak_rss_mb"],
              "levels": levels}
    m = result["machine"]
    print(f"machine: {m['cpus']} CPUs ({m['cpu']}), {m['memory']} RAM, GPU: {m['gpu']}, Python {m['python']}")
    started = f"; server start-up (model + index load): {result['startup_s']} s" if startup_s is not None else ""
    print(f"index: {health['documents']} documents, {health['chunks']} chunks{started}")
    print(f"{'threads':>7} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'mean ms':>8} {'max ms':>8} "
          f"{'server p50':>10} {'req/s':>6} {'found':>5}")
    for level in levels:
        print(f"{level['concurrency']:>7} {level['requests']:>8} {level['p50_ms']:>8} {level['p95_ms']:>8} "
              f"{level['mean_ms']:>8} {level['max_ms']:>8} {level['server_p50_ms']:>10} {level['throughput_rps']:>6} "
              f"{level['found']:>5}")
    print(f"server RSS: {result['rss_idle_mb']} MiB idle after start-up, {result['rss_after_mb']} MiB after the run, "
          f"peak {result['peak_rss_mb']} MiB")
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
