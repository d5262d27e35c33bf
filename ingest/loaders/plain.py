"""Plain text (.txt, .md): the structure is already there; only the encoding has to be found."""

from __future__ import annotations

from ingest.loaders.errors import LoadError


def decode(data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise LoadError("binary file (contains NUL bytes), not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # Older Finnish documents are often Windows-1252; accept them only if they read as text.
    text = data.decode("cp1252", errors="replace")
    bad = sum(1 for ch in text if ch == "\ufffd" or (ord(ch) < 32 and ch not in "\t\n\r\f"))
    if bad > max(3, len(text) // 200):
        raise LoadError("not valid UTF-8 or Windows-1252 text (wrong encoding or a binary file)")
    return text


def load_text(data: bytes) -> str:
    text = decode(data)
    control = sum(1 for ch in text[:20000] if ord(ch) < 32 and ch not in "\t\n\r\f")
    if control > 20:
        raise LoadError("binary file (control characters), not text")
    return text
