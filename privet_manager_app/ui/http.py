"""ASGI wrapper: HTML is never cached (a WebView must not keep an old app shell)."""

from __future__ import annotations


def no_store_html(app):
    async def wrapped(scope, receive, send):
        if scope["type"] != "http":
            await app(scope, receive, send)
            return

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                content_type = next(
                    (value for key, value in headers if key.lower() == b"content-type"), b""
                )
                if content_type.startswith(b"text/html"):
                    headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                    headers.append((b"cache-control", b"no-store"))
                    message = {**message, "headers": headers}
            await send(message)

        await app(scope, receive, send_with_headers)

    return wrapped
