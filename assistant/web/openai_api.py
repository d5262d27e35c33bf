"""An OpenAI-compatible API, so that chat front-ends (Open WebUI, LibreChat, the OpenAI clients) can add
Hankeapu as a model: `GET /v1/models` (one model, "hankeapu") and `POST /v1/chat/completions`, plain
or `stream: true`.

The last user message is the question; the earlier user and assistant messages are the conversation,
replayed so that follow-ups ("and in Juuka?") are read in context as in the web chat. System
messages and sampling options are accepted and ignored: the answer is Hankeapu's, with its sources
as a numbered list after it. A streamed reply sends the *checked* answer: an OpenAI stream cannot take
back text already sent, so an LLM-written answer is checked whole before its first piece goes out
(the web page, which can replace an answer, streams LLM tokens live instead: `generated_events`).

Same limits and token rules as the rest of the API: 1 MB bodies and the question length limit, and
`Authorization: Bearer <HANKE_API_TOKEN>` whenever a token is configured.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Iterator

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from assistant import texts
from assistant.conversation import MAX_TURNS, Conversation, Turn
from assistant.query import analyse
from assistant.service import QuestionError
from assistant.web.auth import request_language, require_token
from core.settings import Settings
from core.types import Answer

MODEL_ID = "hankeapu"
MODEL_CREATED = 1764979200  # fixed: the model's identity does not change between restarts
MAX_MESSAGES = 200


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str = Field(max_length=32)
    content: str | list[dict] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):  # [{"type": "text", "text": …}, …]
            return "\n".join(str(p.get("text", "")) for p in self.content if p.get("type") == "text")
        return self.content or ""


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")  # temperature, max_tokens, user…: accepted, ignored
    model: str = Field(MODEL_ID, max_length=128)
    messages: list[ChatMessage] = Field(min_length=1, max_length=MAX_MESSAGES)
    stream: bool = False


def format_reply(answer: Answer) -> str:
    """The answer, then its sources as a numbered list (document, section, quote)."""
    lines = [answer.answer.rstrip(), "", f"{texts.SOURCES_HEADING[answer.language]}:"]
    for c in answer.citations:
        where = f"{c.title} ({c.doc})" + (f", {c.section}" if c.section else "")
        lines.append(f"{c.n}. {where}: „{' '.join(c.quote.split())}“")
    return "\n".join(lines) if answer.citations else answer.answer.rstrip()


def conversation_from(assistant, messages: list[ChatMessage]) -> tuple[str, Conversation]:
    """The question (the last user message) and the conversation before it, replayed as the web chat
    would have built it turn by turn."""
    users = [i for i, m in enumerate(messages) if m.role == "user"]
    if not users:
        raise QuestionError("empty_question")
    last = users[-1]
    conversation = Conversation()
    names = assistant.index.name_words()
    earlier = [i for i in users if i != last][-MAX_TURNS:]
    for i in earlier:
        question = messages[i].text().strip()
        if not question:
            continue
        following = next(j for j in users if j > i)
        reply = next((m.text() for m in messages[i + 1:following] if m.role == "assistant"), "")
        own = analyse(question, names)
        resolved = conversation.resolve(question, bool(assistant.index.mentioned_projects(own.lemmas, question)))
        conversation.add(Turn(question, resolved, reply, own.language))
    return messages[last].text(), conversation


def answer_outside_slots(state, question: str, project: str | None, conversation: Conversation | None) -> Answer:
    """Retrieval and the extractive answer take a CPU slot; waiting for the LLM does not."""
    assistant = state.assistant
    history = [t.question for t in conversation.turns] if conversation else []
    with state.answer_slots:
        extractive = assistant.ask(question, project, conversation=conversation, generate=False)
    return assistant.generator.answer(extractive, history) if assistant.generator else extractive


def generated_events(state, question: str, project: str | None, conversation: Conversation | None
                     ) -> Iterator[tuple[str, object]]:
    """The web chat's SSE events when an LLM is configured: its tokens go out as they arrive, the
    check runs on the whole answer, and `done` carries the answer to keep (the page replaces the
    streamed text with it). One turn at a time per conversation."""
    from contextlib import nullcontext

    assistant = state.assistant
    with conversation.lock if conversation is not None else nullcontext():
        history = [t.question for t in conversation.turns] if conversation else []
        with state.answer_slots:
            extractive = assistant.ask(question, project, conversation=conversation, generate=False)
        yield from assistant.generator.stream(extractive, history)


def _chunk(completion_id: str, created: int, delta: dict, finish: str | None = None, **extra) -> str:
    data = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": MODEL_ID,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


def problem(status: int, message: str, code: str, headers: dict | None = None) -> JSONResponse:
    """An error as OpenAI clients read it (`error.message` is what they show), with our `detail` too."""
    return JSONResponse({"error": {"message": message, "type": "invalid_request_error", "code": code},
                         "detail": message}, status_code=status, headers=headers)


def build_openai_router(settings: Settings) -> APIRouter:
    def refusal(request: Request) -> JSONResponse | None:
        """401 unless the request carries HANKE_API_TOKEN, when one is set (without a token the server
        only binds to loopback: auth.bind_refusal)."""
        if not settings.api_token:
            return None
        try:
            require_token(request, settings)
        except HTTPException as error:
            return problem(error.status_code, str(error.detail), "invalid_api_key", error.headers)
        return None

    router = APIRouter(prefix="/v1", tags=["OpenAI-compatible API"])

    @router.get("/models", summary="The one model: hankeapu")
    def models(request: Request):
        if (refused := refusal(request)) is not None:
            return refused
        return {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "created": MODEL_CREATED,
                                            "owned_by": "hankeapu"}]}

    @router.post("/chat/completions", summary="Answer the last user message (OpenAI chat completions format)",
                 description="`stream: true` sends `chat.completion.chunk` events and `data: [DONE]`. The reply "
                             "content is the answer with its sources as a numbered list; the field `hankeapu` "
                             "holds the same JSON as POST /api/ask.")
    def chat_completions(body: ChatRequest, request: Request):
        if (refused := refusal(request)) is not None:
            return refused
        language = request_language(request)
        if body.model != MODEL_ID:
            return problem(404, f"Unknown model: {body.model[:128]} (this server has '{MODEL_ID}').", "model_not_found")
        state = request.app.state.hanke
        try:
            question, conversation = conversation_from(state.assistant, body.messages)
            state.assistant.validate(question, None)
            answer = answer_outside_slots(state, question, None, conversation)
        except QuestionError as error:
            return problem(422, texts.ERRORS[error.key][language].format(limit=settings.max_question_chars,
                                                                          project=""), error.key)
        completion_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
        content = format_reply(answer)
        if not body.stream:
            return {"id": completion_id, "object": "chat.completion", "created": created, "model": MODEL_ID,
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                                 "finish_reason": "stop"}], "hankeapu": answer.public()}

        def chunks() -> Iterator[str]:
            yield _chunk(completion_id, created, {"role": "assistant", "content": ""})
            for line in content.splitlines(keepends=True):
                yield _chunk(completion_id, created, {"content": line})
            yield _chunk(completion_id, created, {}, "stop", hankeapu=answer.public())
            yield "data: [DONE]\n\n"

        return StreamingResponse(chunks(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    return router
