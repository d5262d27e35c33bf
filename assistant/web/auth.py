"""Who may change the index: write endpoints need `Authorization: Bearer <HANKE_API_TOKEN>`.

Without a configured token the write endpoints stay closed (401), and the server refuses to bind
to anything but loopback, so an open write API is never reachable from the network.
"""

from __future__ import annotations

import hmac
import ipaddress

from fastapi import HTTPException, Request

from assistant import texts
from core.settings import Settings

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def request_language(request: Request) -> str:
    """fi or en from the Accept-Language header (the page sends its UI language); en otherwise."""
    header = request.headers.get("accept-language", "")
    for part in header.split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in ("fi", "en"):
            return tag
    return "en"


def is_loopback(host: str) -> bool:
    host = host.strip().strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind_refusal(host: str, settings: Settings) -> str | None:
    """Why the server must not start on `host`, or None when it may."""
    if is_loopback(host) or settings.api_token:
        return None
    return (f"refusing to serve on {host}: it is reachable from the network and HANKE_API_TOKEN is not set, "
            "so anyone could add or delete documents. Set HANKE_API_TOKEN (a long random string) or bind to "
            "127.0.0.1.")


def require_token(request: Request, settings: Settings) -> None:
    """401 unless the request carries the configured bearer token (compared in constant time)."""
    language = request_language(request)
    challenge = {"WWW-Authenticate": "Bearer"}
    if not settings.api_token:
        raise HTTPException(status_code=401, detail=texts.UPLOAD_ERRORS["no_token"][language], headers=challenge)
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), settings.api_token.encode()):
        raise HTTPException(status_code=401, detail=texts.UPLOAD_ERRORS["bad_token"][language], headers=challenge)
