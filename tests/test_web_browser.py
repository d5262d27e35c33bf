"""The real page in Debian Chromium, driven by Playwright, against a real `hanke serve`
(tests/web_fixtures.py: the corpus index plus a document full of markup)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

pytest_plugins = ["tests.web_fixtures"]
pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
SCREENSHOT = Path(__file__).resolve().parents[1] / "docs" / "screenshot-chat.png"
ANSWERS = "li.message.assistant:not(.pending)"
FI_QUESTION = "Paljonko Uudet kasvot -hankkeelle myönnettiin EU- ja valtion rahoitusta?"
EN_QUESTION = "How many doctor appointments did the Lieksa project have?"
EXPECTED_ERROR = re.compile(r"Failed to load resource: .*status of 422")  # the too-long question


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def page(browser, server):
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(locale="fi-FI", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.problems = []
    page.stream_requests = []
    page.on("pageerror", lambda error: page.problems.append(f"page error: {error}"))
    page.on("console", lambda m: m.type == "error" and not EXPECTED_ERROR.search(m.text)
            and page.problems.append(f"console: {m.text}"))
    page.on("request", lambda r: "/api/ask/stream" in r.url and page.stream_requests.append(r.url))
    page.goto(server)
    page.wait_for_selector("body[data-ready='true']")
    yield page
    context.close()


def ask(page, question: str):
    """Type the question, press Enter, wait for the finished answer; returns (answer locator, answer JSON)."""
    count = page.locator(ANSWERS).count()
    page.fill("#question", question)
    page.press("#question", "Enter")
    answer = page.locator(ANSWERS).nth(count)
    answer.wait_for(timeout=120_000)
    data = page.evaluate("JSON.parse(sessionStorage.getItem('hanke.history')).at(-1).answer")
    assert data["question"] == question
    return answer, data


def open_citation(page, answer, data, which: int):
    button = answer.locator(".answer button.cite").nth(which)
    n = int(button.get_attribute("data-n"))
    button.click()
    page.wait_for_selector("#source-panel:not([hidden]) mark#highlight")
    return next(c for c in data["citations"] if c["n"] == n), button


def test_the_page_starts_in_the_browser_language(page):
    assert page.evaluate("document.documentElement.lang") == "fi"
    assert page.inner_text("#send") == "Kysy"
    assert page.evaluate("document.activeElement.id") == "question"
    for control in ("question", "project", "language"):
        assert page.locator(f"label[for='{control}']").inner_text().strip()


def test_project_filter_lists_the_projects(page):
    options = page.locator("#project option").all_inner_texts()
    assert options[0] == "Kaikki hankkeet"
    assert any(o.startswith("S21712") for o in options) and any("Uudet kasvot" in o for o in options)
    assert len(options) == 4


def test_finnish_question_cited_answer_and_source_panel(page):
    answer, data = ask(page, FI_QUESTION)
    assert data["language"] == "fi" and "863 000" in answer.locator(".answer").inner_text()
    assert page.evaluate("document.activeElement.id") == "question"  # focus back to the input
    citation, button = open_citation(page, answer, data, 0)
    assert squash(citation["quote"]) in squash(page.inner_text("mark#highlight"))
    assert "Uudet kasvot" in page.inner_text("#source-title")
    assert page.inner_text("#source-project") == "S22421 – Uudet kasvot"
    assert page.inner_text("#source-type") == "hankekuvaus"
    assert page.inner_text("#source-section") == citation["section"]
    page.screenshot(path=str(ARTIFACTS / "finnish-answer-source.png"))
    page.keyboard.press("Escape")
    assert page.locator("#source-panel").is_hidden()
    assert page.evaluate("document.activeElement.dataset.n") == button.get_attribute("data-n")


def test_english_question_highlight_is_the_quote_and_in_view(page):
    answer, data = ask(page, EN_QUESTION)
    assert data["language"] == "en" and "345" in answer.locator(".answer").inner_text()
    citation, _ = open_citation(page, answer, data, -1)
    assert squash(page.inner_text("mark#highlight")) == squash(citation["quote"])
    assert "345" in page.inner_text("mark#highlight")
    assert page.inner_text("#source-project").startswith("S21712")
    mark, box = page.locator("mark#highlight").bounding_box(), page.locator("#source-text").bounding_box()
    assert box["y"] <= mark["y"] and mark["y"] + min(mark["height"], 40) <= box["y"] + box["height"]
    page.screenshot(path=str(ARTIFACTS / "english-answer-source.png"))
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size < 300_000
    page.click("#close-source")
    assert page.locator("#source-panel").is_hidden()


def test_refusal_is_styled_apart_and_shows_the_closest_passages(page):
    answer, data = ask(page, "What is the budget of the Helsinki metro extension?")
    assert data["found"] is False
    assert "refusal" in answer.get_attribute("class")
    assert answer.locator(".badge").inner_text() == "Ei vastausta asiakirjoissa"
    assert "The documents do not answer" in answer.inner_text()
    assert answer.locator("details.sources[open] li").count() == len(data["citations"]) > 0


def test_every_question_went_with_the_session(page):
    sessions = {parse_qs(urlparse(url).query)["session_id"][0] for url in page.stream_requests}
    assert len(sessions) == 1 and sessions == {page.evaluate("JSON.parse(sessionStorage.getItem('hanke.session'))")}


def test_ui_language_switch(page):
    page.select_option("#language", "en")
    assert page.inner_text("#send") == "Ask"
    assert page.inner_text("label[for='question']") == "Question"
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.locator("li.message.user .who").first.inner_text() == "You"
    page.select_option("#language", "fi")
    assert page.inner_text("#send") == "Kysy"


def test_too_long_question_shows_the_servers_message(page):
    page.fill("#question", "x" * 2500)
    page.press("#question", "Enter")
    page.wait_for_selector("#form-error:not([hidden])")
    assert "Kysymys on liian pitkä (enintään 2000 merkkiä)" in page.inner_text("#form-error")
    assert page.input_value("#question") == "x" * 2500  # kept, so it can be shortened
    page.fill("#question", "")


def test_shift_enter_adds_a_line_instead_of_sending(page):
    before = page.locator("li.message").count()
    page.fill("#question", "eka rivi")
    page.press("#question", "Shift+Enter")
    assert page.input_value("#question") == "eka rivi\n"
    assert page.locator("li.message").count() == before
    page.fill("#question", "")


def test_history_survives_reload_and_new_conversation_starts_over(page):
    before = page.locator("li.message").count()
    session = page.evaluate("JSON.parse(sessionStorage.getItem('hanke.session'))")
    assert before >= 6
    page.reload()
    page.wait_for_selector("body[data-ready='true']")
    assert page.locator("li.message").count() == before
    assert page.locator(".answer button.cite").count() > 0  # citations still open sources
    page.click("#new-conversation")
    page.wait_for_function("() => document.querySelectorAll('li.message').length === 0")
    assert page.evaluate("JSON.parse(sessionStorage.getItem('hanke.session'))") != session
    assert page.evaluate("JSON.parse(sessionStorage.getItem('hanke.history'))") == []
    assert page.evaluate("document.activeElement.id") == "question"


def test_document_list_and_markup_renders_inertly(page):
    page.click("#documents-box summary")
    items = page.locator("#documents li")
    assert items.count() == 6
    assert re.search(r"S21712 · loppuraportti · \d+ osaa", "\n".join(items.all_inner_texts()))
    page.locator("#documents button.link", has_text="Testihanke").click()
    page.wait_for_selector("#source-panel:not([hidden])")
    shown = page.inner_text("#source-text")
    assert "<script>window.__xss=1</script>" in shown and 'onerror="window.__xss=2"' in shown
    assert page.inner_text("#source-section") == "koko asiakirja"
    assert page.evaluate("window.__xss === undefined")
    assert page.locator("#source-panel script, #source-panel img, #documents script, #documents img").count() == 0
    page.screenshot(path=str(ARTIFACTS / "markup-document.png"))
    page.keyboard.press("Escape")


def test_narrow_window(page):
    page.set_viewport_size({"width": 380, "height": 800})
    try:
        answer, data = ask(page, EN_QUESTION)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.screenshot(path=str(ARTIFACTS / "narrow.png"))
        open_citation(page, answer, data, 0)
        panel = page.locator("#source-panel").bounding_box()
        assert panel["width"] >= 370  # covers the chat
        page.screenshot(path=str(ARTIFACTS / "narrow-source.png"))
        page.click("#close-source")
        assert page.locator("#source-panel").is_hidden()
    finally:
        page.set_viewport_size({"width": 1280, "height": 800})


def test_no_errors_in_the_console(page):
    assert page.problems == []


def test_english_browser_gets_the_english_page(browser, server):
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.goto(server)
    page.wait_for_selector("body[data-ready='true']")
    assert page.inner_text("#send") == "Ask" and page.evaluate("document.documentElement.lang") == "en"
    context.close()

