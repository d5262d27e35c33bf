"""Start a real `hanke serve` (uvicorn) on a free loopback port for the web tests, and stop it after."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager

from tests.conftest import cli_env, free_port


@contextmanager
def running_server(settings, timeout: float = 180):
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "assistant.cli", "serve", "--port", str(port)],
                               env=cli_env(settings), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + timeout
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited: {process.stdout.read()}")
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                    if json.load(response)["model_loaded"]:
                        break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.5)
        yield url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
