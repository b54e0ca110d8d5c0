"""Which browser origins may call us with credentials: PUBLIC_BASE_URL and the configured extras.

Reflex puts CORS in front of every sub-app it builds (its own routes, our FastAPI app, the
top-level app) and gives the same list to the socket server, which checks the Origin of the
websocket handshake against it. `rxconfig.py` hands them this list, so there is one answer.
Never "*": with credentials that would let any site act as the logged-in manager.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from privet_manager_app.settings import Settings


def origin_of(url: str) -> str:
    """'https://manager.example.ru/some/path' → 'https://manager.example.ru'."""
    parts = urlsplit(url.strip())
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def allowed_origins(settings: Settings) -> list[str]:
    origins = [origin_of(settings.PUBLIC_BASE_URL)]
    for extra in settings.CORS_EXTRA_ORIGINS.split(","):
        if extra.strip() and origin_of(extra) not in origins:
            origins.append(origin_of(extra))
    return origins


def is_same_origin(origin: str, host: str) -> bool:
    """The Origin a browser sent names the very host it sent the request to.

    The host is what the browser put in the Host header — a page of another site cannot make
    a browser send our host with its own origin, so the two agree only for our own pages,
    whichever name (LAN address, localhost, the public name) they were loaded by.
    """
    if not origin or not host:
        return False
    return urlsplit(origin).netloc.lower() == host.strip().lower()


def judge_socket_origins(sio, settings: Settings) -> None:
    """The socket server's Origin check: the allowed list, or our own page by whatever name.

    Reflex gives the socket server the same fixed list as CORS; a page loaded by another name
    than PUBLIC_BASE_URL (a phone on the LAN in development, `localhost` in tests) would lose
    its socket. A handshake whose Origin names the very host it was sent to is not
    cross-origin; any other Origin must be on the list. engineio takes a callable for this.
    """
    allowed = set(allowed_origins(settings))

    def is_allowed(origin: str | None, environ: dict) -> bool:
        return bool(origin) and (
            origin_of(origin) in allowed or is_same_origin(origin, environ.get("HTTP_HOST", ""))
        )

    sio.eio.cors_allowed_origins = is_allowed
