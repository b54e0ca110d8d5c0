"""Phone-first shell: a header, the page, and the bottom tab bar (safe-area aware)."""

from __future__ import annotations

import reflex as rx

from privet_manager_app.domain.clients.listing import TAB_LABELS, Tab
from privet_manager_app.ui import routes
from privet_manager_app.ui.state import SessionState

TAB_ICONS = {
    Tab.NEW: "inbox",
    Tab.IN_WORK: "briefcase",
    Tab.MINE: "user_round",
    Tab.PROCESSED: "circle_check",
}
TAB_ITEMS = tuple((tab.value, TAB_LABELS[tab], TAB_ICONS[tab]) for tab in Tab)
TAB_BAR_HEIGHT = "64px"
# A page's outer box: the whole screen's height, the app's grey behind the content.
SCREEN = {"min_height": "100dvh", "background": rx.color("gray", 2)}


def brand() -> rx.Component:
    return rx.hstack(
        rx.box(
            rx.text("П", weight="bold", color="white", size="4"),
            background=rx.color("accent", 9),
            border_radius="10px",
            width="32px",
            height="32px",
            display="flex",
            align_items="center",
            justify_content="center",
        ),
        rx.vstack(
            rx.text("Привет Супер", weight="bold", size="3", line_height="1"),
            rx.text("кабинет менеджера", size="1", color=rx.color("gray", 11), line_height="1"),
            spacing="1",
        ),
        align="center",
        spacing="2",
    )


def header(title: rx.Component | str | None = None, back_href: str | None = None) -> rx.Component:
    left = (
        rx.link(rx.icon("chevron_left", size=24), href=back_href, aria_label="Назад")
        if back_href
        else brand()
    )
    return rx.hstack(
        left,
        rx.cond(title is not None, rx.heading(title or "", size="4", trim="both"), rx.fragment()),
        rx.spacer(),
        rx.menu.root(
            rx.menu.trigger(
                rx.button(
                    rx.icon("circle_user_round", size=18),
                    rx.text(SessionState.manager_name, size="2", class_name="manager-name"),
                    variant="ghost",
                    size="2",
                    id="account-menu",
                )
            ),
            rx.menu.content(
                rx.cond(
                    SessionState.is_admin,
                    rx.fragment(
                        rx.text("Админ", size="1", color=rx.color("gray", 10), padding="4px 12px"),
                        rx.menu.item("Тарифы", on_click=rx.redirect(routes.ADMIN_TARIFFS)),
                        rx.menu.item(
                            "Менеджеры",
                            on_click=rx.redirect(routes.ADMIN_MANAGERS),
                            id="menu-admin-managers",
                        ),
                        rx.menu.item(
                            "Дашборд",
                            on_click=rx.redirect(routes.ADMIN_DASHBOARD),
                            id="menu-admin-dashboard",
                        ),
                        rx.menu.separator(),
                    ),
                ),
                rx.menu.item("Проверка договора", on_click=rx.redirect(routes.VERIFY)),
                rx.menu.separator(),
                rx.menu.item(
                    "Выйти", color="red", on_click=SessionState.logout, id="logout-button"
                ),
            ),
        ),
        align="center",
        width="100%",
        padding_x="16px",
        padding_top="calc(env(safe-area-inset-top) + 10px)",
        padding_bottom="10px",
        position="sticky",
        top="0",
        z_index="10",
        background=rx.color("gray", 1),
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        spacing="3",
    )


def _tab_icon(icon: str, tab: str, counts: rx.Var[dict[str, int]] | None) -> rx.Component:
    if counts is None:
        return rx.icon(icon, size=22)
    # How many clients the tab holds, over the corner of its icon (followed live by the list).
    return rx.box(
        rx.icon(icon, size=22),
        rx.cond(
            counts[tab],
            rx.badge(
                counts[tab].to_string(),
                variant="solid",
                radius="full",
                size="1",
                position="absolute",
                top="-6px",
                left="14px",
                id=f"tab-count-{tab}",
            ),
        ),
        position="relative",
    )


def tab_bar(active_tab: rx.Var[str], counts: rx.Var[dict[str, int]] | None = None) -> rx.Component:
    def item(tab: str, label: str, icon: str) -> rx.Component:
        color = rx.cond(active_tab == tab, rx.color("accent", 11), rx.color("gray", 10))
        return rx.link(
            rx.vstack(
                _tab_icon(icon, tab, counts),
                rx.text(label, size="1", weight="medium"),
                align="center",
                spacing="1",
            ),
            href=routes.clients(tab),
            color=color,
            underline="none",
            flex="1",
            display="flex",
            justify_content="center",
            padding_y="8px",
            id=f"tab-{tab}",
            aria_current=rx.cond(active_tab == tab, "page", "false"),
        )

    return rx.hstack(
        *(item(*spec) for spec in TAB_ITEMS),
        position="fixed",
        bottom="0",
        left="0",
        right="0",
        z_index="10",
        background=rx.color("gray", 1),
        border_top=f"1px solid {rx.color('gray', 5)}",
        padding_bottom="env(safe-area-inset-bottom)",
        spacing="0",
        width="100%",
        role="navigation",
    )


def shell(
    *children: rx.Component,
    active_tab: rx.Var[str] | None = None,
    tab_counts: rx.Var[dict[str, int]] | None = None,
    **header_props,
):
    """A page: header, a centred column of content, and (on list pages) the tab bar."""
    body = rx.box(
        *children,
        width="100%",
        max_width="720px",
        margin_x="auto",
        padding="12px 12px",
        padding_bottom=f"calc({TAB_BAR_HEIGHT} + env(safe-area-inset-bottom) + 16px)",
    )
    parts = [header(**header_props), body]
    if active_tab is not None:
        parts.append(tab_bar(active_tab, tab_counts))
    return rx.box(*parts, **SCREEN)


STATUS_COLORS = {
    "new": "blue",
    "in_progress": "amber",
    "contract_sent": "violet",
    "signed": "teal",
    "awaiting_payment": "orange",
    "processed": "green",
}


def status_badge(status: rx.Var[str], label: rx.Var[str]) -> rx.Component:
    return rx.badge(
        label,
        color_scheme=rx.match(
            status, *[(key, value) for key, value in STATUS_COLORS.items()], "gray"
        ),
        variant="soft",
        size="1",
    )


def spread(*start: rx.Component, end: rx.Component, **props) -> rx.Component:
    """A row across the width: `start` on the left, `end` pushed to the right edge."""
    return rx.hstack(*start, rx.spacer(), end, width="100%", **props)


def section(
    title: str | rx.Var[str],
    *children: rx.Component,
    icon: str | None = None,
    spacing: str = "3",
    **props,
) -> rx.Component:
    """A card with a heading over its content: one part of a page."""
    heading = rx.heading(title, size="3")
    if icon is not None:
        heading = rx.hstack(
            rx.icon(icon, size=18, color=rx.color("accent", 10)),
            heading,
            align="center",
            spacing="2",
        )
    return rx.card(
        rx.vstack(heading, *children, spacing=spacing, width="100%"), width="100%", **props
    )


def admin_refusal(message: rx.Var[str], explanation: str | None = None) -> rx.Component:
    """What a manager sees on an admin page: the domain's refusal, no data (the server sent
    none)."""
    parts = [
        rx.icon("shield_x", size=32, color=rx.color("red", 10)),
        rx.heading(message, size="4", text_align="center"),
    ]
    if explanation:
        parts.append(
            rx.text(explanation, size="2", color=rx.color("gray", 11), text_align="center")
        )
    parts.append(rx.link(rx.button("К списку клиентов", variant="soft"), href=routes.clients()))
    return rx.card(
        rx.vstack(*parts, align="center", spacing="3", padding="12px"),
        width="100%",
        id="admin-refused",
    )
