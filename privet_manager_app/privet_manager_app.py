"""The Reflex app: UI pages + the REST API (FastAPI) on one port."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os

import reflex as rx

from privet_manager_app.api.app import create_api
from privet_manager_app.domain.clients import sync
from privet_manager_app.domain.clients.open_step import STEP_TITLES
from privet_manager_app.edge.asgi import ApiPaths, edge
from privet_manager_app.edge.origins import judge_socket_origins
from privet_manager_app.infra import cpu_pool, pdf, replicas
from privet_manager_app.settings import get_settings
from privet_manager_app.ui import routes
from privet_manager_app.ui.client_card import page as client_card
from privet_manager_app.ui.pages import (
    admin_dashboard,
    admin_managers,
    admin_tariffs,
    clients,
    login,
    step_contract,
    step_devices,
    step_final,
    step_passport,
    step_profile,
    verify,
)

get_settings()  # in production, refuse to start on a default secret before serving anything

app = rx.App(
    html_lang="ru",
    head_components=[
        rx.el.meta(
            name="viewport",
            content="width=device-width, initial-scale=1, viewport-fit=cover",
        ),
        rx.el.meta(name="theme-color", content="#f76b15"),
        # Before the app's own scripts: the session cookie gets `Secure` on HTTPS pages.
        rx.el.script(src="/secure_cookies.js"),
    ],
    stylesheets=["/live_list.css"],  # the live list's brief highlight of changed rows
    # The edge (body limits, security headers, origins) wraps everything Reflex serves.
    api_transformer=[create_api(), edge],
)
judge_socket_origins(app.sio, get_settings())


def asgi_app():
    """What the server runs (cli.serve): Reflex's app under the one check that must come before
    Reflex's own routing (edge/asgi.ApiPaths)."""
    return ApiPaths(app())


@app.register_lifespan_task
async def _warm_up_pdf_fonts():
    """Parse the contract fonts at start-up (≈0.4 s, in a thread), not in the first request."""
    await asyncio.to_thread(pdf.warm_up)


@app.register_lifespan_task
@contextlib.asynccontextmanager
async def _cpu_pool_stops_with_the_worker():
    """The CPU pool's processes end with this web worker. A worker process exits through
    multiprocessing, which waits for its children; nothing else tells the pool's processes to
    stop, so without this a SIGTERM (`docker stop`) left the worker and the pool running."""
    yield
    await asyncio.to_thread(cpu_pool.shutdown)


@app.register_lifespan_task
async def _sync_clients_from_client_app():
    """New and changed `users` into the list (domain/clients/sync.py), in a thread, every few
    seconds, with this replica's heartbeat; a failed round (the database away) is logged and
    tried again next round."""
    instance = os.environ.get(replicas.INSTANCE_ENV)
    while True:
        try:
            if instance:
                await asyncio.to_thread(replicas.heartbeat, instance)
            await asyncio.to_thread(sync.background_round)
        except Exception:
            logging.getLogger(__name__).exception("фоновая синхронизация клиентов не удалась")
        await asyncio.sleep(sync.ROUND_SECONDS)


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
    on_load=clients.ClientsState.open_page,
)

# Every open_page is guarded (ui/state.py): without a session it leads to the login page.
for module, state in (
    (step_profile, step_profile.ProfileState),
    (step_passport, step_passport.PassportState),
    (step_devices, step_devices.DevicesState),
    (step_contract, step_contract.ContractState),
    (step_final, step_final.FinalState),
):
    app.add_page(
        module.page,
        route=routes.client_step_route(state.STEP),
        title=f"{STEP_TITLES[state.STEP]} — Привет Супер",
        on_load=state.open_page,
    )

app.add_page(
    verify.page,
    route=routes.VERIFY,
    title="Проверка договора — Привет Супер",
    on_load=verify.VerifyState.open_page,
)

# Admin pages and the client card: the markup is public, every handler checks the session
# (and the admin role) on the server.
for module, route, state, title in (
    (admin_tariffs, routes.ADMIN_TARIFFS, admin_tariffs.TariffsAdminState, "Тарифы"),
    (admin_managers, routes.ADMIN_MANAGERS, admin_managers.ManagersState, "Менеджеры"),
    (admin_dashboard, routes.ADMIN_DASHBOARD, admin_dashboard.DashboardState, "Дашборд"),
    (client_card, routes.CLIENT_CARD_ROUTE, client_card.ClientCardState, "Карточка клиента"),
):
    app.add_page(
        module.page,
        route=route,
        title=f"{title} — Привет Супер",
        on_load=state.open_page,
    )
