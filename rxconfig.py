"""Reflex configuration: the UI and the REST API are served by one backend on one port."""

import os

import reflex as rx

from privet_manager_app.edge.origins import allowed_origins
from privet_manager_app.settings import Settings

# The compiled frontend embeds the backend URL; the hostname is swapped for the page's own at
# run time (and the port dropped behind HTTPS), so only the port has to be right at build time.
_port = int(os.environ.get("PORT", "8000"))

config = rx.Config(
    app_name="privet_manager_app",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    frontend_port=_port,
    backend_port=_port,
    api_url=os.environ.get("API_URL", f"http://localhost:{_port}"),
    redis_url=os.environ.get("REDIS_URL") or None,
    # Every CORS layer Reflex builds, and the socket's Origin check: never "*" (README,
    # «Граница HTTP»).
    cors_allowed_origins=allowed_origins(Settings()),
    # An internal tool has no public sitemap; styling uses Radix props, so no Tailwind either.
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(accent_color="orange", gray_color="slate", radius="large")
        )
    ],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
