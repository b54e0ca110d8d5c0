"""The edge answers in the API's own shape: `{detail, code}` JSON, Russian text."""

from __future__ import annotations

import json


class Refusal(Exception):
    """A request the edge answers itself, before the app behind it sees the body."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.detail = detail


async def send_refusal(send, refusal: Refusal) -> None:
    body = json.dumps({"detail": refusal.detail, "code": refusal.code}, ensure_ascii=False)
    payload = body.encode()
    await send(
        {
            "type": "http.response.start",
            "status": refusal.status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                # The rest of a refused body is not wanted: the connection ends with the answer.
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
