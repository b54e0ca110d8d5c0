"""/clients/[client_id]/card: everything about one client, read-only, with its history.

Contacts, address, passport (masked — the full number only by «Показать», which is audited),
devices, tariff/contract/invoice; the internal log with free notes, what we sent to the client's
chat, the audit trail; for an admin, handing the client to another manager and reopening a
signed file. Opening the card never claims the client (the wizard does).
"""

from __future__ import annotations

import reflex as rx

from privet_manager_app.ui import routes
from privet_manager_app.ui.client_card.state import (
    AuditRow,
    ChatRow,
    ClientCardState,
    DeviceRow,
    LogRow,
)
from privet_manager_app.ui.components import forms, layout, signed_copy

# ---- Markup -------------------------------------------------------------------------------------

MUTED = rx.color("gray", 10)


def _section(title: str | rx.Var[str], icon: str, *children: rx.Component, **props) -> rx.Component:
    return layout.section(title, *children, icon=icon, spacing="2", **props)


def _line(label: str, value: rx.Component | rx.Var | str) -> rx.Component:
    return rx.hstack(
        rx.text(label, size="2", color=MUTED, min_width="104px"),
        value if isinstance(value, rx.Component) else rx.text(value, size="2", weight="medium"),
        align="start",
        width="100%",
    )


def _deal_line(label: str, key: str) -> rx.Component:
    return rx.cond(ClientCardState.deal[key], _line(label, ClientCardState.deal[key]))


def _title() -> rx.Component:
    state = ClientCardState
    return rx.vstack(
        rx.hstack(
            rx.heading(
                state.card["name"],
                size="5",
                id="card-title",
                min_width="0",
                overflow_wrap="anywhere",
            ),
            layout.status_badge(state.card["status"], state.card["status_label"]),
            width="100%",
            align="center",
            justify="between",
            wrap="wrap",
        ),
        rx.text("Ведёт: " + state.card["manager"], size="2", color=MUTED, id="card-manager"),
        rx.link(
            forms.action_button(
                rx.icon("square_pen", size=16),
                "Открыть мастер оформления",
                variant="soft",
            ),
            href=state.wizard_href,
            width="100%",
            id="open-wizard",
        ),
        spacing="2",
        width="100%",
    )


def _reason_action(
    name: str, label: str, placeholder: str, reason, set_reason, on_click, loading
) -> rx.Component:
    """An audited admin action: the reason typed first (`#<name>-reason`), then the button
    (`#<name>-submit`)."""
    return rx.fragment(
        rx.text_area(
            value=reason,
            on_change=set_reason,
            placeholder=placeholder,
            width="100%",
            id=f"{name}-reason",
        ),
        rx.button(
            label,
            on_click=on_click,
            loading=loading,
            color_scheme="amber",
            width="100%",
            id=f"{name}-submit",
        ),
    )


def _reassign() -> rx.Component:
    state = ClientCardState
    return rx.cond(
        state.can_reassign & (state.manager_options.length() > 0),
        _section(
            "Передать клиента",
            "arrow_left_right",
            rx.hstack(
                rx.box(
                    rx.select.root(
                        rx.select.trigger(
                            placeholder="Менеджер", width="100%", id="reassign-manager"
                        ),
                        rx.select.content(
                            rx.foreach(
                                state.manager_options,
                                lambda option: rx.select.item(option["name"], value=option["id"]),
                            )
                        ),
                        value=state.reassign_to,
                        on_change=state.set_reassign_to,
                        size="3",
                    ),
                    flex="1",
                    min_width="0",
                ),
                rx.button(
                    "Передать",
                    on_click=state.reassign,
                    loading=state.reassigning,
                    size="3",
                    id="reassign-submit",
                ),
                width="100%",
                spacing="2",
            ),
            forms.note(state.reassign_message, "green", size="2"),
            forms.note(state.reassign_error, "red", size="2"),
            id="reassign-card",
        ),
    )


def _reopen() -> rx.Component:
    state = ClientCardState
    return rx.cond(
        state.can_reopen | (state.reopen_message != ""),
        _section(
            "Переоткрыть дело",
            "rotate_ccw",
            rx.text(
                "Подписанный договор останется в архиве подлинным; клиент вернётся в работу, "
                "следующий договор получит новый номер. Неоплаченный счёт будет отменён.",
                size="2",
                color=MUTED,
            ),
            _reason_action(
                "reopen",
                "Переоткрыть",
                "Причина (обязательно)",
                state.reopen_reason,
                state.set_reopen_reason,
                state.reopen,
                state.reopening,
            ),
            forms.note(state.reopen_message, "green", size="2", id="reopen-message"),
            forms.note(state.reopen_error, "red", size="2"),
            id="reopen-card",
        ),
    )


def _signing_lock() -> rx.Component:
    """The client's signing is locked after too many wrong codes: shown to everyone; an admin
    may unlock it, with a reason (audited)."""
    state = ClientCardState
    return rx.cond(
        (state.signing_locked_until != "") | (state.unlock_message != ""),
        _section(
            rx.cond(
                state.signing_locked_until != "",
                "Подписание заблокировано",
                "Подписание разблокировано",
            ),
            "lock",
            rx.cond(
                state.signing_locked_until != "",
                rx.text(
                    "Исчерпан лимит неверных кодов клиента (" + state.signing_lock_text + "). "
                    "Разблокируется " + state.signing_locked_until + " (МСК).",
                    size="2",
                    id="signing-lock-text",
                ),
            ),
            rx.cond(
                state.is_admin & (state.signing_locked_until != ""),
                rx.vstack(
                    _reason_action(
                        "unlock",
                        "Разблокировать подписание",
                        "Причина разблокировки (обязательно)",
                        state.unlock_reason,
                        state.set_unlock_reason,
                        state.unlock_signing,
                        state.unlocking,
                    ),
                    spacing="2",
                    width="100%",
                ),
            ),
            forms.note(state.unlock_message, "green", size="2", id="unlock-message"),
            forms.note(state.unlock_error, "red", size="2"),
            id="signing-lock-card",
        ),
    )


def _contacts() -> rx.Component:
    state = ClientCardState
    return _section(
        "Контакты",
        "contact",
        _line(
            "Телефон",
            rx.cond(
                state.card["phone_href"] != "",
                rx.link(state.card["phone"], href=state.card["phone_href"], size="2"),
                rx.text(state.card["phone"], size="2"),
            ),
        ),
        _line("Email", state.card["email"]),
        _line("Адрес", state.card["address"]),
        rx.cond(
            state.address_parts.length() > 0,
            rx.flex(
                rx.foreach(
                    state.address_parts,
                    lambda part: rx.badge(part, variant="surface", color_scheme="gray"),
                ),
                wrap="wrap",
                gap="4px",
            ),
        ),
        _line("Создан", state.card["created"]),
    )


def _passport() -> rx.Component:
    state = ClientCardState

    def shown(number, weight: str) -> rx.Component:
        return rx.text(
            number, size="2", weight=weight, font_family="monospace", id="passport-number"
        )

    number = rx.hstack(
        rx.cond(
            state.revealed_number != "",
            shown(state.revealed_number, "bold"),
            shown(state.passport["number"], "medium"),
        ),
        rx.cond(
            state.can_reveal,
            rx.cond(
                state.revealed_number != "",
                rx.button(
                    rx.icon("eye_off", size=14),
                    "Скрыть",
                    size="1",
                    variant="ghost",
                    on_click=state.hide_passport,
                    id="hide-passport",
                ),
                rx.button(
                    rx.icon("eye", size=14),
                    "Показать",
                    size="1",
                    variant="soft",
                    on_click=state.reveal_passport,
                    loading=state.revealing,
                    id="reveal-passport",
                ),
            ),
        ),
        align="center",
        spacing="2",
        wrap="wrap",
    )
    return _section(
        "Паспорт",
        "id_card",
        rx.cond(
            state.has_passport,
            rx.vstack(
                _line("ФИО", state.passport["full_name"]),
                _line("Рождение", state.passport["birth"]),
                _line("Серия, номер", number),
                rx.cond(
                    state.revealed_number != "",
                    rx.text(
                        "Просмотр номера записан в журнал аудита",
                        size="1",
                        color=rx.color("amber", 11),
                        id="reveal-note",
                    ),
                ),
                forms.note(state.reveal_error, "red", size="1"),
                _line("Выдан", state.passport["issued"]),
                _line("Код подразд.", state.passport["division_code"]),
                rx.cond(
                    state.passport_views.length() > 0,
                    rx.vstack(
                        rx.text("Полный паспорт смотрели за 24 ч:", size="1", color=MUTED),
                        rx.foreach(
                            state.passport_views,
                            lambda line: rx.text(line, size="1", color=MUTED),
                        ),
                        spacing="0",
                        id="passport-views",
                    ),
                ),
                spacing="2",
                width="100%",
            ),
            rx.text("Паспорт ещё не внесён", size="2", color=MUTED),
        ),
        id="card-passport",
    )


def _devices() -> rx.Component:
    state = ClientCardState

    def device(row: DeviceRow) -> rx.Component:
        return rx.hstack(
            rx.icon("smartphone", size=18, color=MUTED, flex_shrink="0"),
            rx.vstack(
                rx.text(row["title"], size="2", weight="medium"),
                rx.text(row["details"], size="1", color=MUTED),
                spacing="0",
                flex="1",
                min_width="0",
            ),
            rx.badge(
                rx.icon("camera", size=12),
                row["photos"],
                variant="soft",
                color_scheme=rx.cond(row["photos"] > 0, "green", "red"),
            ),
            align="center",
            width="100%",
            padding_y="4px",
            class_name="card-device",
        )

    return _section(
        "Устройства",
        "monitor_smartphone",
        rx.cond(
            state.devices.length() > 0,
            rx.vstack(rx.foreach(state.devices, device), spacing="1", width="100%"),
            rx.text("Устройств пока нет", size="2", color=MUTED),
        ),
    )


def _deal_section() -> rx.Component:
    state = ClientCardState
    return _section(
        "Тариф и договор",
        "file_text",
        rx.cond(
            state.deal.length() > 0,
            rx.vstack(
                _deal_line("Тариф", "tariff"),
                _deal_line("Абон. плата", "monthly"),
                _deal_line("Доплата", "surcharge"),
                _deal_line("Договор", "contract"),
                _deal_line("Статус", "contract_status"),
                _deal_line("Подписан", "signed_at"),
                _deal_line("Оплачено", "paid"),
                _deal_line("Дата оплаты", "paid_at"),
                _deal_line("Счёт", "invoice"),
                _deal_line("Статус счёта", "invoice_status"),
                rx.cond(
                    state.deal["signed_at"],
                    signed_copy.button(
                        state.download_signed_copy,
                        busy=state.copy_busy,
                        error=state.copy_error,
                        element_id="card-signed-copy",
                    ),
                ),
                spacing="2",
                width="100%",
            ),
            rx.text("Тариф ещё не рассчитан, договора нет", size="2", color=MUTED),
        ),
    )


def _tab(
    rows, render, empty: str, *before: rx.Component, gap: str = "0", top: str = "12px"
) -> rx.Component:
    """One history tab: what comes before the list, then the rows newest first, or a note."""
    return rx.vstack(
        *before,
        rx.cond(
            rows.length() > 0,
            rx.vstack(rx.foreach(rows, render), spacing=gap, width="100%"),
            _empty(empty),
        ),
        spacing="2",
        width="100%",
        padding_top=top,
    )


def _empty(text: str) -> rx.Component:
    return rx.center(rx.text(text, size="2", color=MUTED), padding="16px", width="100%")


def _log_tab() -> rx.Component:
    state = ClientCardState

    def entry(row: LogRow) -> rx.Component:
        return rx.hstack(
            rx.box(
                rx.cond(
                    row["is_note"],
                    rx.icon("sticky_note", size=14, color=rx.color("amber", 11)),
                    rx.icon("zap", size=14, color=rx.color("gray", 10)),
                ),
                padding_top="2px",
            ),
            rx.vstack(
                rx.text(row["body"], size="2", white_space="pre-wrap", word_break="break-word"),
                rx.text(row["meta"], size="1", color=MUTED),
                spacing="0",
                min_width="0",
            ),
            align="start",
            spacing="2",
            width="100%",
            padding_y="6px",
            border_bottom=f"1px solid {rx.color('gray', 4)}",
            class_name="log-entry",
        )

    return _tab(
        state.log,
        entry,
        "Записей пока нет",
        rx.text_area(
            value=state.note,
            on_change=state.set_note,
            placeholder="Заметка для коллег (клиент её не увидит)",
            rows="3",
            width="100%",
            id="note-body",
        ),
        forms.note(state.note_error, "red", size="1"),
        rx.button(
            rx.icon("plus", size=16),
            "Добавить заметку",
            on_click=state.add_note,
            loading=state.saving_note,
            disabled=state.note.strip() == "",
            width="100%",
            id="add-note",
        ),
    )


def _chat_tab() -> rx.Component:
    state = ClientCardState

    def message(row: ChatRow) -> rx.Component:
        return rx.box(
            rx.badge(row["kind_label"], variant="soft", size="1"),
            rx.text(row["body"], size="2", margin_top="4px", white_space="pre-wrap"),
            rx.text(row["meta"], size="1", color=MUTED, margin_top="2px"),
            background=rx.color("accent", 2),
            border=f"1px solid {rx.color('accent', 4)}",
            border_radius="12px",
            padding="10px 12px",
            width="100%",
            class_name="chat-message",
        )

    return _tab(
        state.chat,
        message,
        "Сообщений клиенту ещё не было",
        rx.text(
            "Что мы отправили в чат поддержки в приложении «Привет Супер». Коды подписания "
            "скрыты — их знает только клиент.",
            size="1",
            color=MUTED,
        ),
        gap="2",
    )


def _audit_tab() -> rx.Component:
    state = ClientCardState

    def entry(row: AuditRow) -> rx.Component:
        return rx.vstack(
            rx.text(row["action_label"], size="2", weight="medium"),
            rx.foreach(
                row["changes"],
                lambda change: forms.muted(change, shade=11),
            ),
            rx.text(row["meta"], size="1", color=MUTED),
            rx.cond(row["origin"] != "", rx.text(row["origin"], size="1", color=MUTED)),
            spacing="0",
            width="100%",
            padding_y="6px",
            border_bottom=f"1px solid {rx.color('gray', 4)}",
            class_name="audit-entry",
        )

    return _tab(
        state.trail,
        entry,
        "Изменений пока нет",
        top="8px",
    )


def _history() -> rx.Component:
    state = ClientCardState
    return rx.card(
        rx.tabs.root(
            rx.tabs.list(
                rx.tabs.trigger("Журнал", value="log", id="tab-log"),
                rx.tabs.trigger("Чат клиента", value="chat", id="tab-chat"),
                rx.tabs.trigger(
                    "Аудит",
                    rx.badge(state.trail.length(), size="1", variant="soft", margin_left="4px"),
                    value="audit",
                    id="tab-audit",
                ),
                size="2",
                width="100%",
            ),
            rx.tabs.content(_log_tab(), value="log"),
            rx.tabs.content(_chat_tab(), value="chat"),
            rx.tabs.content(_audit_tab(), value="audit"),
            default_value="log",
            width="100%",
        ),
        width="100%",
        id="card-history",
    )


def page() -> rx.Component:
    state = ClientCardState
    return layout.shell(
        rx.cond(
            state.loaded,
            rx.cond(
                state.page_error,
                rx.callout(
                    state.page_error, icon="triangle_alert", color_scheme="red", width="100%"
                ),
                rx.vstack(
                    _title(),
                    _reassign(),
                    _reopen(),
                    _signing_lock(),
                    _contacts(),
                    _passport(),
                    _devices(),
                    _deal_section(),
                    _history(),
                    spacing="3",
                    width="100%",
                ),
            ),
            rx.center(rx.spinner(size="3"), width="100%", padding="48px"),
        ),
        back_href=routes.clients(),
    )
