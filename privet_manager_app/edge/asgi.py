"""The edge as one ASGI wrapper: the last of the app's `api_transformer`s.

Reflex nests everything it serves — its own routes (`/_upload`, the event socket, `/ping`),
our FastAPI app and the compiled frontend — inside the app this wraps, so nothing reaches a
surface without passing the edge. Only Reflex's top-level context and CORS middleware sit
outside it.
"""

from __future__ import annotations

import re

from privet_manager_app.edge.headers import SecurityHeaders
from privet_manager_app.edge.limits import BodyLimits
from privet_manager_app.edge.responses import Refusal, send_refusal

# Starlette's routes and mounts match a path with `.*`, which stops at a line break: a decoded
# `%0A` in an /api path failed Reflex's own top-level mount and met its plain-text 404, before
# the edge or the API saw it. So this one runs outside Reflex (privet_manager_app.asgi_app).
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class ApiPaths:
    """An /api path no route can have (control characters) is the API's JSON 404."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path.startswith("/api/") and _CONTROL.search(path):
            await send_refusal(send, Refusal(404, "not_found", "Нет такого метода API"))
            return
        await self.app(scope, receive, send)


def edge(app):
    # Headers outermost, so the edge's own refusals (413 …) carry them too.
    return SecurityHeaders(BodyLimits(app))
