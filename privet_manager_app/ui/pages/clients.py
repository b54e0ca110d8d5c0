"""/clients?tab=…: the four tabs, search and keyset paging."""

from __future__ import annotations

from typing import TypedDict

import reflex as rx

from privet_manager_app.domain.clients import export as exports
from privet_manager_app.domain.clients import listing as clients
from privet_manager_app.domain.clients.listing import TAB_LABELS
from privet_manager_app.domain.common.money import plural
from privet_manager_app.domain.views import ClientCard
from privet_manager_app.ui import routes
from privet_manager_app.ui.components import forms, layout
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
    export_open: bool = False
    export_rows: int = 0
    export_href: str = ""
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
    async def prepare_export(self, actor):
        """How many rows the file will have; the download itself is a link the browser follows
        and saves as it streams (the file never passes through this state)."""
        self.export_rows = await run_domain(exports.export_row_count, actor, self.tab, self.query)
        self.export_href = routes.export_csv(self.tab, self.query)
        self.export_open = True

    @rx.event
    def download_export(self):
        """The browser fetches the REST link itself and saves the file as it streams (a plain
        link in the page would be taken by the client-side router)."""
        self.export_open = False
        return rx.download(url=self.export_href, filename=exports.export_filename(self.tab))

    @rx.event
    def set_export_open(self, value: bool):
        self.export_open = value

    @rx.var
    def export_summary(self) -> str:
        count = self.export_rows
        rows = plural(count, "строка", "строки", "строк")
        where = TAB_LABELS.get(self.tab, "")
        search = f", поиск «{self.query}»" if self.query else ""
        number = f"{count:,}".replace(",", "\u00a0")  # 199 782
        return f"В файле будет {number} {rows} (вкладка «{where}»{search})."


def _export_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Экспорт CSV"),
            rx.dialog.description(ClientsState.export_summary, size="2", id="export-summary"),
            layout.spread(
                rx.dialog.close(rx.button("Отмена", variant="soft", color_scheme="gray")),
                end=rx.button(
                    rx.icon("file_down", size=16),
                    "Скачать",
                    size="2",
                    id="export-download",
                    on_click=ClientsState.download_export,
                ),
                margin_top="16px",
            ),
            max_width="420px",
        ),
        open=ClientsState.export_open,
        on_open_change=ClientsState.set_export_open,
    )


def _card(row: CardRow) -> rx.Component:
    return rx.link(
        rx.card(
            rx.vstack(
                layout.spread(
                    rx.text(row["name"], weight="bold", size="3", trim="both"),
                    end=layout.status_badge(row["status"], row["status_label"]),
                    align="center",
                ),
                rx.hstack(
                    rx.icon("phone", size=14, color=rx.color("gray", 10)),
                    rx.text(row["phone"], size="2"),
                    rx.cond(
                        row["email"] != "",
                        forms.muted("· " + row["email"], size="2", shade=11),
                    ),
                    spacing="1",
                    align="center",
                    wrap="wrap",
                ),
                rx.hstack(
                    rx.icon("map_pin", size=14, color=rx.color("gray", 10), flex_shrink="0"),
                    forms.muted(row["address"], size="2", shade=11),
                    spacing="1",
                    align="start",
                ),
                layout.spread(
                    rx.cond(
                        row["manager"] != "",
                        rx.text(
                            "Менеджер: " + row["manager"], size="1", color=rx.color("gray", 10)
                        ),
                    ),
                    end=forms.muted(row["updated"]),
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
                forms.wide_input(
                    rx.input.slot(rx.icon("search", size=16)),
                    placeholder="Имя, телефон, email или адрес",
                    value=ClientsState.query,
                    on_change=ClientsState.search,
                    debounce_timeout=350,
                    type="search",
                    id="client-search",
                ),
                rx.tooltip(
                    rx.icon_button(
                        rx.icon("file_down", size=18),
                        on_click=ClientsState.prepare_export,
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
            _export_dialog(),
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
                forms.action_button(
                    "Ещё",
                    on_click=ClientsState.load_more,
                    variant="soft",
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
