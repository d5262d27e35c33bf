"""Conversation state, so that "entä Juuassa?" or "and what did it cost?" follow the previous turn."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from core.text_analysis import words

FOLLOW_UP_RE = re.compile(
    r"^\s*(entä|entäs|ja|mutta|kuin myös|sekä|and|but|what about|how about|also|then)\b", re.I)
REFERRING_RE = re.compile(r"\b(it|its|they|them|their|that|this|sen|siitä|siihen|sillä|niiden|niistä|"
                          r"tämän|tuon|hankkeen|project)\b", re.I)
MAX_TURNS = 20


@dataclass
class Turn:
    question: str
    resolved: str  # the question as retrieval saw it
    answer: str
    language: str


@dataclass
class Conversation:
    turns: list[Turn] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def resolve(self, question: str, names_project: bool) -> str:
        """The question with the previous one prepended when it only makes sense as a follow-up."""
        if not self.turns:
            return question
        short = len(words(question)) <= 4
        follows = bool(FOLLOW_UP_RE.match(question)) or short or (
            bool(REFERRING_RE.search(question)) and not names_project)
        if not follows:
            return question
        return f"{self.turns[-1].resolved} {question}"

    def add(self, turn: Turn) -> None:
        self.turns.append(turn)
        del self.turns[:-MAX_TURNS]


class ConversationStore:
    """Conversations by session id, bounded so that a flood of sessions cannot exhaust memory."""

    def __init__(self, max_sessions: int = 1000):
        self._sessions: OrderedDict[str, Conversation] = OrderedDict()
        self._lock = threading.Lock()
        self.max_sessions = max_sessions

    def get(self, session_id: str) -> Conversation:
        with self._lock:
            conversation = self._sessions.pop(session_id, None) or Conversation()
            self._sessions[session_id] = conversation
            while len(self._sessions) > self.max_sessions:
                self._sessions.popitem(last=False)
            return conversation

    def reset(self, session_id: str) -> None:
        with self._lock:
            self._sessions.pop(session_id, None)
