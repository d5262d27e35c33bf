"""Per-client fair use of the answer endpoints: a few answers at once, and a budget of question
characters per minute (a long question costs more: six clients sending 1,999-character questions
back to back pushed a normal question from 0.1 s to 4.3 s p50). Over either limit the answer is
429 with `Retry-After`, at once, so a flood costs the server almost nothing.

A client is its connecting address; behind a reverse proxy listed in `HANKE_TRUSTED_PROXIES` it is
the last address the proxy adds to `X-Forwarded-For` (anyone else could write that header). A local
client (loopback, with no `X-Forwarded-For`) is not limited: whatever runs on the machine can read the
data directory anyway, and the browser route to it (DNS rebinding) is closed by the host check. A
proxy on the same machine sends `X-Forwarded-For`, so its users are limited (as one client until
the proxy is listed in `HANKE_TRUSTED_PROXIES`).
"""

from __future__ import annotations

import math
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

from assistant.web.auth import is_loopback
from core.settings import Settings

FORGET_AFTER_SECONDS = 600


class TooManyRequests(Exception):
    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


@dataclass
class ClientUse:
    characters: float  # what is left of the budget (refilled continuously)
    updated: float
    answering: int = 0
    seen: float = field(default_factory=time.monotonic)


class FairUse:
    def __init__(self, settings: Settings):
        self.concurrent = settings.client_max_concurrent
        self.budget = float(settings.client_chars_per_minute)
        self.trusted_proxies = set(settings.trusted_proxies)
        self._clients: dict[str, ClientUse] = {}
        self._lock = threading.Lock()

    def client_of(self, host: str | None, forwarded_for: str | None) -> str | None:
        """Who to count a request against; None for a local client (not limited)."""
        if host in self.trusted_proxies and forwarded_for:
            return forwarded_for.split(",")[-1].strip() or host
        if not forwarded_for and host and is_loopback(host):
            return None
        return host or "?"

    @contextmanager
    def answering(self, client: str | None, question: str):
        """Hold one of the client's answer slots and charge the question's length, or raise
        `TooManyRequests` with the seconds to wait."""
        if client is None or (self.concurrent <= 0 and self.budget <= 0):  # a local client, or both limits off
            yield
            return
        cost = float(min(len(question), self.budget)) if self.budget > 0 else 0.0
        with self._lock:
            now = time.monotonic()
            self._forget_idle(now)
            use = self._clients.setdefault(client, ClientUse(characters=self.budget, updated=now))
            if self.budget > 0:
                use.characters = min(self.budget, use.characters + (now - use.updated) * self.budget / 60)
                use.updated = now
            if self.concurrent > 0 and use.answering >= self.concurrent:
                raise TooManyRequests(1)
            if self.budget > 0 and cost > use.characters:
                needed = min(cost, self.budget) - use.characters
                raise TooManyRequests(max(1, math.ceil(needed * 60 / self.budget)))
            if self.budget > 0:
                use.characters -= cost
            use.answering += 1
            use.seen = now
        try:
            yield
        finally:
            with self._lock:
                use.answering -= 1

    def _forget_idle(self, now: float) -> None:
        if len(self._clients) < 1000:
            return
        for client in [c for c, u in self._clients.items() if not u.answering and now - u.seen > FORGET_AFTER_SECONDS]:
            del self._clients[client]
