"""The JSON API against a real server (uvicorn subprocess, real model, real Chroma)."""

from __future__ import annotations

import json
import shutil
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from core.settings import Settings
from ingest.pipeline import ingest_paths
from tests.web_fixtures import running_server

XSS_DOC = ("Tiedote\n\nHankkeen nimi: Testihanke <script>window.__xss=1</script>\n\n"
           "Kuva <img src=x onerror=\"window.__xss=2\"> ja teksti jatkuu tavallisesti.\n")
QUESTION = "How many doctor appointments did the Lieksa project have?"


@pytest.fixture(scope="session")
def xss_settings(corpus_settings, embeddings, tmp_path_factory) -> Settings:
    """The corpus index plus one document with script and onerror markup in it."""
    data = tmp_path_factory.mktemp("xss") / "data"
    shutil.copytree(corpus_settings.data_dir, data)
    extra = tmp_path_factory.mktemp("xss-doc")
    (extra / "xss.txt").write_text(XSS_DOC, encoding="utf-8")
    settings = Settings(data_dir=data, corpus_dir=corpus_settings.corpus_dir)
    assert ingest_paths([extra], settings, embeddings, prune=False).added == ["xss.txt"]
    return settings


@pytest.fixture(scope="session")
def server(xss_settings):
    with running_server(xss_settings) as (url, _):
        yield url


def test_ask_returns_the_cli_json_shape(server):
    data = httpx.post(f"{server}/api/ask", json={"question": QUESTION}, timeout=60).json()
    assert set(data) == {"question", "language", "answer", "found", "citations", "timings_ms"}
    assert data["found"] and "345" in data["answer"] and data["citations"]
    assert {"n", "doc", "title", "section", "quote", "score"} <= set(data["citations"][0])


def test_stream_sends_tokens_then_the_answer(server):
    events = []
    with httpx.stream("GET", f"{server}/api/ask/stream", params={"question": QUESTION}, timeout=60) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        for block in response.read().decode().split("\n\n"):
            if block.strip():
                lines = dict(line.split(": ", 1) for line in block.splitlines())
                events.append((lines["event"], json.loads(lines["data"])))
    kinds = [kind for kind, _ in events]
    assert kinds[0] == "meta" and kinds[-1] == "done" and kinds.count("token") >= 2
    final = events[-1][1]
    assert "".join(data for kind, data in events if kind == "token").strip() == final["answer"].strip()
    plain = httpx.post(f"{server}/api/ask", json={"question": QUESTION}, timeout=60).json()
    assert final["answer"] == plain["answer"]


def test_documents_and_one_document(server):
    documents = httpx.get(f"{server}/api/documents").json()
    assert {d["doc"] for d in documents} >= {"000_5e0951cc4940ee8c.txt", "xss.txt"}
    doc = httpx.get(f"{server}/api/documents/000_5e0951cc4940ee8c.txt").json()
    assert doc["project"] == "S21712" and doc["sections"] and doc["chunk_spans"]
    span = doc["chunk_spans"][0]
    assert doc["text"][span["start"]:span["end"]].strip()


def test_health(server):
    health = httpx.get(f"{server}/healthz").json()
    assert health["model_loaded"] and health["documents"] == 6 and health["chunks"] > 200


@pytest.mark.parametrize("body,status", [
    ({"question": ""}, 422),
    ({"question": "   "}, 422),
    ({"question": "x" * 2001}, 422),
    ({"question": "Mikä oli tavoite?", "project": "S00000"}, 404),
])
def test_bad_questions(server, body, status):
    response = httpx.post(f"{server}/api/ask", json=body, timeout=60)
    assert response.status_code == status
    assert isinstance(response.json()["detail"], str) and response.json()["detail"]


def test_unknown_document_and_path_tricks_are_404(server):
    for name in ("nope.txt", "..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd"):
        assert httpx.get(f"{server}/api/documents/{name}").status_code == 404


def test_oversize_body_is_413(server):
    response = httpx.post(f"{server}/api/ask", content=b"{" + b" " * 1_200_000 + b"}",
                          headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_twenty_parallel_asks_agree(server):
    questions = [QUESTION, "Paljonko Uudet kasvot -hankkeelle myönnettiin EU- ja valtion rahoitusta?"] * 10
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda q: httpx.post(f"{server}/api/ask", json={"question": q}, timeout=120).json(),
                                questions))
    by_question: dict[str, set[str]] = {}
    for question, answer in zip(questions, answers):
        by_question.setdefault(question, set()).add(answer["answer"])
    assert all(len(variants) == 1 for variants in by_question.values())


def test_sessions_keep_their_own_context_under_concurrency(server):
    def conversation(i: int) -> str:
        session = httpx.post(f"{server}/api/session").json()["session_id"]
        httpx.post(f"{server}/api/ask", json={"question": "Montako lääkäriaikaa Lieksan hankkeessa oli?",
                                              "session_id": session}, timeout=120)
        return httpx.post(f"{server}/api/ask", json={"question": "entä Juuassa?", "session_id": session},
                          timeout=120).json()["answer"]
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(conversation, range(4)))
    assert all("35" in answer for answer in answers)


def test_document_markup_is_returned_as_data(server):
    doc = httpx.get(f"{server}/api/documents/xss.txt").json()
    assert "<script>window.__xss=1</script>" in doc["text"]


def test_openapi_documents_the_api(server):
    paths = httpx.get(f"{server}/openapi.json").json()["paths"]
    assert {"/api/ask", "/api/ask/stream", "/api/documents", "/api/documents/{doc}", "/healthz"} <= set(paths)


def test_cors_is_off_by_default(server):
    response = httpx.options(f"{server}/api/ask", headers={"Origin": "http://evil.example",
                                                          "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in response.headers
