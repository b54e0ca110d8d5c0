"""/clients/[client_id]/card: everything about one client, read-only, with its history.

Contacts, address, passport (masked — the full number only by «Показать», which is audited),
devices, tariff/contract/invoice; the internal log with free notes, what we sent to the client's
chat, the audit trail; for an admin, handing the client to another manager. Opening the card
never claims the client (the wizard does).
"""

from __future__ import annotations

from typing import TypedDict

import reflex as rx

from privet_manager_app.domain.admin import managers
from privet_manager_app.domain.clients import card as client_card
from privet_manager_app.domain.clients import claims, reopen
from privet_manager_app.domain.common.errors import DomainError, ValidationFailed
from privet_manager_app.domain.history import audit, journal
from privet_manager_app.domain.views import ClientDetail
from privet_manager_app.domain.wizard import passport
from privet_manager_app.ui import routes
from privet_manager_app.ui.components import layout
from privet_manager_app.ui.format import moscow_datetime, passport_card, rubles
from privet_manager_app.ui.state import SessionState, run_domain

CONTRACT_STATUS_LABELS = {
    "otp_sent": "Ожидает подписи",
    "signed": "Подписан",
    "superseded": "Заменён новым",
}
INVOICE_STATUS_LABELS = {"issued": "Выставлен", "paid": "Оплачен", "cancelled": "Отменён"}
REASSIGN_ADMIN_ONLY = "Передать клиента может только администратор"
REOPEN_ADMIN_ONLY = "Переоткрыть дело может только администратор"


class DeviceRow(TypedDict):
    title: str
    details: str
    photos: int


class LogRow(TypedDict):
    id: int
    is_note: bool
    body: str
    meta: str


class ChatRow(TypedDict):
    id: int
    kind_label: str
    body: str
    meta: str


class AuditRow(TypedDict):
    id: int
    action_label: str
    meta: str
    origin: str
    changes: list[str]


class ManagerOption(TypedDict):
    id: str
    name: str


def _device_row(device) -> DeviceRow:
    details = [device.category_label]
    if device.serial_number:
        details.append(f"S/N {device.serial_number}")
    if device.purchase_year:
        details.append(f"{device.purchase_year} г.")
    return DeviceRow(
        title=f"{device.brand} {device.model}".strip(),
        details=" · ".join(details),
        photos=len(device.photos),
    )


def _log_row(entry: journal.LogEntry) -> LogRow:
    return LogRow(
        id=entry.id,
        is_note=entry.kind == "note",
        body=entry.body,
        meta=f"{entry.author} · {moscow_datetime(entry.created_at)}",
    )


def _chat_row(message: journal.ChatMessage) -> ChatRow:
    read = "прочитано" if message.is_read else "не прочитано"
    return ChatRow(
        id=message.id,
        kind_label=message.kind_label,
        body=message.body,
        meta=f"{moscow_datetime(message.created_at)} · {read}",
    )


def _audit_row(entry: audit.AuditEntry) -> AuditRow:
    origin = " · ".join(part for part in (entry.ip, entry.user_agent) if part)
    return AuditRow(
        id=entry.id,
        action_label=entry.action_label,
        meta=f"{entry.manager_name} · {moscow_datetime(entry.created_at)}",
        origin=origin[:160],
        changes=[
            f"{change.label}: {change.before} → {change.after}"
            if change.before != "—"
            else f"{change.label}: {change.after}"
            for change in entry.changes
        ],
    )


def _deal(detail: ClientDetail) -> dict[str, str]:
    deal: dict[str, str] = {}
    if detail.tariff is not None:
        deal["tariff"] = str(detail.tariff.tariff.get("name") or "Тариф")
        deal["surcharge"] = rubles(detail.tariff.surcharge)
        deal["monthly"] = rubles(detail.tariff.base_monthly_fee)
    if detail.contract is not None:
        contract = detail.contract
        deal["contract"] = contract.number
        deal["contract_status"] = CONTRACT_STATUS_LABELS.get(contract.status, contract.status)
        deal["signed_at"] = moscow_datetime(contract.signed_at)
        deal["paid_at"] = moscow_datetime(contract.paid_at)
        if contract.payment_amount is not None:
            deal["paid"] = rubles(contract.payment_amount)
    if detail.invoice is not None:
        invoice = detail.invoice
        deal["invoice"] = (
            f"{invoice.invoice_number} на {rubles(invoice.amount)}, до {invoice.due_date:%d.%m.%Y}"
        )
        deal["invoice_status"] = INVOICE_STATUS_LABELS.get(invoice.status, invoice.status)
    return deal


class ClientCardState(SessionState):
    cid: int = 0
    loaded: bool = False
    page_error: str = ""
    version: int = 0
    card: dict[str, str] = {}
    address_parts: list[str] = []
    has_passport: bool = False
    passport: dict[str, str] = {}
    can_reveal: bool = False
    revealed_number: str = ""
    reveal_error: str = ""
    revealing: bool = False
    devices: list[DeviceRow] = []
    deal: dict[str, str] = {}
    log: list[LogRow] = []
    chat: list[ChatRow] = []
    trail: list[AuditRow] = []
    note: str = ""
    note_error: str = ""
    saving_note: bool = False
    manager_options: list[ManagerOption] = []
    reassign_to: str = ""
    reassign_message: str = ""
    reassign_error: str = ""
    reassigning: bool = False
    client_status: str = ""
    reopen_reason: str = ""
    reopen_error: str = ""
    reopen_message: str = ""
    reopening: bool = False

    @rx.var
    def can_reopen(self) -> bool:
        return self.client_status in ("signed", "awaiting_payment", "processed")

    @rx.var
    def wizard_href(self) -> str:
        return routes.client_step(self.cid, 1)

    def _route_client_id(self) -> int | None:
        raw = str(self.router.page.params.get("client_id", ""))
        return int(raw) if raw.isdigit() and len(raw) < 19 else None

    def _apply(self, actor, detail: ClientDetail) -> None:
        self.client_status = detail.status
        self.version = detail.version
        holder = detail.assigned_manager
        self.card = {
            "name": detail.name or "Без имени",
            "status": detail.status,
            "status_label": detail.status_label,
            "phone": detail.phone_display or "не указан",
            "phone_href": f"tel:{detail.phone}" if detail.phone else "",
            "email": detail.email or "не указан",
            "address": detail.registration_address or "Адрес не указан",
            "manager": holder.name if holder else "не назначен",
            "created": moscow_datetime(detail.created_at),
            "updated": moscow_datetime(detail.updated_at),
        }
        address = detail.address
        self.address_parts = [
            f"{label}: {value}"
            for label, value in (
                ("Индекс", address.postcode),
                ("Регион", address.region),
                ("Город", address.city),
                ("Улица", address.street),
                ("Дом", address.house),
                ("Корпус", address.building),
                ("Кв.", address.apartment),
            )
            if value
        ]
        passport = detail.passport
        self.has_passport = passport is not None
        self.passport = passport_card(passport) if passport else {}
        self.can_reveal = self.has_passport and (
            actor.is_admin or (holder is not None and holder.id == actor.id)
        )
        self.devices = [_device_row(device) for device in detail.devices]
        self.deal = _deal(detail)

    async def _load_history(self, actor) -> None:
        log = await run_domain(journal.client_log, actor, self.cid)
        chat = await run_domain(journal.sent_to_client, actor, self.cid)
        trail = await run_domain(audit.client_trail, actor, self.cid)
        self.log = [_log_row(entry) for entry in log]
        self.chat = [_chat_row(message) for message in chat]
        self.trail = [_audit_row(entry) for entry in trail]

    @rx.event
    async def open_page(self):
        self.page_error = ""
        self.revealed_number = ""
        self.reveal_error = ""
        self.note_error = ""
        self.reassign_message = ""
        self.reassign_error = ""
        self.loaded = False
        actor = await self.actor()
        if actor is None:
            return self.to_login()
        client_id = self._route_client_id()
        if client_id is None:
            self.page_error = "Неверная ссылка на клиента"
            self.loaded = True
            return None
        self.cid = client_id
        try:
            detail = await run_domain(client_card.get_client, actor, client_id)
            self._apply(actor, detail)
            await self._load_history(actor)
            self.manager_options = []
            if actor.is_admin:
                options = await run_domain(managers.active_managers, actor)
                self.manager_options = [
                    ManagerOption(id=str(option.id), name=option.name) for option in options
                ]
                holder_id = detail.assigned_manager.id if detail.assigned_manager else None
                self.reassign_to = str(holder_id) if holder_id else ""
        except DomainError as error:
            self.page_error = error.message
        self.loaded = True
        return None

    @rx.event
    async def reveal_passport(self):
        actor = await self.actor()
        if actor is None:
            yield self.to_login()
            return
        self.revealing = True
        self.reveal_error = ""
        yield
        try:
            revealed = await run_domain(passport.reveal_passport, actor, self.cid)
            self.revealed_number = revealed.number_full
            trail = await run_domain(audit.client_trail, actor, self.cid)
            self.trail = [_audit_row(entry) for entry in trail]
        except DomainError as error:
            self.reveal_error = error.message
        finally:
            self.revealing = False

    @rx.event
    def hide_passport(self):
        self.revealed_number = ""

    @rx.event
    def set_note(self, value: str):
        self.note = value
        self.note_error = ""

    @rx.event
    async def add_note(self):
        actor = await self.actor()
        if actor is None:
            yield self.to_login()
            return
        self.saving_note = True
        yield
        try:
            entry = await run_domain(journal.add_note, actor, self.cid, self.note)
        except ValidationFailed as error:
            self.note_error = error.fields.get("body", error.message)
        except DomainError as error:
            self.note_error = error.message
        else:
            self.log = [_log_row(entry), *self.log]
            self.note = ""
        finally:
            self.saving_note = False

    @rx.event
    def set_reassign_to(self, value: str):
        self.reassign_to = value
        self.reassign_error = ""
        self.reassign_message = ""

    @rx.event
    async def reassign(self):
        actor = await self.actor()
        if actor is None:
            yield self.to_login()
            return
        if not actor.is_admin:
            self.reassign_error = REASSIGN_ADMIN_ONLY
            self.manager_options = []
            return
        if not self.reassign_to.isdigit():
            self.reassign_error = "Выберите менеджера"
            return
        self.reassigning = True
        self.reassign_message = ""
        self.reassign_error = ""
        yield
        try:
            card = await run_domain(
                claims.reassign_client,
                actor,
                self.cid,
                int(self.reassign_to),
                version=self.version,
            )
            detail = await run_domain(client_card.get_client, actor, self.cid)
            self._apply(actor, detail)
            await self._load_history(actor)
        except DomainError as error:
            self.reassign_error = error.message
        else:
            holder = card.assigned_manager.name if card.assigned_manager else ""
            self.reassign_message = f"Клиента ведёт {holder}"
        finally:
            self.reassigning = False

    @rx.event
    def set_reopen_reason(self, value: str):
        self.reopen_reason = value
        self.reopen_error = ""

    @rx.event
    async def reopen(self):
        """Admin: the signed file goes back into work; the next contract is a new version."""
        actor = await self.actor()
        if actor is None:
            yield self.to_login()
            return
        if not actor.is_admin:
            self.reopen_error = REOPEN_ADMIN_ONLY
            return
        self.reopening = True
        self.reopen_error = ""
        yield
        try:
            await run_domain(
                reopen.reopen_client, actor, self.cid, self.reopen_reason, version=self.version
            )
            detail = await run_domain(client_card.get_client, actor, self.cid)
            self._apply(actor, detail)
            await self._load_history(actor)
        except DomainError as error:
            self.reopen_error = error.message
        else:
            self.reopen_reason = ""
            self.reopen_message = (
                "Дело переоткрыто: можно править данные и сформировать новый договор"
            )
        finally:
            self.reopening = False


# ---- Markup -------------------------------------------------------------------------------------

MUTED = rx.color("gray", 10)


def _section(title: str, icon: str, *children: rx.Component, **props) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.icon(icon, size=18, color=rx.color("accent", 10)),
                rx.heading(title, size="3"),
                align="center",
                spacing="2",
            ),
            *children,
            spacing="2",
            width="100%",
        ),
        width="100%",
        **props,
    )


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
            rx.heading(state.card["name"], size="5", id="card-title"),
            rx.spacer(),
            layout.status_badge(state.card["status"], state.card["status_label"]),
            width="100%",
            align="center",
        ),
        rx.text("Ведёт: " + state.card["manager"], size="2", color=MUTED, id="card-manager"),
        rx.link(
            rx.button(
                rx.icon("square_pen", size=16),
                "Открыть мастер оформления",
                variant="soft",
                size="3",
                width="100%",
            ),
            href=state.wizard_href,
            width="100%",
            id="open-wizard",
        ),
        spacing="2",
        width="100%",
    )


def _reassign() -> rx.Component:
    state = ClientCardState
    return rx.cond(
        SessionState.is_admin & (state.manager_options.length() > 0),
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
            rx.cond(
                state.reassign_message,
                rx.text(state.reassign_message, size="2", color=rx.color("green", 11)),
            ),
            rx.cond(
                state.reassign_error,
                rx.text(state.reassign_error, size="2", color=rx.color("red", 11)),
            ),
            id="reassign-card",
        ),
    )


def _reopen() -> rx.Component:
    state = ClientCardState
    return rx.cond(
        SessionState.is_admin & (state.can_reopen | (state.reopen_message != "")),
        _section(
            "Переоткрыть дело",
            "rotate_ccw",
            rx.text(
                "Подписанный договор останется в архиве подлинным; клиент вернётся в работу, "
                "следующий договор получит новый номер. Неоплаченный счёт будет отменён.",
                size="2",
                color=MUTED,
            ),
            rx.text_area(
                value=state.reopen_reason,
                on_change=state.set_reopen_reason,
                placeholder="Причина (обязательно)",
                width="100%",
                id="reopen-reason",
            ),
            rx.button(
                "Переоткрыть",
                on_click=state.reopen,
                loading=state.reopening,
                color_scheme="amber",
                width="100%",
                id="reopen-submit",
            ),
            rx.cond(
                state.reopen_message,
                rx.text(
                    state.reopen_message, size="2", color=rx.color("green", 11), id="reopen-message"
                ),
            ),
            rx.cond(
                state.reopen_error,
                rx.text(state.reopen_error, size="2", color=rx.color("red", 11)),
            ),
            id="reopen-card",
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
    number = rx.hstack(
        rx.cond(
            state.revealed_number != "",
            rx.text(
                state.revealed_number,
                size="2",
                weight="bold",
                font_family="monospace",
                id="passport-number",
            ),
            rx.text(
                state.passport["number"],
                size="2",
                weight="medium",
                font_family="monospace",
                id="passport-number",
            ),
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
                rx.cond(
                    state.reveal_error,
                    rx.text(state.reveal_error, size="1", color=rx.color("red", 11)),
                ),
                _line("Выдан", state.passport["issued"]),
                _line("Код подразд.", state.passport["division_code"]),
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
                spacing="2",
                width="100%",
            ),
            rx.text("Тариф ещё не рассчитан, договора нет", size="2", color=MUTED),
        ),
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

    return rx.vstack(
        rx.text_area(
            value=state.note,
            on_change=state.set_note,
            placeholder="Заметка для коллег (клиент её не увидит)",
            rows="3",
            width="100%",
            id="note-body",
        ),
        rx.cond(state.note_error, rx.text(state.note_error, size="1", color=rx.color("red", 11))),
        rx.button(
            rx.icon("plus", size=16),
            "Добавить заметку",
            on_click=state.add_note,
            loading=state.saving_note,
            disabled=state.note.strip() == "",
            width="100%",
            id="add-note",
        ),
        rx.cond(
            state.log.length() > 0,
            rx.vstack(rx.foreach(state.log, entry), spacing="0", width="100%"),
            _empty("Записей пока нет"),
        ),
        spacing="2",
        width="100%",
        padding_top="12px",
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

    return rx.vstack(
        rx.text(
            "Что мы отправили в чат поддержки в приложении «Привет Супер». Коды подписания "
            "скрыты — их знает только клиент.",
            size="1",
            color=MUTED,
        ),
        rx.cond(
            state.chat.length() > 0,
            rx.vstack(rx.foreach(state.chat, message), spacing="2", width="100%"),
            _empty("Сообщений клиенту ещё не было"),
        ),
        spacing="2",
        width="100%",
        padding_top="12px",
    )


def _audit_tab() -> rx.Component:
    state = ClientCardState

    def entry(row: AuditRow) -> rx.Component:
        return rx.vstack(
            rx.text(row["action_label"], size="2", weight="medium"),
            rx.foreach(
                row["changes"],
                lambda change: rx.text(change, size="1", color=rx.color("gray", 11)),
            ),
            rx.text(row["meta"], size="1", color=MUTED),
            rx.cond(row["origin"] != "", rx.text(row["origin"], size="1", color=MUTED)),
            spacing="0",
            width="100%",
            padding_y="6px",
            border_bottom=f"1px solid {rx.color('gray', 4)}",
            class_name="audit-entry",
        )

    return rx.vstack(
        rx.cond(
            state.trail.length() > 0,
            rx.vstack(rx.foreach(state.trail, entry), spacing="0", width="100%"),
            _empty("Изменений пока нет"),
        ),
        spacing="2",
        width="100%",
        padding_top="8px",
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
