"""The JSON API against a real server: `hanke serve` (uvicorn) in a subprocess, the real model, the
real Chroma store of the ingested corpus plus one document full of markup (tests/web_fixtures.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from core.settings import Settings
from tests.conftest import cli_env

pytest_plugins = ["tests.web_fixtures"]

QUESTION = "How many doctor appointments did the Lieksa project have?"
FI_QUESTION = "Paljonko Uudet kasvot -hankkeelle myönnettiin EU- ja valtion rahoitusta?"
LIEKSA_FINAL_REPORT = "000_5e0951cc4940ee8c.txt"
PUBLIC_KEYS = {"question", "language", "answer", "found", "citations", "timings_ms"}
CITATION_KEYS = {"n", "doc", "title", "section", "quote", "score", "start", "end"}


def post_ask(url: str, question: str, **extra) -> httpx.Response:
    return httpx.post(f"{url}/api/ask", json={"question": question, **extra}, timeout=120)


def read_events(url: str, params: dict) -> list[tuple[str, object]]:
    events = []
    with httpx.stream("GET", f"{url}/api/ask/stream", params=params, timeout=120) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        for block in response.read().decode().split("\n\n"):
            if block.strip():
                fields = dict(line.split(": ", 1) for line in block.splitlines())
                events.append((fields["event"], json.loads(fields["data"])))
    return events


def without_timings(answer: dict) -> dict:
    return {key: value for key, value in answer.items() if key != "timings_ms"}


@pytest.fixture(scope="module")
def local_assistant(xss_settings, embeddings, tmp_path_factory):
    """The same index in this process (on its own copy of the data dir), to compare the API with."""
    from assistant.service import Assistant

    data = tmp_path_factory.mktemp("web-local") / "data"
    shutil.copytree(xss_settings.data_dir, data)
    return Assistant(Settings(data_dir=data, corpus_dir=xss_settings.corpus_dir), embeddings)


# --- asking ---------------------------------------------------------------------------------------

def test_ask_returns_exactly_the_public_answer(server, local_assistant):
    response = post_ask(server, QUESTION)
    assert response.status_code == 200
    data = response.json()
    assert set(data) == PUBLIC_KEYS
    assert data["found"] and data["language"] == "en" and "345" in data["answer"]
    assert data["citations"] and all(set(c) == CITATION_KEYS for c in data["citations"])
    assert "[1]" in data["answer"]
    assert without_timings(data) == without_timings(local_assistant.ask(QUESTION).public())


def test_citation_offsets_point_into_the_document_text(server):
    data = post_ask(server, QUESTION).json()
    texts = {}
    for citation in data["citations"]:
        if citation["doc"] not in texts:
            texts[citation["doc"]] = httpx.get(f"{server}/api/documents/{citation['doc']}").json()["text"]
        assert texts[citation["doc"]][citation["start"]:citation["end"]] == citation["quote"]


def test_finnish_question_gets_a_finnish_answer(server):
    data = post_ask(server, FI_QUESTION).json()
    assert data["language"] == "fi" and data["found"] and "863 000" in data["answer"]


def test_refusal_still_cites_the_closest_passages(server):
    data = post_ask(server, "What is the budget of the Helsinki metro extension?").json()
    assert data["found"] is False
    assert "The documents do not answer" in data["answer"] and data["citations"]


def test_stream_sends_meta_citations_tokens_then_the_answer(server):
    events = read_events(server, {"question": QUESTION})
    kinds = [kind for kind, _ in events]
    assert kinds[:2] == ["meta", "citations"] and kinds[-1] == "done"
    assert kinds.count("token") >= 2 and set(kinds[2:-1]) == {"token"}
    final = events[-1][1]
    assert set(final) == PUBLIC_KEYS
    assert events[0][1] == {"language": final["language"], "found": final["found"]}
    assert [(c["n"], c["doc"], c["start"], c["end"]) for c in events[1][1]] == \
        [(c["n"], c["doc"], c["start"], c["end"]) for c in final["citations"]]
    assert "".join(data for kind, data in events if kind == "token").rstrip("\n") == final["answer"]
    assert without_timings(final) == without_timings(post_ask(server, QUESTION).json())


def test_stream_errors_have_status_codes(server):
    assert httpx.get(f"{server}/api/ask/stream", params={"question": " "}).status_code == 422
    assert httpx.get(f"{server}/api/ask/stream", params={"question": "x" * 2001}).status_code == 422
    assert httpx.get(f"{server}/api/ask/stream", params={"question": "Mikä oli tavoite?",
                                                         "project": "S00000"}).status_code == 404


def test_project_filter(server):
    data = post_ask(server, "Mikä oli hankkeen tavoite?", project="S20283").json()
    assert data["citations"] and all(c["doc"] == "003_5e17375439077f9d.txt" for c in data["citations"])


# --- bad requests ---------------------------------------------------------------------------------

@pytest.mark.parametrize("body,status,message", [
    ({"question": ""}, 422, "The question is empty."),
    ({"question": "   "}, 422, "The question is empty."),
    ({"question": "x" * 2001}, 422, "The question is too long (at most 2000 characters)."),
    ({"question": "Mikä oli tavoite?", "project": "S00000"}, 404, "Unknown project: S00000."),
    ({}, 422, "question: Field required"),
])
def test_bad_questions_get_readable_messages(server, body, status, message):
    response = httpx.post(f"{server}/api/ask", json=body, timeout=60)
    assert response.status_code == status
    assert response.json() == {"detail": message}


def test_a_question_of_exactly_the_limit_is_answered(server):
    assert post_ask(server, ("hanke " * 400)[:2000]).status_code == 200


def test_messages_follow_accept_language(server):
    response = httpx.post(f"{server}/api/ask", json={"question": ""}, headers={"Accept-Language": "fi-FI,fi;q=0.9"})
    assert response.status_code == 422 and response.json()["detail"] == "Kysymys on tyhjä."


def test_unknown_document_and_path_tricks_are_404(server):
    for name in ("nope.txt", "..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd", "..", "corpus%2F000_5e0951cc4940ee8c.txt"):
        assert httpx.get(f"{server}/api/documents/{name}").status_code == 404, name


def test_oversize_bodies_are_413(server):
    big = b'{"question": "' + b"x" * 1_200_000 + b'"}'
    response = httpx.post(f"{server}/api/ask", content=big, headers={"content-type": "application/json"})
    assert response.status_code == 413 and "too large" in response.json()["detail"]

    def chunked():  # no Content-Length at all
        for _ in range(12):
            yield b"x" * 100_000
    response = httpx.post(f"{server}/api/ask", content=chunked(), headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_a_small_chunked_body_still_works(server):
    def chunked():
        yield json.dumps({"question": QUESTION}).encode()
    response = httpx.post(f"{server}/api/ask", content=chunked(), headers={"content-type": "application/json"},
                          timeout=120)
    assert response.status_code == 200 and "345" in response.json()["answer"]


# --- documents, health, docs ----------------------------------------------------------------------

def test_documents_list(server):
    documents = httpx.get(f"{server}/api/documents").json()
    assert all(set(d) == {"doc", "title", "project", "type", "chunks"} for d in documents)
    by_doc = {d["doc"]: d for d in documents}
    assert len(by_doc) == 6 and "xss.txt" in by_doc
    assert by_doc[LIEKSA_FINAL_REPORT]["project"] == "S21712"
    assert by_doc[LIEKSA_FINAL_REPORT]["type"] == "loppuraportti" and by_doc[LIEKSA_FINAL_REPORT]["chunks"] > 10


def test_one_document_with_sections_and_chunk_offsets(server):
    doc = httpx.get(f"{server}/api/documents/{LIEKSA_FINAL_REPORT}").json()
    assert doc["project"] == "S21712" and doc["project_name"] == "Kohti työtä ja koulutusta"
    assert len(doc["chunk_spans"]) == doc["chunks"] and doc["sections"]
    for span in doc["chunk_spans"]:
        assert 0 <= span["start"] < span["end"] <= len(doc["text"])
        assert doc["text"][span["start"]:span["end"]].strip()


def test_projects(server):
    projects = {p["code"]: p for p in httpx.get(f"{server}/api/projects").json()}
    assert set(projects) == {"S20283", "S21712", "S22421"}
    assert projects["S22421"]["name"] == "Uudet kasvot"


def test_health(server):
    health = httpx.get(f"{server}/healthz").json()
    assert health["status"] == "ok" and health["model_loaded"]
    assert health["documents"] == 6 and health["chunks"] > 200


def test_ui_texts_have_the_same_keys_in_both_languages(server):
    ui = httpx.get(f"{server}/api/ui-texts").json()
    assert set(ui) == {"fi", "en"} and set(ui["fi"]) == set(ui["en"])
    assert ui["fi"]["send"] == "Kysy" and ui["en"]["types"]["loppuraportti"] == "final report"


def test_openapi_documents_the_api(server):
    schema = httpx.get(f"{server}/openapi.json").json()
    assert {"/api/ask", "/api/ask/stream", "/api/documents", "/api/documents/{doc}", "/healthz"} <= set(schema["paths"])
    assert {"AskRequest", "AskResponse", "DocumentOut", "DocumentText", "Health"} <= set(schema["components"]["schemas"])
    assert httpx.get(f"{server}/docs").status_code == 200


def test_page_and_static_files_are_served_with_a_strict_policy(server):
    page = httpx.get(f"{server}/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    script = httpx.get(f"{server}/static/app.js")
    assert script.status_code == 200 and "innerHTML" not in script.text
    assert httpx.get(f"{server}/static/../server.py").status_code == 404


# --- concurrency and conversations ----------------------------------------------------------------

def test_twenty_parallel_asks_agree(server):
    questions = [QUESTION, FI_QUESTION, "Milloin Uudet kasvot -hanke päättyi?", "Who ran the S20283 project?"] * 5
    expected = {q: post_ask(server, q).json()["answer"] for q in set(questions)}
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda q: post_ask(server, q), questions))
    assert all(r.status_code == 200 for r in answers)
    assert all(r.json()["answer"] == expected[q] for q, r in zip(questions, answers))


def test_a_follow_up_is_read_in_the_session_context(server):
    session = httpx.post(f"{server}/api/session").json()["session_id"]
    first = post_ask(server, "Montako lääkäriaikaa Lieksan hankkeessa oli?", session_id=session).json()
    assert "345" in first["answer"]
    follow_up = post_ask(server, "entä Juuassa?", session_id=session).json()
    assert follow_up["found"] and "35" in follow_up["answer"]
    assert {c["doc"] for c in follow_up["citations"]} & {c["doc"] for c in first["citations"]}
    # A new conversation forgets the old one: the same follow-up alone has no Lieksa context.
    fresh = httpx.post(f"{server}/api/session", params={"old": session}).json()["session_id"]
    assert fresh != session
    alone = post_ask(server, "entä Juuassa?", session_id=fresh).json()
    assert alone["answer"] != follow_up["answer"]


def test_the_stream_keeps_the_conversation_too(server):
    session = httpx.post(f"{server}/api/session").json()["session_id"]
    read_events(server, {"question": "Montako lääkäriaikaa Lieksan hankkeessa oli?", "session_id": session})
    final = read_events(server, {"question": "entä Juuassa?", "session_id": session})[-1][1]
    assert "35" in final["answer"]


def test_sessions_keep_their_own_context_under_concurrency(server):
    def conversation(i: int) -> tuple[str, str]:
        session = httpx.post(f"{server}/api/session").json()["session_id"]
        first = ("Montako lääkäriaikaa Lieksan hankkeessa oli?" if i % 2 == 0
                 else FI_QUESTION)
        post_ask(server, first, session_id=session)
        follow = "entä Juuassa?" if i % 2 == 0 else "entä toteutunut rahoitus?"
        return follow, post_ask(server, follow, session_id=session).json()["answer"]

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(conversation, range(6)))
    lieksa = {answer for follow, answer in results if follow == "entä Juuassa?"}
    funding = {answer for follow, answer in results if follow != "entä Juuassa?"}
    assert len(lieksa) == 1 and len(funding) == 1 and lieksa != funding
    assert "35" in lieksa.pop()


# --- markup in documents is data ------------------------------------------------------------------

def test_document_markup_is_returned_verbatim_as_data(server):
    doc = httpx.get(f"{server}/api/documents/xss.txt").json()
    assert "<script>window.__xss=1</script>" in doc["text"]
    assert '<img src=x onerror="window.__xss=2">' in doc["text"]
    listed = next(d for d in httpx.get(f"{server}/api/documents").json() if d["doc"] == "xss.txt")
    assert listed["title"] == doc["title"]
    assert "Testihanke <script>window.__xss=1</script>" in doc["text"]


# --- CORS, and `hanke serve` without an index -----------------------------------------------------

def test_cors_is_off_by_default(server):
    preflight = httpx.options(f"{server}/api/ask", headers={"Origin": "http://evil.example",
                                                           "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in preflight.headers
    simple = httpx.get(f"{server}/api/documents", headers={"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in simple.headers


def test_cors_allows_only_the_configured_origins(local_assistant):
    from fastapi.testclient import TestClient

    from assistant.web.server import create_app

    # TestClient sends `Host: testserver`, which the host check (issue 15) would refuse.
    settings = local_assistant.settings.model_copy(update={"cors_origins": ["https://intra.example"],
                                                           "allowed_hosts": ["testserver"]})
    with TestClient(create_app(settings, local_assistant)) as client:
        allowed = client.options("/api/ask", headers={"Origin": "https://intra.example",
                                                      "Access-Control-Request-Method": "POST"})
        assert allowed.headers["access-control-allow-origin"] == "https://intra.example"
        other = client.options("/api/ask", headers={"Origin": "http://evil.example",
                                                    "Access-Control-Request-Method": "POST"})
        assert "access-control-allow-origin" not in other.headers


def test_serve_without_an_index_says_run_ingest(tmp_path):
    settings = Settings(data_dir=tmp_path / "empty", corpus_dir=tmp_path)
    result = subprocess.run([sys.executable, "-m", "assistant.cli", "serve", "--port", "1"], env=cli_env(settings),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "hanke ingest" in result.stderr and "Traceback" not in result.stderr + result.stdout
