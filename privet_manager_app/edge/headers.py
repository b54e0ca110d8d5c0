"""Security headers on every response, and the Content-Security-Policy the compiled app runs
under.

The compiled Reflex pages carry inline scripts of their own (React Router's context and
stream, the theme switch, scroll restoration): a policy without them would break every page,
and 'unsafe-inline' would let an injected script run too. So each HTML response is read whole
(the pages are small and static), its inline scripts are hashed, and the policy names exactly
those hashes. Styles stay 'unsafe-inline': Emotion and Radix insert <style> elements at run
time, and a style cannot run code.

HTML is also never cached: a WebView must not keep an old app shell.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import hashlib
import logging
import re
from pathlib import Path
from urllib.parse import urlsplit

from privet_manager_app.settings import Settings, get_settings

logger = logging.getLogger(__name__)

_INLINE_SCRIPT = re.compile(rb"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
_HAS_SRC = re.compile(rb"\bsrc\s*=", re.IGNORECASE)
_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")
# Swagger UI (/docs) is FastAPI's page: its script and styles come from this CDN.
_DOCS_CDN = "https://cdn.jsdelivr.net"
_DOCS_PATHS = ("/docs", "/docs/oauth2-redirect")
_MAX_CACHED_POLICIES = 512


class SecurityHeaders:
    def __init__(self, app) -> None:
        self.app = app
        self._script_hashes: dict[bytes, str] = {}  # body digest → "'sha256-…' …"

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        settings = get_settings()
        held_start = None
        held_body = bytearray()

        async def send_with_headers(message):
            nonlocal held_start
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if _is_html(headers):
                    held_start = {**message, "headers": headers}  # sent with the whole body
                    return
                message = {**message, "headers": _common(headers, settings)}
            elif message["type"] == "http.response.body" and held_start is not None:
                held_body.extend(message.get("body", b""))
                if message.get("more_body", False):
                    return
                await send(self._page_start(scope, held_start, bytes(held_body), settings))
                message = {"type": "http.response.body", "body": bytes(held_body)}
            elif message["type"] == "http.response.pathsend" and held_start is not None:
                # A static page the server sends straight from disk (granian's pathsend): the
                # policy needs its scripts, so read it; the server still sends the file.
                page = await asyncio.to_thread(Path(message["path"]).read_bytes)
                await send(self._page_start(scope, held_start, page, settings))
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _page_start(self, scope, start: dict, body: bytes, settings: Settings) -> dict:
        digest = hashlib.sha256(body).digest()
        hashes = self._script_hashes.get(digest)
        if hashes is None:
            hashes = " ".join(_inline_script_hashes(_decoded(start["headers"], body)))
            if len(self._script_hashes) >= _MAX_CACHED_POLICIES:
                self._script_hashes.clear()
            self._script_hashes[digest] = hashes
        policy = page_policy(settings, hashes, _request_host(scope), scope.get("path", ""))
        headers = _common(start["headers"], settings)
        headers = _replace(headers, b"cache-control", b"no-store")
        headers = _replace(headers, b"content-security-policy", policy.encode())
        return {**start, "headers": headers}


def page_policy(settings: Settings, script_hashes: str, host: str | None, path: str) -> str:
    script = ["'self'", script_hashes]
    style = ["'self'", "'unsafe-inline'"]
    images = ["'self'", "data:", "blob:"]
    # 'self' covers the page's own websocket in current browsers; older WebKit (iOS WebViews)
    # wants the ws/wss origin spelled out.
    connect = ["'self'"]
    if host:
        connect += [f"ws://{host}", f"wss://{host}"]
    if settings.STORAGE_BACKEND == "s3":
        # Photos are shown from presigned S3/MinIO links.
        storage = settings.S3_PUBLIC_ENDPOINT or settings.S3_ENDPOINT
        if storage:
            parts = urlsplit(storage)
            images.append(f"{parts.scheme}://{parts.netloc}")
    if path in _DOCS_PATHS:
        script.append(_DOCS_CDN)
        style.append(_DOCS_CDN)
        images.append("https://fastapi.tiangolo.com")
    directives = {
        "default-src": ["'self'"],
        "script-src": script,
        "style-src": style,
        "img-src": images,
        "font-src": ["'self'", "data:"],
        "connect-src": connect,
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": [settings.FRAME_ANCESTORS],
    }
    return "; ".join(
        f"{name} {' '.join(value for value in values if value)}"
        for name, values in directives.items()
    )


def _common(headers: list, settings: Settings) -> list:
    """What every response carries, HTML or not."""
    headers = _replace(headers, b"x-content-type-options", b"nosniff")
    headers = _replace(headers, b"referrer-policy", b"same-origin")
    if not any(key.lower() == b"content-security-policy" for key, _ in headers):
        # Not a page: nothing may load from it, and nobody may frame it.
        policy = f"default-src 'none'; frame-ancestors {settings.FRAME_ANCESTORS}"
        headers.append((b"content-security-policy", policy.encode()))
    legacy = {"'none'": b"DENY", "'self'": b"SAMEORIGIN"}.get(settings.FRAME_ANCESTORS)
    if legacy:  # browsers that predate frame-ancestors
        headers = _replace(headers, b"x-frame-options", legacy)
    return headers


def _replace(headers: list, name: bytes, value: bytes) -> list:
    return [(k, v) for k, v in headers if k.lower() != name] + [(name, value)]


def _is_html(headers: list) -> bool:
    content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
    return content_type.lower().startswith(b"text/html")


def _decoded(headers: list, body: bytes) -> bytes:
    encoding = next((v for k, v in headers if k.lower() == b"content-encoding"), b"").lower()
    if encoding in (b"", b"identity"):
        return body
    if encoding == b"gzip":
        return gzip.decompress(body)
    # Reflex precompresses with gzip by default; another encoding would hide the scripts.
    logger.warning("cannot read %s HTML to hash its inline scripts", encoding.decode())
    return b""


def _inline_script_hashes(html: bytes) -> list[str]:
    hashes = []
    for attributes, content in _INLINE_SCRIPT.findall(html):
        if _HAS_SRC.search(attributes) or not content:
            continue
        digest = base64.b64encode(hashlib.sha256(content).digest()).decode()
        if f"'sha256-{digest}'" not in hashes:
            hashes.append(f"'sha256-{digest}'")
    return hashes


def _request_host(scope) -> str | None:
    host = next(
        (v.decode("latin-1") for k, v in scope.get("headers", []) if k.lower() == b"host"), ""
    )
    return host if _HOST.match(host) else None
