"""Shared fixtures for the web tests: the corpus index plus a document full of markup, and a real
`hanke serve` (uvicorn in a subprocess, real model, real Chroma) on a free loopback port.

The web test modules load this file with `pytest_plugins = ["tests.web_fixtures"]`, so that its
session fixtures exist once per session (importing them into two modules would make two of each:
two ingests and two servers, each loading the model).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from core.settings import Settings
from tests.conftest import cli_env, free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
XSS_TITLE = "Testihanke <script>window.__xss=1</script>"
XSS_DOC = (f"Tiedote\n\nHankkeen nimi: {XSS_TITLE}\n\n"
           "Kuva <img src=x onerror=\"window.__xss=2\"> ja teksti jatkuu tavallisesti.\n\n"
           "Lopuksi <b onmouseover=\"window.__xss=3\">lihavoitu</b> ja &lt;entiteetti&gt; & muuta.\n")


@contextmanager
def running_server(settings: Settings, timeout: float = 240, env: dict | None = None):
    """`hanke serve --port N` on `settings.data_dir`; yields (url, process) once /healthz says the model is loaded."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "assistant.cli", "serve", "--port", str(port)],
                               env={**cli_env(settings), **(env or {})}, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + timeout
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited with {process.returncode}: {process.stdout.read()}")
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
            process.wait()


@pytest.fixture(scope="module")
def browser():
    """Debian Chromium through Playwright (one per test module)."""
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed at /usr/bin/chromium (`make browser` installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def xss_settings(corpus_settings, embeddings, tmp_path_factory) -> Settings:
    """A copy of the corpus index plus one small document with script, onerror and onmouseover markup."""
    from ingest.pipeline import ingest_paths

    data = tmp_path_factory.mktemp("xss") / "data"
    shutil.copytree(corpus_settings.data_dir, data)
    extra = tmp_path_factory.mktemp("xss-doc")
    (extra / "xss.txt").write_text(XSS_DOC, encoding="utf-8")
    settings = Settings(data_dir=data, corpus_dir=corpus_settings.corpus_dir)
    report = ingest_paths([extra], settings, embeddings, prune=False)
    assert report.added == ["xss.txt"] and not report.failed, report
    return settings


@pytest.fixture(scope="session")
def web_server(xss_settings):
    """One real server for all web tests (API and browser) of the session: (url, process)."""
    with running_server(xss_settings) as (url, process):
        yield url, process


@pytest.fixture(scope="session")
def server(web_server) -> str:
    return web_server[0]
