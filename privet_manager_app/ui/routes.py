"""Every route and URL builder of the UI in one place, so no link is typed twice."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from privet_manager_app.domain.clients.listing import Tab

LOGIN = "/login"
CLIENTS = "/clients"
VERIFY = "/verify"
ADMIN_TARIFFS = "/admin/tariffs"
ADMIN_MANAGERS = "/admin/managers"
ADMIN_DASHBOARD = "/admin/dashboard"

TABS = tuple(Tab)


def clients(tab: str = "new") -> str:
    return f"{CLIENTS}?{urlencode({'tab': tab})}"


def export_csv(tab: str, query: str = "") -> str:
    """The CSV of a list view, downloaded by the browser itself as it streams (REST, with the
    session cookie)."""
    return f"/api/manager/clients/export.csv?{urlencode({'tab': tab, 'q': query})}"


def login(next_path: str | None = None) -> str:
    if next_path and next_path.startswith("/") and not next_path.startswith("//"):
        return f"{LOGIN}?next={quote(next_path, safe='')}"
    return LOGIN


def client_step(client_id: int | str, step: int | str) -> str:
    return f"{CLIENTS}/{client_id}/step/{step}"


def client_step_route(step: int | str) -> str:
    """The route pattern a step page is registered under."""
    return client_step("[client_id]", step)


def client_card(client_id: int | str) -> str:
    """Everything about one client, read-only, with its history (log, chat, audit)."""
    return f"{CLIENTS}/{client_id}/card"


CLIENT_CARD_ROUTE = client_card("[client_id]")


def safe_next(next_path: str | None) -> str:
    """Only a local path may follow login (no open redirect to another site)."""
    if next_path and next_path.startswith("/") and not next_path.startswith("//"):
        return next_path
    return clients()
