"""Generated answers through any OpenAI-compatible LLM (Azure OpenAI, vLLM, Ollama…), off by default.

The extractive layer runs first and exactly as without an LLM. Its evidence (the chunks holding the
quoted sentences, then the other retrieved chunks) is numbered and given to the model, which answers
in the question's language with [n] citations. What it writes is shown only when it passes
`llm_checks.check_answer` and agrees with the extractive layer on whether the documents answer at all;
otherwise, and whenever the endpoint is down, slow or returns garbage, the extractive answer is shown
with `generated: false` and the reason in `check`, and a warning is logged.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from typing import Iterator

from assistant import texts
from assistant.llm_checks import CITATION_RE, check_answer, cited_numbers, is_refusal
from core.settings import Settings
from core.types import Answer, Citation

log = logging.getLogger("hanke.llm")

MAX_SOURCES = 8
MAX_SOURCE_CHARS = 7000
MAX_HISTORY = 3
# Instruction-like text in a document is withheld from the prompt (belt and braces: the checks would
# still catch a figure it made the model write, but an unseen instruction cannot be obeyed at all).
INSTRUCTION_RE = re.compile(
    r"ignore (?:all |any )?(?:the )?(?:previous|prior|above|earlier) instructions|disregard (?:all |any )?"
    r"(?:previous|prior|your) |\bsystem\s*:|\byou are now\b|new instructions?\b|"
    r"unohda (?:kaikki )?(?:aiemmat|edelliset|aikaisemmat) ohjeet|älä noudata|järjestelmän (?:uusi )?ohje",
    re.IGNORECASE)
NOT_ASKED = "not_asked: the extractive layer found no answer in the documents, and its refusal stands"


@dataclass
class Prompt:
    messages: list[dict]
    sources: list[Citation]  # numbered 1…n as in the prompt
    withheld: list[str]  # documents whose instruction-like passages were left out


def gather_sources(answer: Answer) -> tuple[list[Citation], list[str]]:
    """The passages the LLM may cite: for each extractive citation the retrieved chunk holding it
    (context around the quoted sentence) or the quote itself (a table row from a fact), then the other
    retrieved chunks; at most MAX_SOURCES and about MAX_SOURCE_CHARS."""
    sources: list[Citation] = []
    withheld: list[str] = []
    seen: set[tuple[str, int, int]] = set()
    chars = 0

    def add(doc, title, section, text, start, end, score, project) -> None:
        nonlocal chars
        key = (doc, start, end)
        if key in seen or len(sources) >= MAX_SOURCES or (sources and chars + len(text) > MAX_SOURCE_CHARS):
            return
        seen.add(key)
        if INSTRUCTION_RE.search(text):
            withheld.append(doc)
            return
        chars += len(text)
        sources.append(Citation(n=len(sources) + 1, doc=doc, title=title, section=section, quote=text,
                                score=score, start=start, end=end, project=project))

    for citation in answer.citations:
        holder = next((p for p in answer.passages
                       if p.doc == citation.doc and p.start <= citation.start and citation.end <= p.end), None)
        if holder is not None:
            add(holder.doc, holder.title, holder.section, holder.text, holder.start, holder.end, citation.score,
                holder.project)
        else:
            add(citation.doc, citation.title, citation.section, citation.quote, citation.start, citation.end,
                citation.score, citation.project)
    for passage in answer.passages:
        add(passage.doc, passage.title, passage.section, passage.text, passage.start, passage.end, passage.score,
            passage.project)
    return sources, withheld


def _attribute(text: str) -> str:
    return " ".join(text.replace('"', "'").replace("<", "‹").replace(">", "›").split())


def _passage_text(text: str) -> str:
    # A document cannot close its own delimiter and start talking as the prompt.
    return re.sub(r"</?\s*passage", lambda m: m.group(0).replace("<", "‹"), text, flags=re.IGNORECASE)


def build_prompt(answer: Answer, history: list[str]) -> Prompt:
    sources, withheld = gather_sources(answer)
    language = answer.language
    system = texts.LLM_SYSTEM_PROMPT.format(language=texts.LLM_LANGUAGE_NAME[language],
                                            refusal=texts.REFUSAL[language])
    passages = "\n\n".join(texts.LLM_PASSAGE.format(n=s.n, title=_attribute(s.title), section=_attribute(s.section),
                                                    text=_passage_text(s.quote)) for s in sources)
    earlier = texts.LLM_HISTORY.format(questions="\n".join(f"- {q}" for q in history[-MAX_HISTORY:])) if history else ""
    user = texts.LLM_USER_PROMPT.format(history=earlier, passages=passages, question=answer.question)
    return Prompt([{"role": "system", "content": system}, {"role": "user", "content": user}], sources, withheld)


def source_text(source: Citation) -> str:
    """What a passage states, for the figure check: its text and its section heading (which the
    prompt shows too)."""
    return f"{source.section}\n{source.quote}"


def renumber(text: str, sources: list[Citation]) -> tuple[str, list[Citation]]:
    """Keep only the cited passages, numbered 1…m in the order the answer first cites them."""
    order: list[int] = []
    for group in CITATION_RE.finditer(text):
        for n in cited_numbers(group.group(0)):
            if n not in order:
                order.append(n)
    new = {old: i for i, old in enumerate(order, start=1)}

    def replace(match: re.Match) -> str:
        return "".join(f"[{new[n]}]" for n in dict.fromkeys(cited_numbers(match.group(0))))

    return CITATION_RE.sub(replace, text), [sources[old - 1].model_copy(update={"n": new[old]}) for old in order]


def describe_error(error: Exception) -> str:
    """A short reason for the log and the JSON; never the traceback."""
    import openai

    if isinstance(error, openai.APITimeoutError):
        return "llm_error: timeout"
    if isinstance(error, openai.APIStatusError):
        return f"llm_error: HTTP {error.status_code}"
    if isinstance(error, openai.APIConnectionError):
        return "llm_error: cannot connect"
    return f"llm_error: malformed response ({type(error).__name__})"


class Generator:
    """Asks the configured LLM and resolves its answer against the extractive one."""

    def __init__(self, settings: Settings):
        from openai import OpenAI

        self.settings = settings
        # Local servers (Ollama, vLLM, llama.cpp) accept any key; the client insists on one.
        self.client = OpenAI(base_url=settings.llm_base_url, api_key=settings.llm_api_key or "not-needed",
                             timeout=settings.llm_timeout_s, max_retries=settings.llm_max_retries)

    @classmethod
    def from_settings(cls, settings: Settings) -> "Generator | None":
        if not settings.llm_enabled and (settings.llm_base_url or settings.llm_model):
            log.warning("generated answers are off: set both HANKE_LLM_BASE_URL and HANKE_LLM_MODEL")
        return cls(settings) if settings.llm_enabled else None

    def _request(self, prompt: Prompt, stream: bool):
        options = {}
        if self.settings.llm_temperature >= 0:
            options["temperature"] = self.settings.llm_temperature
        if self.settings.llm_max_tokens:
            options["max_tokens"] = self.settings.llm_max_tokens
        return self.client.chat.completions.create(model=self.settings.llm_model, messages=prompt.messages,
                                                   stream=stream, **options)

    def complete(self, prompt: Prompt) -> str:
        completion = self._request(prompt, stream=False)
        content = completion.choices[0].message.content
        if not isinstance(content, str):
            raise ValueError("no text in the completion")
        return content

    def pieces(self, prompt: Prompt) -> Iterator[str]:
        """The answer's text as it arrives (a streamed completion)."""
        with self._request(prompt, stream=True) as chunks:
            for chunk in chunks:
                if chunk.choices and chunk.choices[0].delta and chunk.choices[0].delta.content:
                    yield chunk.choices[0].delta.content

    def answer(self, extractive: Answer, history: list[str] | None = None) -> Answer:
        """The checked generated answer, or the extractive one with the reason."""
        if not extractive.found:
            return fallback(extractive, NOT_ASKED, log_it=False)
        prompt = build_prompt(extractive, history or [])
        started = time.perf_counter()
        try:
            text = self.complete(prompt)
        except Exception as error:  # noqa: BLE001 - any failure of the endpoint means the extractive answer
            return fallback(extractive, describe_error(error))
        return resolve(extractive, text, prompt, (time.perf_counter() - started) * 1000)

    def stream(self, extractive: Answer, history: list[str] | None = None) -> Iterator[tuple[str, object]]:
        """The SSE events of a generated answer: meta, citations (the numbered passages), token…,
        check, done. `done` carries the answer to keep: the checked generated one or the extractive."""
        if not extractive.found:
            final = fallback(extractive, NOT_ASKED, log_it=False)
            yield "meta", {"language": final.language, "found": final.found, "generated": False}
            yield "citations", [c.model_dump() for c in final.citations]
            for line in final.answer.split("\n"):
                yield "token", line + "\n"
            yield "check", {"generated": False, "check": final.check}
            yield "done", final.public()
            return
        prompt = build_prompt(extractive, history or [])
        yield "meta", {"language": extractive.language, "found": True, "generated": True}
        yield "citations", [c.model_dump() for c in prompt.sources]
        started = time.perf_counter()
        received: list[str] = []
        try:
            for piece in self.pieces(prompt):
                received.append(piece)
                yield "token", piece
        except Exception as error:  # noqa: BLE001 - the page gets the extractive answer instead
            final = fallback(extractive, describe_error(error))
        else:
            final = resolve(extractive, "".join(received), prompt, (time.perf_counter() - started) * 1000)
        yield "check", {"generated": final.generated, "check": final.check}
        yield "done", final.public()


def fallback(extractive: Answer, reason: str, log_it: bool = True) -> Answer:
    if log_it:
        log.warning("generated answer not shown (%s); showing the extractive answer to: %s",
                    reason, extractive.question[:200])
    return extractive.model_copy(update={"generated": False, "check": reason})


def resolve(extractive: Answer, text: str, prompt: Prompt, llm_ms: float) -> Answer:
    """The generated answer when it passes every check, else the extractive one."""
    if prompt.withheld:
        log.warning("instruction-like passages withheld from the LLM: %s", ", ".join(sorted(set(prompt.withheld))))
    if is_refusal(text):
        # The extractive layer found evidence (the LLM is not asked otherwise): its answer stands.
        return fallback(extractive, "llm_refused: the model said the documents do not answer, "
                                    "but the extractive layer found evidence")
    problem = check_answer(text, [source_text(s) for s in prompt.sources])
    if problem:
        return fallback(extractive, problem)
    shown, citations = renumber(text.strip(), prompt.sources)
    timings = {**extractive.timings_ms, "llm": round(llm_ms, 1),
               "total": round(extractive.timings_ms.get("total", 0.0) + llm_ms, 1)}
    return extractive.model_copy(update={"answer": shown, "citations": citations, "timings_ms": timings,
                                         "generated": True, "check": None, "extractive": extractive})
