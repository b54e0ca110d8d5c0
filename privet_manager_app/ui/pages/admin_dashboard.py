"""/admin/dashboard: the funnel, processed per day (30 days), managers' load and the median time
from claim to signature — charts sized for a phone. Figures come from SQL aggregates
(domain/dashboard.py); the page only draws them.
"""

from __future__ import annotations

from typing import TypedDict

import reflex as rx

from privet_manager_app.domain.admin import dashboard
from privet_manager_app.ui import routes
from privet_manager_app.ui.components import forms, layout
from privet_manager_app.ui.format import moscow_datetime, passport_views_line
from privet_manager_app.ui.state import SessionState, guard, run_domain

BAR_ROW_HEIGHT = 34
STATUS_FILLS = {
    "new": "var(--blue-9)",
    "in_progress": "var(--amber-9)",
    "contract_sent": "var(--violet-9)",
    "signed": "var(--teal-9)",
    "awaiting_payment": "var(--orange-9)",
    "processed": "var(--green-9)",
}


class FunnelBar(TypedDict):
    label: str
    count: int
    fill: str


class DayBar(TypedDict):
    label: str
    count: int


class ManagerBar(TypedDict):
    name: str
    in_work: int
    processed: int


class DashboardState(SessionState):
    refused: bool = False
    loaded: bool = False
    loading: bool = False
    error: str = ""
    kpi: dict[str, str] = {}
    funnel: list[FunnelBar] = []
    per_day: list[DayBar] = []
    manager_bars: list[ManagerBar] = []
    passport_views: list[str] = []  # full passport reads per manager, last 24 h
    generated: str = ""
    chain: dict[str, str] = {}

    @rx.var
    def funnel_height(self) -> int:
        return len(self.funnel) * BAR_ROW_HEIGHT + 16

    @rx.var
    def managers_height(self) -> int:
        return max(1, len(self.manager_bars)) * (BAR_ROW_HEIGHT + 6) + 48

    def _refuse(self, error, target: str) -> None:
        """The domain refused: an admin's figures are not for a manager."""
        self.refused = True
        self.loaded = True
        self.error = error.message
        self.kpi = {}
        self.funnel = []
        self.per_day = []
        self.manager_bars = []

    def _show(self, data: dashboard.Dashboard) -> None:
        self.kpi = {
            "total": str(data.total_clients),
            "in_work": str(data.in_work),
            "processed_period": str(data.processed_in_period),
            "processed_total": str(data.processed_total),
            "median": data.median_claim_to_sign_label,
            "signed": str(data.signed_clients),
            "days": str(data.days),
        }
        self.funnel = [
            FunnelBar(label=step.label, count=step.count, fill=STATUS_FILLS.get(step.status, ""))
            for step in data.funnel
        ]
        self.per_day = [DayBar(label=day.label, count=day.count) for day in data.processed_per_day]
        self.manager_bars = [
            ManagerBar(name=row.name, in_work=row.in_work, processed=row.processed)
            for row in data.managers
        ]
        self.passport_views = [passport_views_line(row) for row in data.passport_views]
        self.generated = moscow_datetime(data.generated_at)

    @rx.event
    @guard(error="error", busy="loading")
    async def open_page(self, actor):
        self.refused = False
        try:
            self._show(await run_domain(dashboard.get_dashboard, actor))
            self._show_chain(await run_domain(dashboard.audit_chain, actor))
        finally:
            self.loaded = True

    def _show_chain(self, state) -> None:
        head = state.head_hash
        self.chain = {
            "status": state.status,
            "label": state.status_label,
            "head": f"№ {state.head_seq}",
            "hash": " ".join(head[i : i + 16] for i in range(0, len(head), 16)),
            "checked": moscow_datetime(state.full_check_at or state.verified_at) or "ещё нет",
            "anchors": str(state.anchors),
            "broken": state.broken_reason or "",
        }


# ---- Markup -------------------------------------------------------------------------------------


def _kpi(
    label: str, key: str, icon: str, hint: rx.Var | str = "", value_size: str = "6"
) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.icon(icon, size=16, color=rx.color("accent", 10)),
                forms.muted(label, shade=11, weight="medium"),
                spacing="1",
                align="center",
            ),
            rx.text(DashboardState.kpi[key], size=value_size, weight="bold", id=f"kpi-{key}"),
            forms.muted(hint),
            spacing="1",
        ),
        width="100%",
    )


def _chart_card(title: str, subtitle: rx.Var | str, chart: rx.Component, card_id: str):
    return layout.section(
        title,
        forms.muted(subtitle),
        rx.box(chart, width="100%"),
        spacing="2",
        id=card_id,
        class_name="dashboard-chart",
    )


_TOOLTIP = {
    "content_style": {"borderRadius": "8px", "fontSize": "12px"},
    "cursor": {"fill": "var(--gray-a3)"},
}


def _horizontal_bars(
    key: str, *bars: rx.Component, width: int, data, right: int, height
) -> rx.Component:
    """A horizontal bar chart: one row per `key` (its labels `width` px wide), the counts
    axis hidden, `right` px kept free for the labels past the bars' ends."""
    return rx.recharts.bar_chart(
        rx.recharts.x_axis(type_="number", hide=True, allow_decimals=False),
        rx.recharts.y_axis(
            data_key=key,
            type_="category",
            width=width,
            tick_line=False,
            axis_line=False,
            tick={"fontSize": 12},
        ),
        rx.recharts.tooltip(**_TOOLTIP),
        *bars,
        data=data,
        layout="vertical",
        margin={"top": 0, "right": right, "left": 0, "bottom": 0},
        height=height,
    )


def _funnel_chart() -> rx.Component:
    return _horizontal_bars(
        "label",
        rx.recharts.bar(
            rx.foreach(DashboardState.funnel, lambda step: rx.recharts.cell(fill=step["fill"])),
            rx.recharts.label_list(data_key="count", position="right", font_size=12),
            data_key="count",
            name="Клиентов",
            radius=[0, 6, 6, 0],
            bar_size=20,
            is_animation_active=False,
        ),
        width=130,
        data=DashboardState.funnel,
        right=36,
        height=DashboardState.funnel_height,
    )


def _per_day_chart() -> rx.Component:
    return rx.recharts.bar_chart(
        rx.recharts.cartesian_grid(vertical=False, stroke_dasharray="3 3"),
        rx.recharts.x_axis(data_key="label", interval=6, tick_line=False, tick={"fontSize": 11}),
        rx.recharts.y_axis(
            allow_decimals=False, width=28, tick_line=False, axis_line=False, tick={"fontSize": 11}
        ),
        rx.recharts.tooltip(**_TOOLTIP),
        rx.recharts.bar(
            data_key="count",
            name="Обработано",
            fill="var(--green-9)",
            radius=[4, 4, 0, 0],
            is_animation_active=False,
        ),
        data=DashboardState.per_day,
        margin={"top": 8, "right": 4, "left": 0, "bottom": 0},
        height=200,
    )


def _inside_label(key: str) -> rx.Component:
    """The count inside its bar segment: a phone has no hover to show a tooltip."""
    return rx.recharts.label_list(
        data_key=key, position="center", fill="white", font_size=11, font_weight="bold"
    )


def _managers_chart() -> rx.Component:
    def segment(key: str, name: str, fill: str, **props) -> rx.Component:
        """One part of a manager's bar (in work, then processed), its count inside."""
        return rx.recharts.bar(
            _inside_label(key),
            data_key=key,
            name=name,
            stack_id="load",
            fill=fill,
            bar_size=18,
            is_animation_active=False,
            **props,
        )

    return _horizontal_bars(
        "name",
        segment("in_work", "В работе", "var(--amber-9)"),
        segment("processed", "Обработано", "var(--green-9)", radius=[0, 6, 6, 0]),
        width=120,
        data=DashboardState.manager_bars,
        right=12,
        height=DashboardState.managers_height,
    )


def _legend_item(label: str, color: str) -> rx.Component:
    return rx.hstack(
        rx.box(width="10px", height="10px", border_radius="3px", background=color),
        forms.muted(label, shade=11),
        spacing="1",
        align="center",
    )


def _chain_card() -> rx.Component:
    chain = DashboardState.chain
    broken = chain["status"] == "broken"
    return layout.section(
        "Журнал аудита",
        rx.hstack(
            rx.icon(
                rx.cond(broken, "shield_alert", "shield_check"),
                color=rx.cond(broken, rx.color("red", 10), rx.color("green", 10)),
            ),
            rx.text("Цепочка хешей: " + chain["label"], weight="bold", id="chain-status"),
            align="center",
        ),
        forms.banner(chain["broken"], icon="triangle_alert", color="red"),
        rx.text("Последняя запись " + chain["head"], size="2"),
        rx.text(
            chain["hash"],
            size="1",
            font_family="monospace",
            word_break="break-all",
            id="chain-head-hash",
        ),
        forms.muted(
            "Проверено: "
            + chain["checked"]
            + " · сверено голов из заверенных копий: "
            + chain["anchors"],
        ),
        forms.muted(
            "Полная проверка: python -m privet_manager_app verify-audit",
        ),
    )


def _content() -> rx.Component:
    state = DashboardState
    days = state.kpi["days"]
    return rx.vstack(
        layout.spread(
            rx.vstack(
                rx.heading("Дашборд", size="6"),
                forms.muted("Обновлено " + state.generated),
                spacing="0",
            ),
            end=rx.icon_button(
                rx.icon("refresh_cw", size=16),
                variant="soft",
                size="3",
                on_click=state.open_page,
                loading=state.loading,
                aria_label="Обновить",
                id="dashboard-refresh",
            ),
            align="center",
        ),
        forms.banner(state.error, icon="triangle_alert", color="red"),
        rx.grid(
            _kpi("Всего клиентов", "total", "users"),
            _kpi("В работе", "in_work", "briefcase"),
            _kpi(
                "Обработано",
                "processed_period",
                "circle_check",
                "за " + days + " дн. · всего " + state.kpi["processed_total"],
            ),
            _kpi(
                "Взят → подписан",
                "median",
                "timer",
                "медиана за " + days + " дн. · подписей: " + state.kpi["signed"],
                value_size="5",
            ),
            columns="2",
            spacing="3",
            width="100%",
        ),
        _chart_card(
            "Воронка",
            "Сколько клиентов сейчас на каждом этапе",
            _funnel_chart(),
            "chart-funnel",
        ),
        _chart_card(
            "Обработано по дням",
            "Последние " + days + " дней, по московскому времени",
            _per_day_chart(),
            "chart-per-day",
        ),
        _chart_card(
            "Менеджеры",
            "Клиенты в работе и обработанные",
            rx.vstack(
                _managers_chart(),
                rx.hstack(
                    _legend_item("В работе", "var(--amber-9)"),
                    _legend_item("Обработано", "var(--green-9)"),
                    spacing="4",
                    justify="center",
                    width="100%",
                ),
                spacing="2",
                width="100%",
            ),
            "chart-managers",
        ),
        layout.section(  # a list, not a chart
            "Просмотры паспортов",
            forms.muted(
                "Полные паспорта за 24 ч: форма, ссылка на договор, «Показать»",
            ),
            rx.cond(
                state.passport_views.length() > 0,
                rx.vstack(
                    rx.foreach(state.passport_views, lambda line: rx.text(line, size="2")),
                    spacing="1",
                    width="100%",
                ),
                forms.muted("Никто не смотрел", size="2"),
            ),
            spacing="2",
            id="passport-views",
        ),
        _chain_card(),
        spacing="3",
        width="100%",
    )


def page() -> rx.Component:
    state = DashboardState
    return layout.shell(
        rx.cond(
            state.refused,
            layout.admin_refusal(state.error),
            rx.cond(
                state.loaded,
                _content(),
                rx.center(rx.spinner(size="3"), width="100%", padding="48px"),
            ),
        ),
        back_href=routes.clients(),
    )
