"""The OpenAI-compatible API and the web chat's stream with an LLM configured, against a real `hanke
serve` (uvicorn in a subprocess, real model, real Chroma store of corpus/) on a free loopback port,
whose LLM is the stand-in for a hosted LLM (tests/llm_standin.py) started here on another free port.
The client is the official `openai` package. The server has HANKE_API_TOKEN set, so /v1 needs it."""

from __future__ import annotations

import json
import time

import httpx
import openai
import pytest

from assistant.conversation import Conversation
from assistant.web.openai_api import format_reply
from tests.llm_standin import Reply, StandInLLM, passage_with

pytest_plugins = ["tests.web_fixtures"]

TOKEN = "test-token-for-the-openai-api"
QUESTION = "How many doctor appointments did the Lieksa project have?"
FOLLOW_UP = "What about in Juuka?"
GOOD = "The Lieksa project had 345 doctor appointments [{n}]."


def cite_345(template: str) -> Reply:
    return Reply(lambda passages: template.format(n=passage_with(passages, "345")))


@pytest.fixture(scope="module")
def standin():
    with StandInLLM() as server:
        yield server


@pytest.fixture(scope="module")
def llm_server(corpus_settings, standin):
    from tests.web_fixtures import running_server

    env = {"HANKE_LLM_BASE_URL": standin.url, "HANKE_LLM_MODEL": "standin-model", "HANKE_LLM_TIMEOUT_S": "3",
           "HANKE_API_TOKEN": TOKEN}
    with running_server(corpus_settings, env=env) as (url, _process):
        yield url


@pytest.fixture(scope="module")
def client(llm_server):
    return openai.OpenAI(base_url=f"{llm_server}/v1", api_key=TOKEN, timeout=120, max_retries=0)


@pytest.fixture(scope="module")
def local(corpus_settings, embeddings):
    """The same index in this process, without an LLM: the extractive answers to compare with."""
    from assistant.service import Assistant

    return Assistant(corpus_settings, embeddings)


def test_models_lists_hankeapu(client):
    assert [m.id for m in client.models.list()] == ["hankeapu"]


def test_a_plain_completion_is_the_checked_answer_with_numbered_sources(client, standin):
    standin.reply = cite_345(GOOD)
    completion = client.chat.completions.create(model="hankeapu", messages=[{"role": "user", "content": QUESTION}])
    content = completion.choices[0].message.content
    assert content.startswith(GOOD.format(n=1) + "\n\nSources:\n1. ")
    assert "000_5e0951cc4940ee8c.txt" in content and "345" in content.split("Sources:")[1]
    extra = completion.model_extra["hankeapu"]
    assert extra["generated"] is True and extra["check"] is None and extra["citations"][0]["n"] == 1


def test_a_streamed_completion_that_fails_a_check_sends_only_the_extractive_answer(client, standin, local):
    standin.reply = cite_345("The Lieksa project had 354 doctor appointments [{n}].")
    stream = client.chat.completions.create(model="hankeapu", stream=True,
                                            messages=[{"role": "user", "content": QUESTION}])
    chunks = list(stream)
    content = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert "354" not in content  # an OpenAI stream cannot take text back: nothing unchecked is sent
    assert content == format_reply(local.ask(QUESTION))
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].model_extra["hankeapu"]["check"].startswith("number_not_in_cited_passage: 354")


def test_a_follow_up_is_read_in_the_context_of_the_earlier_messages(client, standin, local):
    standin.reply = Reply(mode="http500")  # the extractive answers, to compare with the web chat's
    first = client.chat.completions.create(model="hankeapu", messages=[{"role": "user", "content": QUESTION}])
    messages = [{"role": "system", "content": "You are a helpful assistant."},
                {"role": "user", "content": QUESTION},
                {"role": "assistant", "content": first.choices[0].message.content},
                {"role": "user", "content": [{"type": "text", "text": FOLLOW_UP}]}]
    standin.requests.clear()
    reply = client.chat.completions.create(model="hankeapu", messages=messages, stream=True)
    content = "".join(c.choices[0].delta.content or "" for c in reply)
    conversation = Conversation()
    local.ask(QUESTION, conversation=conversation)
    expected = local.ask(FOLLOW_UP, conversation=conversation)
    assert content == format_reply(expected)
    assert content != format_reply(local.ask(FOLLOW_UP))  # the context changed the answer
    assert f"- {QUESTION}" in standin.requests[0]["messages"][1]["content"]


def test_the_token_and_the_limits_hold(llm_server, client):
    wrong = openai.OpenAI(base_url=f"{llm_server}/v1", api_key="wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        wrong.models.list()
    assert httpx.get(f"{llm_server}/v1/models").status_code == 401
    with pytest.raises(openai.UnprocessableEntityError, match="too long"):
        client.chat.completions.create(model="hankeapu", messages=[{"role": "user", "content": "x" * 2001}])
    with pytest.raises(openai.UnprocessableEntityError, match="empty"):
        client.chat.completions.create(model="hankeapu", messages=[{"role": "user", "content": "  "}])
    with pytest.raises(openai.NotFoundError, match="hankeapu"):
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": QUESTION}])
    big = httpx.post(f"{llm_server}/v1/chat/completions", headers={"Authorization": f"Bearer {TOKEN}"},
                     json={"model": "hankeapu", "messages": [{"role": "user", "content": "x" * 1_100_000}]})
    assert big.status_code == 413


def read_sse(url: str, params: dict) -> list[tuple[str, object, float]]:
    """(event, data, seconds since the request) of every server-sent event."""
    events, started, buffer = [], time.perf_counter(), ""
    with httpx.stream("GET", f"{url}/api/ask/stream", params=params, timeout=120) as response:
        assert response.status_code == 200
        for text in response.iter_text():
            buffer += text
            while "\n\n" in buffer:
                block, buffer = buffer.split("\n\n", 1)
                fields = dict(line.split(": ", 1) for line in block.splitlines())
                events.append((fields["event"], json.loads(fields["data"]), time.perf_counter() - started))
    return events


def test_the_web_stream_sends_llm_tokens_as_they_arrive(llm_server, standin):
    standin.reply = Reply(lambda p: GOOD.format(n=passage_with(p, "345")), piece_delay_s=0.3)
    events = read_sse(llm_server, {"question": QUESTION})
    tokens = [(data, at) for name, data, at in events if name == "token"]
    assert events[0][1]["generated"] is True and len(tokens) == len(GOOD.split())
    assert tokens[-1][1] - tokens[0][1] > 1.5  # one by one, not all at the end
    done = events[-1][1]
    assert events[-1][0] == "done" and done["generated"] is True and done["answer"] == GOOD.format(n=1)


def test_the_web_stream_replaces_a_failed_answer_with_the_extractive_one(llm_server, standin, local):
    standin.reply = cite_345("The Lieksa project had 354 doctor appointments [{n}].")
    events = read_sse(llm_server, {"question": QUESTION})
    assert "354" in "".join(data for name, data, _ in events if name == "token")  # streamed live…
    check = next(data for name, data, _ in events if name == "check")
    done = events[-1][1]
    assert check["generated"] is False and done["generated"] is False  # …and replaced
    assert done["answer"] == local.ask(QUESTION).answer and done["check"].startswith("number_not_in_cited_passage")
    data = httpx.post(f"{llm_server}/api/ask", json={"question": QUESTION}, timeout=120).json()
    assert data["generated"] is False and data["answer"] == local.ask(QUESTION).answer


@pytest.mark.browser
def test_the_page_shows_llm_tokens_then_the_checked_answer_with_a_note(browser, llm_server, standin):
    from assistant import texts

    context = browser.new_context(locale="en-US")
    page = context.new_page()
    try:
        page.goto(llm_server)
        page.wait_for_selector("body[data-ready='true']")
        answers = page.locator("li.message.assistant:not(.pending)")
        # Record what the pending answer shows at every change (a moment a polling wait could miss).
        page.evaluate("""() => { window.__seen = []; new MutationObserver(() => {
            for (const e of document.querySelectorAll('li.message.assistant.pending .answer'))
              window.__seen.push(e.textContent); }).observe(document.getElementById('messages'),
            {subtree: true, childList: true, characterData: true}); }""")
        for n, (reply, shown, note) in enumerate([
                (cite_345("The Lieksa project had 354 doctor appointments [{n}]."), texts.QUOTES_IN_FINNISH["en"].strip(),
                 texts.UI["en"]["llm_fallback"]),
                (cite_345(GOOD), "The Lieksa project had 345 doctor appointments", texts.UI["en"]["llm_generated"])]):
            reply.piece_delay_s = 0.2
            standin.reply = reply
            page.evaluate("() => { window.__seen = []; }")
            page.fill("#question", QUESTION)
            page.press("#question", "Enter")
            answers.nth(n).wait_for(timeout=120_000)
            # The model's words appeared while it wrote…
            seen = page.evaluate("window.__seen")
            assert any(reply.text({1: "345"}).split("[")[0].strip() in t for t in seen), seen[-3:]
            # …and the finished message is the answer to keep, with a note saying which kind it is.
            text = answers.nth(n).inner_text()
            assert shown in text and "354" not in text
            assert answers.nth(n).locator(".llm-note").inner_text() == note
    finally:
        context.close()
