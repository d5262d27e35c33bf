"""Issue 15 against a real `hanke serve` (real model, real Chroma, its own copy of the corpus index):
trusted hosts, invalid text, all-or-nothing uploads, case twins, cancel, and what a restart does
with stored uploads (resume only what was accepted and not finished, never undo a newer ingest,
quarantine what keeps failing)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid

import httpx
import pytest

from core.settings import Settings
from tests.conftest import CORPUS, cli_env

pytest_plugins = ["tests.web_fixtures"]

TOKEN = "reliability-" + uuid.uuid4().hex
AUTH = {"Authorization": f"Bearer {TOKEN}"}
EXTRA_HOST = "hanke.example.fi"
SERVER_ENV = {"HANKE_API_TOKEN": TOKEN, "HANKE_ALLOWED_HOSTS": json.dumps(["localhost", "127.0.0.1", EXTRA_HOST]),
              "HANKE_MAX_UPLOAD_MB": "8", "HANKE_TRUSTED_PROXIES": '["127.0.0.1"]',
              "HANKE_CLIENT_CHARS_PER_MINUTE": "3000", "HANKE_CLIENT_MAX_CONCURRENT": "2"}
LONG_QUESTION = ("Mikä oli Lieksan ja Juuan hankkeen tavoite, ja miten se toteutui? " * 40)[:1999]
SMALL_DOC = ("Tiedote\n\nHankkeen nimi: Kuusamon kalastajat\n\n"
             "Kuusamon kalastajat -hanke koulutti vuonna 2024 yhteensä 42 kalastajaa kestävään kalastukseen.\n")
PRESS_RELEASE = next(p for p in sorted(CORPUS.iterdir()) if p.name.startswith("002_"))


def long_doc(sections: int = 12) -> str:
    """About 4 chunks per section: long enough to be caught while it is being embedded."""
    return SMALL_DOC + "".join(
        f"\n\n{n}. Toimenpide {n}\n\n" + f"Hankkeessa {n} järjestettiin koulutuksia, työpajoja ja neuvontaa "
        f"kalastajille ja yrittäjille osana kokonaisuutta numero {n}. " * 20 for n in range(1, sections + 1))


def copy_index(corpus_settings, tmp_path) -> Settings:
    data = tmp_path / "data"
    shutil.copytree(corpus_settings.data_dir, data)
    return Settings(data_dir=data, corpus_dir=corpus_settings.corpus_dir)


@pytest.fixture(scope="module")
def reliability_settings(corpus_settings, tmp_path_factory) -> Settings:
    return copy_index(corpus_settings, tmp_path_factory.mktemp("reliability"))


@pytest.fixture(scope="module")
def url(reliability_settings) -> str:
    from tests.web_fixtures import running_server

    with running_server(reliability_settings, env=SERVER_ENV) as (address, _process):
        yield address


def upload(url: str, files: list[tuple[str, bytes]]) -> httpx.Response:
    return httpx.post(f"{url}/api/documents", files=[("files", (name, data)) for name, data in files],
                      headers=AUTH, timeout=120)


def documents(url: str) -> dict[str, int]:
    return {d["doc"]: d["chunks"] for d in httpx.get(f"{url}/api/documents", timeout=30).json()}


def stored(settings: Settings, folder: str = "uploads") -> list[str]:
    path = settings.data_dir / folder
    return sorted(p.name for p in path.iterdir() if not p.name.startswith(".")) if path.is_dir() else []


def job_of(url: str, job_id: str) -> dict:
    return httpx.get(f"{url}/api/uploads/{job_id}", timeout=30).json()


def wait_until(predicate, timeout: float = 300, what: str = "condition"):
    deadline = time.time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.time() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


# --- hosts and text -----------------------------------------------------------------------------------

def test_a_request_naming_another_host_is_refused(url):
    port = url.rsplit(":", 1)[1]
    rebinding = httpx.get(f"{url}/api/documents", headers={"Host": f"attacker.example:{port}"}, timeout=30)
    assert rebinding.status_code == 400
    assert "PRESS" not in rebinding.text and "000_" not in rebinding.text  # nothing of the index
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", EXTRA_HOST):
        assert httpx.get(f"{url}/api/documents", headers={"Host": host}, timeout=30).status_code == 200, host


@pytest.mark.parametrize("field", ["question", "session_id"])
def test_a_lone_surrogate_is_a_422_in_the_readers_language(url, field):
    body = {"question": "Montako osallistujaa oli?", field: "Montako \ud800 oli?"}
    raw = json.dumps(body)  # "\\ud800" in the JSON text: valid JSON, not valid Unicode text
    response = httpx.post(f"{url}/api/ask", content=raw, timeout=60,
                          headers={"Content-Type": "application/json", "Accept-Language": "fi"})
    assert response.status_code == 422, response.text
    assert "unicode" in response.json()["detail"].lower()


# --- fair use -----------------------------------------------------------------------------------------

def ask_as(url: str, client: str, question: str) -> httpx.Response:
    return httpx.post(f"{url}/api/ask", json={"question": question}, headers={"X-Forwarded-For": client}, timeout=120)


def test_long_questions_beyond_a_clients_budget_get_429_with_retry_after(url):
    assert ask_as(url, "10.0.0.7", LONG_QUESTION).status_code == 200
    refused = ask_as(url, "10.0.0.7", LONG_QUESTION)
    assert refused.status_code == 429, refused.text
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert "try again" in refused.json()["detail"]
    assert ask_as(url, "10.0.0.8", LONG_QUESTION).status_code == 200  # another client is not affected
    assert ask_as(url, "10.0.0.7", "Mikä oli hankkeen tavoite?").status_code == 200  # a short one still fits


def test_a_client_gets_only_its_share_of_answers_at_once(url):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(6) as pool:
        codes = list(pool.map(lambda _: ask_as(url, "10.0.0.9", "Montako lääkäriaikaa Lieksan hankkeessa oli?")
                              .status_code, range(6)))
    assert codes.count(429) >= 1 and codes.count(200) >= 2 and set(codes) <= {200, 429}, codes


# --- all-or-nothing uploads ---------------------------------------------------------------------------

def test_a_name_too_long_in_bytes_refuses_the_whole_request_and_stores_nothing(url, reliability_settings):
    name = "ä" * 124 + ".txt"  # 128 characters (passes the character limit), 252 bytes
    before = documents(url)
    response = upload(url, [("ensimmainen.txt", SMALL_DOC.encode()), (name, SMALL_DOC.encode())])
    assert response.status_code == 400, response.text
    assert "240" in response.json()["detail"]
    assert stored(reliability_settings) == [] and documents(url) == before


def test_a_failure_while_storing_keeps_no_file_of_the_request(url, reliability_settings):
    blocker = reliability_settings.data_dir / "uploads" / "toinen.txt"
    blocker.mkdir(parents=True)  # the second file cannot be moved into place: a 500 mid-store
    try:
        response = upload(url, [("ensimmainen.txt", SMALL_DOC.encode()), ("toinen.txt", SMALL_DOC.encode())])
        assert response.status_code == 500, response.text
        assert "nothing was stored" in response.json()["detail"]
        assert "Traceback" not in response.text
        assert stored(reliability_settings) == ["toinen.txt"]  # only the blocking directory
        assert not list((reliability_settings.data_dir / "uploads").glob(".staging-*"))
    finally:
        blocker.rmdir()


def test_a_name_that_differs_from_an_indexed_one_only_in_case_is_refused(url, reliability_settings):
    indexed = next(doc for doc in documents(url) if doc.startswith("000_"))
    twin = indexed.upper()
    response = upload(url, [(twin, SMALL_DOC.encode())])
    assert response.status_code == 409, response.text
    assert indexed in response.json()["detail"]
    both = upload(url, [("kala.txt", SMALL_DOC.encode()), ("KALA.txt", SMALL_DOC.encode())])
    assert both.status_code == 400, both.text
    assert stored(reliability_settings) == []


def test_the_red_team_long_tab_line_upload_is_refused_naming_the_limit(url, reliability_settings):
    from tests.test_bounded_work import long_tab_line

    response = upload(url, [("pitka_rivi.txt", long_tab_line(4_000_000).encode())])
    assert response.status_code == 422, response.text
    assert "HANKE_MAX_CHUNKS_PER_DOCUMENT" in response.json()["detail"]
    assert stored(reliability_settings) == []


# --- cancel -------------------------------------------------------------------------------------------

def test_cancelling_queued_and_running_uploads_leaves_the_index_as_it_was(url, reliability_settings):
    before = documents(url)
    chunks_before = httpx.get(f"{url}/healthz", timeout=30).json()["chunks"]
    running = upload(url, [("pitka.txt", long_doc().encode())]).json()
    queued = upload(url, [("jonossa.txt", SMALL_DOC.encode())]).json()
    assert queued["status"] == "queued", queued

    unauthorised = httpx.delete(f"{url}/api/uploads/{queued['id']}", timeout=30)
    assert unauthorised.status_code == 401
    cancelled = httpx.delete(f"{url}/api/uploads/{queued['id']}", headers=AUTH, timeout=90).json()
    assert cancelled["status"] == "cancelled", cancelled

    wait_until(lambda: job_of(url, running["id"])["done"] > 0, what="the long upload to start embedding")
    # Deleting a document that is still being ingested cancels its upload (it was a 404).
    deleted = httpx.delete(f"{url}/api/documents/pitka.txt", headers=AUTH, timeout=90)
    assert deleted.status_code == 200, deleted.text
    job = wait_until(lambda: (j := job_of(url, running["id"]))["status"] in ("cancelled", "done", "failed") and j,
                     what="the cancel")
    assert job["status"] == "cancelled", job
    assert documents(url) == before
    assert httpx.get(f"{url}/healthz", timeout=30).json()["chunks"] == chunks_before
    assert stored(reliability_settings) == []
    again = httpx.delete(f"{url}/api/uploads/{running['id']}", headers=AUTH, timeout=30)
    assert again.status_code == 409

    after = upload(url, [("sitten.txt", SMALL_DOC.encode())]).json()  # later uploads are not stuck behind it
    assert wait_until(lambda: (j := job_of(url, after["id"]))["status"] in ("done", "failed") and j)["status"] == "done"
    httpx.delete(f"{url}/api/documents/sitten.txt", headers=AUTH, timeout=60)


# --- restarts -----------------------------------------------------------------------------------------

def test_a_restart_resumes_an_interrupted_upload_but_never_undoes_a_newer_ingest(corpus_settings, tmp_path):
    from assistant.web.jobs import Job
    from ingest import upload_journal
    from tests.web_fixtures import running_server

    settings = copy_index(corpus_settings, tmp_path)
    press = PRESS_RELEASE.name
    with running_server(settings, env=SERVER_ENV) as (first, process):
        original_chunks = documents(first)[press]
        # A one-chunk upload of the press release's name, then `hanke ingest` of the real file.
        job = upload(first, [(press, SMALL_DOC.encode())]).json()
        wait_until(lambda: job_of(first, job["id"])["status"] == "done", what="the small upload")
        assert documents(first)[press] == 1
        cli = subprocess.run([sys.executable, "-m", "assistant.cli", "ingest", "--keep-missing", str(PRESS_RELEASE)],
                             env=cli_env(settings), capture_output=True, text=True, timeout=300)
        assert cli.returncode == 0, cli.stderr
        wait_until(lambda: documents(first)[press] == original_chunks, what="the server to see the CLI ingest")
        # A long upload, killed while it is being embedded.
        interrupted = upload(first, [("kesken.txt", long_doc().encode())]).json()
        wait_until(lambda: job_of(first, interrupted["id"])["done"] > 0, what="embedding to start")
        process.send_signal(signal.SIGKILL)
        process.wait()

    # A job that already stopped the server twice (journaled as the server writes it), and one that failed.
    poison = Job(id=uuid.uuid4().hex, docs=["myrkky.txt"], total=3, status="running", attempts=2,
                 sha256={"myrkky.txt": "0" * 64}, chunks={"myrkky.txt": 3})
    (settings.data_dir / "uploads" / "myrkky.txt").write_text(SMALL_DOC, encoding="utf-8")
    import hashlib

    poison.sha256["myrkky.txt"] = hashlib.sha256(SMALL_DOC.encode()).hexdigest()
    upload_journal.save(settings, poison.stored())

    with running_server(settings, env=SERVER_ENV) as (second, _process):
        jobs = {j["id"]: j for j in httpx.get(f"{second}/api/uploads", timeout=30).json()}
        assert jobs[job["id"]]["status"] == "done"  # finished before: not run again
        quarantined = jobs[poison.id]
        assert quarantined["status"] == "failed" and "stopped" in quarantined["message"], quarantined
        assert quarantined["quarantined"] == ["myrkky.txt"]
        resumed = jobs[interrupted["id"]]
        assert resumed["status"] in ("queued", "running", "done") and resumed["total"] > 0, resumed
        final = wait_until(lambda: (j := job_of(second, interrupted["id"]))["status"] in ("done", "failed") and j,
                           what="the resumed upload")
        assert final["status"] == "done", final
        docs = documents(second)
        assert "kesken.txt" in docs and "myrkky.txt" not in docs
        assert docs[press] == original_chunks  # the newer CLI ingest was not undone
    assert "myrkky.txt" not in stored(settings)
    assert (settings.data_dir / "quarantine" / poison.id / "myrkky.txt").is_file()
