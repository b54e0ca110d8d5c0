"""The edge as one ASGI wrapper: the last of the app's `api_transformer`s.

Reflex nests everything it serves — its own routes (`/_upload`, the event socket, `/ping`),
our FastAPI app and the compiled frontend — inside the app this wraps, so nothing reaches a
surface without passing the edge. Only Reflex's top-level context and CORS middleware sit
outside it.
"""

from __future__ import annotations

from privet_manager_app.edge.headers import SecurityHeaders
from privet_manager_app.edge.limits import BodyLimits


def edge(app):
    # Headers outermost, so the edge's own refusals (413 …) carry them too.
    return SecurityHeaders(BodyLimits(app))
