"""Upload, delete and auth against a real `hanke serve` with a token (its own copy of the corpus
index, so the other web tests keep theirs), the real model and the real Chroma store; the upload
control is also driven in Debian Chromium."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import time
import uuid
import zipfile

import httpx
import pytest

from core.settings import Settings
from ingest.pipeline import writer_lock
from tests.conftest import cli_env, free_port

pytest_plugins = ["tests.web_fixtures"]

TOKEN = "test-token-" + uuid.uuid4().hex
AUTH = {"Authorization": f"Bearer {TOKEN}"}
LIMIT_MB = 1
MAX_FILES = 3
NEW_DOC = ("Tiedote\n\nHankkeen nimi: Kuusamon kalastajat\n\n"
           "Kuusamon kalastajat -hanke koulutti vuonna 2024 yhteensä 42 kalastajaa kestävään kalastukseen. "
           "Hankkeen kokonaisbudjetti oli 123 456 euroa.\n")
NEW_QUESTION = "Montako kalastajaa Kuusamon kalastajat -hanke koulutti?"
# Long enough (about 20 chunks) that the ingest is still running while the chat is asked.
FILLER = "".join(f"\n\n{n}. Toimenpide\n\n" + "Hankkeessa järjestettiin koulutuksia, työpajoja ja neuvontaa "
                 f"kalastajille ja yrittäjille osana kokonaisuutta numero {n}. " * 8 for n in range(1, 11))


@pytest.fixture(scope="module")
def upload_settings(corpus_settings, tmp_path_factory) -> Settings:
    data = tmp_path_factory.mktemp("upload") / "data"
    shutil.copytree(corpus_settings.data_dir, data)
    return Settings(data_dir=data, corpus_dir=corpus_settings.corpus_dir)


@pytest.fixture(scope="module")
def upload_server(upload_settings) -> str:
    from tests.web_fixtures import running_server  # imported here: pytest loads the module as a plugin first

    env = {"HANKE_API_TOKEN": TOKEN, "HANKE_MAX_UPLOAD_MB": str(LIMIT_MB), "HANKE_MAX_UPLOAD_FILES": str(MAX_FILES)}
    with running_server(upload_settings, env=env) as (url, _process):
        yield url


def upload(url: str, files: list[tuple[str, bytes]], headers: dict | None = AUTH) -> httpx.Response:
    return httpx.post(f"{url}/api/documents", files=[("files", (name, data)) for name, data in files],
                      headers=headers or {}, timeout=120)


def raw_upload(url: str, filename: bytes, data: bytes) -> httpx.Response:
    """A multipart body written by hand, so that the file name reaches the server byte for byte."""
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\n".encode() + b'Content-Disposition: form-data; name="files"; filename="' + filename
            + b'"\r\nContent-Type: application/octet-stream\r\n\r\n' + data + f"\r\n--{boundary}--\r\n".encode())
    return httpx.post(f"{url}/api/documents", content=body, timeout=120,
                      headers={**AUTH, "Content-Type": f"multipart/form-data; boundary={boundary}"})


def documents(url: str) -> list[str]:
    return [d["doc"] for d in httpx.get(f"{url}/api/documents", timeout=30).json()]


def stored_uploads(settings: Settings) -> list[str]:
    folder = settings.data_dir / "uploads"
    return sorted(os.listdir(folder)) if folder.is_dir() else []


def wait_for(url: str, job: dict, timeout: float = 300) -> tuple[dict, list[int]]:
    """Poll the job until it ends; also returns the status codes of questions asked meanwhile."""
    asked = []
    deadline = time.time() + timeout
    while job["status"] in ("queued", "waiting", "running"):
        assert time.time() < deadline, job
        asked.append(httpx.post(f"{url}/api/ask", json={"question": "Mikä oli Lieksan hankkeen tavoite?"},
                                timeout=120).status_code)
        job = httpx.get(f"{url}/api/uploads/{job['id']}", timeout=30).json()
    return job, asked


def encrypted_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.encrypt("salasana")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * (64 * 1024 * 1024))
    return out.getvalue()


# --- auth -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("headers", [None, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}],
                         ids=["no-token", "wrong-token", "no-bearer-scheme"])
def test_writes_without_the_token_get_401_and_change_nothing(upload_server, upload_settings, headers):
    before = documents(upload_server)
    response = upload(upload_server, [("luvaton.txt", NEW_DOC.encode())], headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "token" in response.json()["detail"].lower()
    deleted = httpx.delete(f"{upload_server}/api/documents/{before[0]}", headers=headers or {}, timeout=30)
    assert deleted.status_code == 401
    assert documents(upload_server) == before
    assert stored_uploads(upload_settings) == []


def test_without_a_configured_token_writes_are_off(server):
    # The shared web test server runs without HANKE_API_TOKEN.
    response = httpx.post(f"{server}/api/documents", files=[("files", ("a.txt", b"teksti"))],
                          headers={"Authorization": "Bearer anything", "Accept-Language": "fi"}, timeout=30)
    assert response.status_code == 401
    assert "HANKE_API_TOKEN" in response.json()["detail"]


def test_server_refuses_a_network_address_without_a_token(upload_settings):
    env = {key: value for key, value in cli_env(upload_settings).items() if key != "HANKE_API_TOKEN"}
    result = subprocess.run([sys.executable, "-m", "assistant.cli", "serve", "--host", "0.0.0.0",
                             "--port", str(free_port())], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "HANKE_API_TOKEN" in result.stderr and "Traceback" not in result.stderr


# --- limits and bad input: a clear 4xx, nothing stored --------------------------------------------

BAD_UPLOADS = {
    "too-large": ([("iso.txt", b"Suuri tiedosto. " * (LIMIT_MB * 1024 * 1024 // 16 + 1))], 413, "MB"),
    "extension": ([("ohjelma.exe", b"MZ\x90\x00")], 415, ".exe"),
    "too-many-files": ([(f"osa{i}.txt", NEW_DOC.encode()) for i in range(MAX_FILES + 1)], 413, str(MAX_FILES)),
    "parent-dir": ([("../pako.txt", NEW_DOC.encode())], 400, "pako.txt"),
    "absolute": ([("/etc/pako.txt", NEW_DOC.encode())], 400, "pako.txt"),
    "backslash": ([("..\\pako.txt", NEW_DOC.encode())], 400, "pako.txt"),
    "hidden": ([(".pako.txt", NEW_DOC.encode())], 400, "pako.txt"),
    "corrupt-pdf": ([("rikki.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\ngarbage")], 422, "PDF"),
    "encrypted-pdf": ([("salattu.pdf", encrypted_pdf())], 422, "encrypted"),
    "zip-bomb": ([("pommi.docx", zip_bomb())], 422, "zip bomb"),
    "empty": ([("tyhja.txt", b"")], 422, "empty"),
    "whitespace-only": ([("tyhja2.txt", b" \n\n\t ")], 422, "empty"),
    "binary-txt": ([("kuva.txt", bytes(range(256)) * 64)], 422, "binary"),
    "one-bad-spoils-all": ([("hyva.txt", NEW_DOC.encode()), ("paha.txt", b"\x00\x01\x02" * 100)], 422, "paha.txt"),
    "duplicate-names": ([("sama.txt", NEW_DOC.encode()), ("sama.txt", NEW_DOC.encode())], 400, "sama.txt"),
}


@pytest.mark.parametrize("case", list(BAD_UPLOADS), ids=list(BAD_UPLOADS))
def test_bad_uploads_are_refused_and_nothing_is_stored(upload_server, upload_settings, case):
    files, status, mentioned = BAD_UPLOADS[case]
    before = documents(upload_server)
    response = upload(upload_server, files)
    assert response.status_code == status, response.text
    assert mentioned in response.json()["detail"]
    assert documents(upload_server) == before
    assert stored_uploads(upload_settings) == []


@pytest.mark.parametrize("filename", [b"a\x00b.txt", b"rivi\nvaihto.txt", b"tab\tname.txt", b"esc\x1b[31m.txt"],
                         ids=["nul", "newline", "tab", "escape"])
def test_control_characters_in_file_names_are_refused(upload_server, upload_settings, filename):
    response = raw_upload(upload_server, filename, NEW_DOC.encode())
    assert response.status_code == 400, response.text
    assert stored_uploads(upload_settings) == []


def test_upload_needs_a_multipart_body_with_a_length(upload_server, upload_settings):
    as_json = httpx.post(f"{upload_server}/api/documents", json={"files": ["a.txt"]}, headers=AUTH, timeout=30)
    assert as_json.status_code == 415

    def chunks():
        yield b"--x\r\n"

    chunked = httpx.post(f"{upload_server}/api/documents", content=chunks(), timeout=30,
                         headers={**AUTH, "Content-Type": "multipart/form-data; boundary=x"})
    assert chunked.status_code == 411
    assert stored_uploads(upload_settings) == []


def test_upload_while_another_ingest_runs_is_refused(upload_server, upload_settings):
    with writer_lock(upload_settings.data_dir):  # what a running `hanke ingest` holds
        response = upload(upload_server, [("odottaa.txt", NEW_DOC.encode())])
    assert response.status_code == 409
    assert "already running" in response.json()["detail"]
    assert stored_uploads(upload_settings) == []


# --- the happy path: upload, progress, answers, delete ----------------------------------------------

def test_upload_is_ingested_in_the_background_and_answered(upload_server, upload_settings):
    assert "kuusamo.txt" not in documents(upload_server)
    response = upload(upload_server, [("kuusamo.txt", (NEW_DOC + FILLER).encode())])
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["docs"] == ["kuusamo.txt"] and job["total"] >= 10

    job, asked_meanwhile = wait_for(upload_server, job)
    assert job["status"] == "done", job
    assert job["done"] == job["total"] and not job["failed"]
    assert asked_meanwhile and set(asked_meanwhile) == {200}  # the chat kept answering during the ingest
    assert any(j["id"] == job["id"] for j in httpx.get(f"{upload_server}/api/uploads", timeout=30).json())

    assert "kuusamo.txt" in documents(upload_server)
    assert stored_uploads(upload_settings) == ["kuusamo.txt"]
    answer = httpx.post(f"{upload_server}/api/ask", json={"question": NEW_QUESTION}, timeout=120).json()
    assert answer["found"]
    assert any(c["doc"] == "kuusamo.txt" and "42 kalastajaa" in c["quote"] for c in answer["citations"]), answer


def test_delete_removes_the_document_from_answers(upload_server, upload_settings):
    if "kuusamo.txt" not in documents(upload_server):
        job, _ = wait_for(upload_server, upload(upload_server, [("kuusamo.txt", NEW_DOC.encode())]).json())
        assert job["status"] == "done", job
    response = httpx.delete(f"{upload_server}/api/documents/kuusamo.txt", headers=AUTH, timeout=60)
    assert response.status_code == 200 and response.json() == {"removed": "kuusamo.txt"}
    assert "kuusamo.txt" not in documents(upload_server)
    assert stored_uploads(upload_settings) == []
    answer = httpx.post(f"{upload_server}/api/ask", json={"question": NEW_QUESTION}, timeout=120).json()
    assert all(c["doc"] != "kuusamo.txt" for c in answer["citations"])
    again = httpx.delete(f"{upload_server}/api/documents/kuusamo.txt", headers=AUTH, timeout=30)
    assert again.status_code == 404


def test_a_scanned_pdf_upload_says_which_pages_were_read_by_ocr(upload_server, upload_settings):
    if shutil.which("tesseract") is None:
        pytest.skip("Tesseract is not installed (Debian: tesseract-ocr tesseract-ocr-fin)")
    from tests.test_loaders import scanned_pdf

    response = upload(upload_server, [("skannattu.pdf", scanned_pdf(
        "Verkkokalastajat-hanke koulutti 42 kalastajaa.\nHanke päättyi vuonna 2024."))])
    assert response.status_code == 202, response.text
    job, _ = wait_for(upload_server, response.json())
    assert job["status"] == "done", job
    assert job["ocr"] == [{"doc": "skannattu.pdf", "pages": "1"}]
    text = httpx.get(f"{upload_server}/api/documents/skannattu.pdf", timeout=30)
    assert text.status_code == 200 and "verkkokalastajat" in text.text.lower()
    assert httpx.delete(f"{upload_server}/api/documents/skannattu.pdf", headers=AUTH, timeout=60).status_code == 200


def test_an_ingest_by_another_process_is_picked_up(upload_server, upload_settings, tmp_path):
    folder = tmp_path / "lisays"
    folder.mkdir()
    (folder / "ulkoinen.txt").write_text(NEW_DOC.replace("Kuusamon kalastajat", "Inarin porot"), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "assistant.cli", "ingest", "--keep-missing", str(folder)],
                            env=cli_env(upload_settings), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    deadline = time.time() + 60  # no restart needed: the server reloads in the background
    while "ulkoinen.txt" not in documents(upload_server):
        assert time.time() < deadline, "the server did not pick up the new document"
        time.sleep(0.5)
    answer = httpx.post(f"{upload_server}/api/ask", json={"question": "Montako kalastajaa Inarin porot -hanke koulutti?"},
                        timeout=120).json()
    assert any(c["doc"] == "ulkoinen.txt" for c in answer["citations"]), answer
    removed = httpx.delete(f"{upload_server}/api/documents/ulkoinen.txt", headers=AUTH, timeout=60)
    assert removed.status_code == 200


def test_a_restarted_server_finishes_stored_uploads(corpus_settings, tmp_path):
    """A file stored in uploads/ but not indexed (the server stopped mid-ingest) is ingested at start."""
    from tests.web_fixtures import running_server

    data = tmp_path / "data"
    shutil.copytree(corpus_settings.data_dir, data)
    (data / "uploads").mkdir()
    (data / "uploads" / "kesken.txt").write_text(NEW_DOC, encoding="utf-8")
    settings = Settings(data_dir=data, corpus_dir=corpus_settings.corpus_dir)
    with running_server(settings, env={"HANKE_API_TOKEN": TOKEN}) as (url, _process):
        jobs = httpx.get(f"{url}/api/uploads", timeout=30).json()
        assert [job["docs"] for job in jobs] == [["kesken.txt"]]
        job, _ = wait_for(url, jobs[0])
        assert job["status"] == "done", job
        assert "kesken.txt" in documents(url)


def test_unknown_upload_job_is_404(upload_server):
    assert httpx.get(f"{upload_server}/api/uploads/nope", timeout=30).status_code == 404


# --- the page's upload control ----------------------------------------------------------------------

@pytest.mark.browser
def test_upload_and_delete_in_the_page(browser, upload_server, tmp_path):
    path = tmp_path / "selain.txt"
    path.write_text(NEW_DOC.replace("Kuusamon kalastajat", "Sallan poromiehet"), encoding="utf-8")
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(upload_server)
    page.wait_for_selector("body[data-ready='true']")
    page.click("#documents-box summary")

    page.set_input_files("#upload-files", str(path))
    page.click("#upload-send")  # no token yet: the server's 401 message is shown
    page.wait_for_selector("#upload-error:not([hidden])")
    assert "token" in page.inner_text("#upload-error").lower()

    page.fill("#upload-token", TOKEN)
    page.set_input_files("#upload-files", str(path))
    page.click("#upload-send")
    page.wait_for_selector(".upload-job[data-status='done']", timeout=300_000)
    assert page.locator(".upload-job progress").first.get_attribute("value") is not None
    page.wait_for_selector("#documents li:has-text('Sallan poromiehet')")

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#documents li:has-text('Sallan poromiehet') button.danger")
    page.wait_for_selector("#documents li:has-text('Sallan poromiehet')", state="detached")
    assert "selain.txt" not in documents(upload_server)
    assert not problems
    context.close()
