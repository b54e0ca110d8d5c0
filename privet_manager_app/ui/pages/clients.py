"""/clients?tab=…: the four tabs, search and keyset paging."""

from __future__ import annotations

from typing import TypedDict

import reflex as rx

from privet_manager_app.domain.clients import export as exports
from privet_manager_app.domain.clients import listing as clients
from privet_manager_app.domain.views import ClientCard
from privet_manager_app.ui import routes
from privet_manager_app.ui.components import layout
from privet_manager_app.ui.format import moscow_datetime
from privet_manager_app.ui.live_list import LiveListMixin
from privet_manager_app.ui.state import SessionState, guard, run_domain

PAGE_SIZE = 20


class CardRow(TypedDict):
    id: int
    href: str
    name: str
    phone: str
    email: str
    status: str
    status_label: str
    address: str
    manager: str
    updated: str
    version: int
    highlight: str  # a CSS class while the row shows a change a colleague just made


def _row(card: ClientCard) -> CardRow:
    return CardRow(
        id=card.id,
        href=routes.client_step(card.id, 1),
        name=card.name or "Без имени",
        phone=card.phone_display,
        email=card.email or "",
        status=card.status,
        status_label=card.status_label,
        address=card.registration_address or "Адрес не указан",
        manager=card.assigned_manager.name if card.assigned_manager else "",
        updated=moscow_datetime(card.updated_at),
        version=card.version,
        highlight="",
    )


class ClientsState(LiveListMixin, SessionState):
    tab: str = "new"
    query: str = ""
    rows: list[CardRow] = []
    next_cursor: str = ""
    loading: bool = False
    exporting: bool = False
    error: str = ""

    async def _load(self, actor, *, append: bool) -> None:
        page = await run_domain(
            clients.list_clients,
            actor,
            tab=self.tab,
            query=self.query,
            cursor=self.next_cursor if append else None,
            limit=PAGE_SIZE,
        )
        new_rows = [_row(card) for card in page.items]
        self.rows = [*self.rows, *new_rows] if append else new_rows
        self.next_cursor = page.next_cursor or ""

    async def _first_rows(self, actor, tab: str, query: str, count: int):
        """The list's first `count` rows as they are now (for the live update: what is loaded
        stays loaded, so the scroll position holds)."""
        wanted = max(count, PAGE_SIZE)
        rows: list[CardRow] = []
        cursor = None
        while True:
            page = await run_domain(
                clients.list_clients,
                actor,
                tab=tab,
                query=query,
                cursor=cursor,
                limit=min(clients.MAX_PAGE, wanted - len(rows)),
            )
            rows += [_row(card) for card in page.items]
            cursor = page.next_cursor
            if not cursor or len(rows) >= wanted:
                return rows, cursor or ""

    @rx.event
    @guard(error="error", busy="loading")
    async def open_page(self, actor):
        tab = self.router.url.query_parameters.get("tab", "new")
        self.tab = tab if tab in routes.TABS else "new"
        await self._load(actor, append=False)
        await self._count_tabs(actor)
        return ClientsState.watch

    @rx.event
    @guard(error="error", busy="loading")
    async def search(self, actor, value: str):
        self.query = value[: clients.MAX_QUERY_LENGTH]
        await self._load(actor, append=False)

    @rx.event
    @guard(error="error", busy="loading")
    async def load_more(self, actor):
        if self.next_cursor:
            await self._load(actor, append=True)

    @rx.event
    @guard(error="error", busy="exporting")
    async def export_csv(self, actor):
        """The whole current view (tab + search) as a CSV file for Excel."""
        data = await run_domain(exports.export_clients_csv, actor, self.tab, self.query)
        return rx.download(
            data=data, filename=exports.export_filename(self.tab), mime_type="text/csv"
        )


def _card(row: CardRow) -> rx.Component:
    return rx.link(
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.text(row["name"], weight="bold", size="3", trim="both"),
                    rx.spacer(),
                    layout.status_badge(row["status"], row["status_label"]),
                    width="100%",
                    align="center",
                ),
                rx.hstack(
                    rx.icon("phone", size=14, color=rx.color("gray", 10)),
                    rx.text(row["phone"], size="2"),
                    rx.cond(
                        row["email"] != "",
                        rx.text("· " + row["email"], size="2", color=rx.color("gray", 11)),
                    ),
                    spacing="1",
                    align="center",
                    wrap="wrap",
                ),
                rx.hstack(
                    rx.icon("map_pin", size=14, color=rx.color("gray", 10), flex_shrink="0"),
                    rx.text(row["address"], size="2", color=rx.color("gray", 11)),
                    spacing="1",
                    align="start",
                ),
                rx.hstack(
                    rx.cond(
                        row["manager"] != "",
                        rx.text(
                            "Менеджер: " + row["manager"], size="1", color=rx.color("gray", 10)
                        ),
                    ),
                    rx.spacer(),
                    rx.text(row["updated"], size="1", color=rx.color("gray", 10)),
                    width="100%",
                ),
                spacing="2",
                width="100%",
            ),
            width="100%",
            class_name="client-card " + row["highlight"],
        ),
        href=row["href"],
        underline="none",
        color="inherit",
        width="100%",
        key=row["id"],
    )


def page() -> rx.Component:
    return layout.shell(
        rx.vstack(
            rx.hstack(
                rx.input(
                    rx.input.slot(rx.icon("search", size=16)),
                    placeholder="Имя, телефон, email или адрес",
                    value=ClientsState.query,
                    on_change=ClientsState.search,
                    debounce_timeout=350,
                    size="3",
                    width="100%",
                    type="search",
                    id="client-search",
                ),
                rx.tooltip(
                    rx.icon_button(
                        rx.icon("file_down", size=18),
                        on_click=ClientsState.export_csv,
                        loading=ClientsState.exporting,
                        variant="soft",
                        size="3",
                        aria_label="Экспорт CSV",
                        id="export-csv",
                    ),
                    content="Экспорт CSV",
                ),
                width="100%",
                spacing="2",
            ),
            rx.cond(
                ClientsState.error,
                rx.callout(ClientsState.error, icon="triangle_alert", color_scheme="red"),
            ),
            rx.foreach(ClientsState.rows, _card),
            rx.cond(
                ClientsState.loading,
                rx.center(rx.spinner(size="3"), width="100%", padding="12px"),
                rx.cond(
                    ClientsState.rows.length() == 0,
                    rx.center(
                        rx.text("Никого не нашли", color=rx.color("gray", 10)),
                        width="100%",
                        padding="24px",
                        id="clients-empty",
                    ),
                ),
            ),
            rx.cond(
                ClientsState.next_cursor != "",
                rx.button(
                    "Ещё",
                    on_click=ClientsState.load_more,
                    variant="soft",
                    size="3",
                    width="100%",
                    loading=ClientsState.loading,
                    id="load-more",
                ),
            ),
            spacing="3",
            width="100%",
            on_unmount=ClientsState.stop_watching,
        ),
        active_tab=ClientsState.tab,
        tab_counts=ClientsState.tab_counts,
    )
