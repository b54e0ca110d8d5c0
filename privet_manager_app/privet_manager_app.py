"""The Reflex app: UI pages + the REST API (FastAPI) on one port."""

from __future__ import annotations

import reflex as rx

from privet_manager_app.api.app import create_api
from privet_manager_app.settings import get_settings
from privet_manager_app.ui import routes
from privet_manager_app.ui.http import no_store_html
from privet_manager_app.ui.pages import clients, login
from privet_manager_app.ui.state import SessionState

get_settings()  # in production, refuse to start on a default secret before serving anything

app = rx.App(
    html_lang="ru",
    head_components=[
        rx.el.meta(
            name="viewport",
            content="width=device-width, initial-scale=1, viewport-fit=cover",
        ),
        rx.el.meta(name="theme-color", content="#f76b15"),
    ],
    api_transformer=[create_api(), no_store_html],
)


def _index() -> rx.Component:
    return rx.center(rx.spinner(size="3"), min_height="100dvh")


app.add_page(
    _index, route="/", title="Привет Супер — менеджер", on_load=rx.redirect(routes.clients())
)
app.add_page(
    login.page, route=routes.LOGIN, title="Вход — Привет Супер", on_load=login.LoginState.open_page
)
app.add_page(
    clients.page,
    route=routes.CLIENTS,
    title="Клиенты — Привет Супер",
    on_load=[SessionState.require_login, clients.ClientsState.open_page],
)
