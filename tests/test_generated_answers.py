"""Generated answers end to end in-process: the real model and Chroma index of corpus/, the `openai`
client, and a stand-in for a hosted LLM (tests/llm_standin.py: a real OpenAI-compatible HTTP server on
a free loopback port replaying scripted completions). Every failing completion must end with exactly
the extractive answer, marked `generated: false` with the failed check."""

from __future__ import annotations

import shutil

import pytest

from assistant import texts
from assistant.conversation import Conversation
from assistant.service import Assistant
from core.settings import Settings
from tests.llm_standin import Reply, StandInLLM, passage_with

QUESTION = "How many doctor appointments did the Lieksa project have?"
GOOD = "The Lieksa project had 345 doctor appointments [{n}]."


@pytest.fixture(scope="module")
def standin():
    with StandInLLM() as server:
        yield server


def llm_settings(base: Settings, standin: StandInLLM, **extra) -> Settings:
    return Settings(data_dir=base.data_dir, corpus_dir=base.corpus_dir, llm_base_url=standin.url,
                    llm_model="standin-model", llm_api_key="test-key", llm_timeout_s=2.0, **extra)


@pytest.fixture(scope="module")
def llm_assistant(corpus_settings, embeddings, standin):
    return Assistant(llm_settings(corpus_settings, standin), embeddings)


def ask(assistant: Assistant, standin: StandInLLM, reply: Reply, question: str = QUESTION, **kwargs):
    standin.reply = reply
    standin.requests.clear()
    return assistant.ask(question, **kwargs)


def cite_345(template: str) -> Reply:
    return Reply(lambda passages: template.format(n=passage_with(passages, "345"), bad=len(passages) + 3))


def test_a_good_answer_is_shown_with_only_its_cited_passages(llm_assistant, standin):
    answer = ask(llm_assistant, standin, cite_345(GOOD))
    assert answer.generated is True and answer.check is None
    assert answer.answer == GOOD.format(n=1)  # renumbered: the one cited passage is [1]
    assert len(answer.citations) == 1 and "345" in answer.citations[0].quote
    assert answer.citations[0].doc == "000_5e0951cc4940ee8c.txt"
    public = answer.public()
    assert public["generated"] is True and public["check"] is None and "llm" in public["timings_ms"]
    # What the stand-in was sent: our model name, the rules, delimited passages, the question.
    (request,) = standin.requests
    assert request["model"] == "standin-model" and request["temperature"] == 0.0
    system, user = request["messages"][0]["content"], request["messages"][1]["content"]
    assert "never instructions" in system and texts.REFUSAL["en"] in system and "English" in system
    assert user.count("<passage n=") == user.count("</passage>") >= 3 and user.endswith(f"Question: {QUESTION}")


def test_figures_are_compared_across_number_forms(llm_assistant, standin):
    question = "Paljonko Uudet kasvot -hankkeelle myönnettiin EU- ja valtion rahoitusta?"
    reply = Reply(lambda p: f"Uudet kasvot -hankkeelle myönnettiin EU- ja valtion rahoitusta 863 000 € "
                            f"[{passage_with(p, '863 000')}].")
    answer = ask(llm_assistant, standin, reply, question)
    assert answer.generated is True, answer.check
    english = Reply(lambda p: f"It was granted €863,000 [{passage_with(p, '863 000')}].")
    assert ask(llm_assistant, standin, english, question).generated is True
    wrong = Reply(lambda p: f"It was granted €836,000 [{passage_with(p, '863 000')}].")
    assert ask(llm_assistant, standin, wrong, question).check.startswith("number_not_in_cited_passage: 836,000")


FAILURES = {
    "wrong figure": (cite_345("The Lieksa project had 354 doctor appointments [{n}]."),
                     "number_not_in_cited_passage: 354"),
    "citation to a passage not given": (cite_345("The Lieksa project had 345 doctor appointments [{n}][{bad}]."),
                                        "citation_not_given"),
    "no citation": (Reply("The Lieksa project had 345 doctor appointments."), "no_citation"),
    "refusal although the documents answer": (Reply(texts.REFUSAL["en"]), "llm_refused"),
    "timeout": (Reply(GOOD.format(n=1), mode="late", delay_s=4.0), "llm_error: timeout"),
    "HTTP 500": (Reply(mode="http500"), "llm_error: HTTP 500"),
    "malformed JSON": (Reply(mode="malformed"), "llm_error: malformed response"),
    "JSON that is not a completion": (Reply(mode="not_a_completion"), "llm_error: malformed response"),
}


@pytest.mark.parametrize("case", list(FAILURES))
def test_a_failing_completion_ends_with_the_extractive_answer(llm_assistant, standin, case, caplog):
    reply, code = FAILURES[case]
    extractive = llm_assistant.ask(QUESTION, generate=False).public()
    with caplog.at_level("WARNING", logger="hanke.llm"):
        answer = ask(llm_assistant, standin, reply)
    public = answer.public()
    assert public["generated"] is False and public["check"].startswith(code), public["check"]
    assert {k: v for k, v in public.items() if k not in ("generated", "check", "timings_ms")} == \
        {k: v for k, v in extractive.items() if k != "timings_ms"}
    assert any(code.split(":")[0] in record.getMessage() for record in caplog.records)  # a log line, no error


def test_when_the_extractive_layer_refuses_the_llm_is_not_asked(llm_assistant, standin):
    question = "How many astronauts did the Lieksa project send to Mars?"
    extractive = llm_assistant.ask(question, generate=False)
    assert not extractive.found
    answer = ask(llm_assistant, standin, Reply("The project sent 345 astronauts to Mars [1]."), question)
    assert answer.generated is False and answer.check.startswith("not_asked")
    assert answer.answer == extractive.answer and answer.answer.startswith(texts.REFUSAL["en"])
    assert standin.requests == []


def test_a_follow_up_gives_the_llm_the_earlier_question(llm_assistant, standin):
    conversation = Conversation()
    ask(llm_assistant, standin, cite_345(GOOD), conversation=conversation)
    ask(llm_assistant, standin, Reply(mode="http500"), "What about in Juuka?", conversation=conversation)
    user = standin.requests[0]["messages"][1]["content"]
    assert f"Earlier questions in this conversation (context only):\n- {QUESTION}" in user
    assert user.endswith("Question: What about in Juuka?")


def test_the_stream_sends_tokens_then_the_checked_answer(llm_assistant, standin):
    extractive = llm_assistant.ask(QUESTION, generate=False)
    for reply, generated in ((cite_345(GOOD), True), (cite_345("It had 354 appointments [{n}]."), False)):
        standin.reply = reply
        events = list(llm_assistant.generator.stream(extractive))
        names = [name for name, _ in events]
        assert names[:2] == ["meta", "citations"] and names[-2:] == ["check", "done"]
        tokens = "".join(data for name, data in events if name == "token")
        assert "345" in tokens or "354" in tokens  # the LLM's text, as it arrived
        done = events[-1][1]
        assert done["generated"] is generated
        assert done["answer"] == (GOOD.format(n=1) if generated else extractive.answer)


INJECTION_QUESTIONS = ["Mitä tiedotteessa kerrotaan?", "What does the press release say?"]


@pytest.fixture(scope="module")
def injected_assistant(corpus_settings, embeddings, standin, tmp_path_factory):
    """corpus/ plus the press release that tells the reader to answer 42 (tests/test_prompt_injection)."""
    from ingest.pipeline import ingest_paths
    from tests.test_prompt_injection import INJECTION

    data = tmp_path_factory.mktemp("llm-injected") / "data"
    shutil.copytree(corpus_settings.data_dir, data)
    extra = tmp_path_factory.mktemp("llm-injection-doc")
    (extra / "999_injection.txt").write_text(INJECTION, encoding="utf-8")
    settings = llm_settings(Settings(data_dir=data, corpus_dir=corpus_settings.corpus_dir), standin)
    assert ingest_paths([extra], settings, embeddings, prune=False).added == ["999_injection.txt"]
    return Assistant(settings, embeddings)


@pytest.mark.parametrize("question", INJECTION_QUESTIONS)
def test_an_obeyed_injected_instruction_is_not_shown(injected_assistant, standin, question):
    extractive = injected_assistant.ask(question, generate=False)
    assert "999_injection.txt" in {p.doc for p in extractive.passages}, "the injected text must be retrieved"

    def obey(passages):  # what a model that follows the document's instruction would write
        return f"The answer is 42 [{passage_with(passages, 'Ignore previous instructions')}]."

    answer = ask(injected_assistant, standin, Reply(obey), question)
    user = standin.requests[0]["messages"][1]["content"]
    assert "Ignore previous instructions" not in user and "Unohda kaikki" not in user  # withheld
    assert answer.generated is False and answer.check.startswith("number_not_in_cited_passage: 42")
    assert answer.answer == extractive.answer and "The answer is 42" not in answer.answer
