"""The real page in Debian Chromium, driven by Playwright."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.test_web_api import xss_settings  # noqa: F401  (session fixture: corpus + XSS document)
from tests.web_fixtures import running_server

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
SCREENSHOT = Path(__file__).resolve().parents[1] / "docs" / "screenshot-chat.png"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def page(xss_settings):  # noqa: F811
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (make browser installs it)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(exist_ok=True)
    with running_server(xss_settings) as (url, _), playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(locale="fi-FI", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(url)
        page.wait_for_selector("body[data-ready='true']")
        yield page
        browser.close()


def ask(page, question: str):
    count = page.locator("li.message.assistant:not(.pending)").count()
    page.fill("#question", question)
    page.press("#question", "Enter")
    page.wait_for_function(f"document.querySelectorAll('li.message.assistant:not(.pending)').length > {count}",
                           timeout=120_000)
    return page.locator("li.message.assistant:not(.pending)").last


def test_finnish_question_gives_a_cited_answer_and_the_source_opens(page):
    answer = ask(page, "Paljonko Uudet kasvot -hankkeelle myönnettiin EU- ja valtion rahoitusta?")
    assert "863 000" in answer.inner_text()
    answer.locator(".answer button.cite").first.click()
    page.wait_for_selector("#source-panel:not([hidden]) mark#highlight")
    highlighted = page.inner_text("mark#highlight")
    assert "Myönnetty EU- ja valtion rahoitus: 863 000" in highlighted
    assert "Uudet kasvot" in page.inner_text("#source-title")
    page.screenshot(path=str(ARTIFACTS / "finnish-answer-source.png"))
    page.keyboard.press("Escape")
    assert page.locator("#source-panel").is_hidden()
    assert page.evaluate("document.activeElement.id") == "question"


def test_english_question_and_citation_highlight_matches_the_quote(page):
    answer = ask(page, "How many doctor appointments did the Lieksa project have?")
    assert "345" in answer.inner_text()
    button = answer.locator(".answer button.cite").last
    button.click()
    page.wait_for_selector("#source-panel:not([hidden]) mark#highlight")
    assert "345" in page.inner_text("mark#highlight")
    assert page.inner_text("#source-project") == "S21712"
    page.screenshot(path=str(ARTIFACTS / "english-answer-source.png"))
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))


def test_refusal_is_styled_as_one(page):
    answer = ask(page, "What is the budget of the Helsinki metro extension?")
    assert "refusal" in answer.get_attribute("class")
    assert "The documents do not answer" in answer.inner_text()


def test_ui_language_switch(page):
    page.select_option("#language", "en")
    assert page.inner_text("#send") == "Ask"
    page.select_option("#language", "fi")
    assert page.inner_text("#send") == "Kysy"


def test_history_survives_reload_and_new_conversation_clears_it(page):
    before = page.locator("li.message").count()
    assert before > 0
    page.reload()
    page.wait_for_selector("body[data-ready='true']")
    assert page.locator("li.message").count() == before
    page.click("#new-conversation")
    page.wait_for_function("document.querySelectorAll('li.message').length === 0")


def test_empty_question_shows_a_message(page):
    page.fill("#question", "x" * 2500)
    page.press("#question", "Enter")
    page.wait_for_selector("#form-error:not([hidden])")
    assert page.inner_text("#form-error")


def test_document_markup_renders_inertly(page):
    page.click("#documents-box summary")
    page.locator("#documents button.link", has_text="Testihanke").click()
    page.wait_for_selector("#source-panel:not([hidden])")
    assert "<script>window.__xss=1</script>" in page.inner_text("#source-text")
    assert "<script>" in page.inner_text("#source-title")  # the title is shown as text too
    assert page.evaluate("window.__xss === undefined")
    assert page.locator("#source-text script, #source-text img").count() == 0


def test_narrow_window(page):
    page.set_viewport_size({"width": 380, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path=str(ARTIFACTS / "narrow.png"))
    page.set_viewport_size({"width": 1280, "height": 900})
