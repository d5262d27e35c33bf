"""A stand-in for a hosted LLM: a real OpenAI-compatible HTTP server on a free loopback port that
replays scripted completions (it is not a model and writes nothing of its own).

The test sets `standin.reply` to a `Reply`: the text to send (a string, or a function of the numbered
passages it was given, so that a script can cite "the passage holding 345"), and how to send it: a
normal completion, too late (after the client's timeout), an HTTP 500, malformed JSON, or JSON that is
not a completion. Streamed requests (`stream: true`) get the same text as `chat.completion.chunk`
events. Every request body is kept in `standin.requests`.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

PASSAGE_RE = re.compile(r'<passage n="(\d+)"[^>]*>\n(.*?)\n</passage>', re.S)


@dataclass
class Reply:
    text: str | Callable[[dict[int, str]], str] = ""
    mode: str = "ok"  # ok | late | http500 | malformed | not_a_completion
    delay_s: float = 0.0
    piece_delay_s: float = 0.0  # between streamed pieces, to see them arrive one by one


def passages_of(request: dict) -> dict[int, str]:
    """The numbered passages in the prompt's user message."""
    user = next(m["content"] for m in request["messages"] if m["role"] == "user")
    return {int(n): text for n, text in PASSAGE_RE.findall(user)}


def passage_with(passages: dict[int, str], needle: str, default: int = 1) -> int:
    return next((n for n, text in sorted(passages.items()) if needle in text), default)


class StandInLLM:
    def __init__(self):
        self.reply = Reply("")
        self.requests: list[dict] = []
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep the test output clean
                pass

            def send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up first (a timeout)
                    pass

            def do_POST(self):
                request = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                standin.requests.append(request)
                reply = standin.reply
                text = reply.text(passages_of(request)) if callable(reply.text) else reply.text
                if reply.mode == "late" or reply.delay_s:
                    time.sleep(reply.delay_s or 5.0)
                if reply.mode == "http500":
                    return self.send(500, b'{"error": {"message": "internal error", "type": "server_error"}}')
                if reply.mode == "malformed":
                    return self.send(200, b'{"id": "x", "choices": [{"message": {"content": "45 [1')
                if reply.mode == "not_a_completion":
                    return self.send(200, b'{"hello": "world"}')
                if request.get("stream"):
                    return self.stream(text, reply.piece_delay_s)
                body = {"id": "chatcmpl-standin", "object": "chat.completion", "created": int(time.time()),
                        "model": request.get("model", "standin"),
                        "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                                     "finish_reason": "stop"}]}
                self.send(200, json.dumps(body).encode())

            def stream(self, text: str, piece_delay_s: float) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                try:
                    self.send_pieces(text, piece_delay_s)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def send_pieces(self, text: str, piece_delay_s: float) -> None:
                for piece in re.findall(r"\S+\s*|\s+", text):
                    chunk = {"id": "chatcmpl-standin", "object": "chat.completion.chunk", "created": int(time.time()),
                             "model": "standin", "choices": [{"index": 0, "delta": {"content": piece},
                                                              "finish_reason": None}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                    time.sleep(piece_delay_s)
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, name="standin-llm", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> "StandInLLM":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
