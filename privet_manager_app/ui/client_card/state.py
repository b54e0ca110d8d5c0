"""The client card's state: one domain call opens the card (detail, journal, chat, audit,
whom to hand the client to, the viewer's permissions); each action is one more use case."""

from __future__ import annotations

from typing import TypedDict

import reflex as rx

from privet_manager_app.domain.clients import card as client_card
from privet_manager_app.domain.clients import claims, reopen
from privet_manager_app.domain.clients.card import ClientCardPage
from privet_manager_app.domain.common.errors import ValidationFailed
from privet_manager_app.domain.history import audit, journal
from privet_manager_app.domain.inputs import AddressInput
from privet_manager_app.domain.views import ClientDetail
from privet_manager_app.domain.wizard import otp_budget, passport
from privet_manager_app.ui import routes
from privet_manager_app.ui.components import signed_copy
from privet_manager_app.ui.format import moscow_datetime, passport_card, passport_views_line, rubles
from privet_manager_app.ui.state import SessionState, guard, run_domain


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
        deal["contract_status"] = contract.status_label
        deal["signed_at"] = moscow_datetime(contract.signed_at)
        deal["paid_at"] = moscow_datetime(contract.paid_at)
        if contract.payment_amount is not None:
            deal["paid"] = rubles(contract.payment_amount)
    if detail.invoice is not None:
        invoice = detail.invoice
        deal["invoice"] = (
            f"{invoice.invoice_number} на {rubles(invoice.amount)}, до {invoice.due_date:%d.%m.%Y}"
        )
        deal["invoice_status"] = invoice.status_label
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
    revealed_number: str = ""
    reveal_error: str = ""
    revealing: bool = False
    devices: list[DeviceRow] = []
    deal: dict[str, str] = {}
    log: list[LogRow] = []
    chat: list[ChatRow] = []
    trail: list[AuditRow] = []
    passport_views: list[str] = []  # «Анна — 3 просмотра» for the last 24 h
    note: str = ""
    note_error: str = ""
    saving_note: bool = False
    manager_options: list[ManagerOption] = []
    reassign_to: str = ""
    reassign_message: str = ""
    reassign_error: str = ""
    reassigning: bool = False
    reopen_reason: str = ""
    reopen_error: str = ""
    reopen_message: str = ""
    reopening: bool = False
    # The client's wrong-code budget spent: signing locked until then (Moscow time), or "".
    signing_locked_until: str = ""
    signing_lock_text: str = ""
    unlock_reason: str = ""
    unlock_error: str = ""
    unlock_message: str = ""
    unlocking: bool = False
    # What the domain decided for this viewer (see domain/clients/access.py).
    can_reveal: bool = False
    can_reassign: bool = False
    can_reopen: bool = False
    copy_error: str = ""
    copy_busy: bool = False

    @rx.var
    def wizard_href(self) -> str:
        return routes.client_step(self.cid, 1)

    def _route_client_id(self) -> int | None:
        raw = str(self.router.page.params.get("client_id", ""))
        return int(raw) if raw.isdigit() and len(raw) < 19 else None

    def _apply(self, page: ClientCardPage) -> None:
        detail: ClientDetail = page.detail
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
        self.address_parts = [
            f"{label}: {value}"
            for name, label in AddressInput.labels().items()
            if (value := getattr(detail.address, name))
        ]
        self.has_passport = detail.passport is not None
        self.passport = passport_card(detail.passport) if detail.passport else {}
        self.devices = [_device_row(device) for device in detail.devices]
        self.deal = _deal(detail)
        lock = detail.signing_lock
        locked = lock is not None and lock.locked
        self.signing_locked_until = moscow_datetime(lock.unlocks_at) if locked else ""
        self.signing_lock_text = (
            f"{lock.wrong_codes} неверных кодов за {lock.window_hours} ч" if locked else ""
        )
        self.log = [_log_row(entry) for entry in page.log]
        self.chat = [_chat_row(message) for message in page.chat]
        self.trail = [_audit_row(entry) for entry in page.trail]
        self.passport_views = [passport_views_line(row) for row in page.passport_views]
        allowed = page.permissions
        self.can_reveal = allowed.can_reveal_passport
        self.can_reassign = allowed.can_reassign
        self.can_reopen = allowed.can_reopen
        self.manager_options = [
            ManagerOption(id=str(option.id), name=option.name) for option in page.managers
        ]

    async def _reload(self, actor) -> ClientCardPage:
        page = await run_domain(client_card.open_card, actor, self.cid)
        self._apply(page)
        return page

    @rx.event
    @guard(error="page_error")
    async def open_page(self, actor):
        self.revealed_number = ""
        self.reveal_error = ""
        self.note_error = ""
        self.reassign_message = ""
        self.reassign_error = ""
        self.unlock_message = ""
        self.unlock_error = ""
        self.loaded = False
        client_id = self._route_client_id()
        try:
            if client_id is None:
                self.page_error = "Неверная ссылка на клиента"
                return
            self.cid = client_id
            page = await self._reload(actor)
            holder = page.detail.assigned_manager
            self.reassign_to = str(holder.id) if holder else ""
        finally:
            self.loaded = True

    @rx.event
    @guard(error="reveal_error", busy="revealing")
    async def reveal_passport(self, actor):
        revealed = await run_domain(passport.reveal_passport, actor, self.cid)
        self.revealed_number = revealed.number_full
        # The reveal itself is in the audit now: show it.
        trail = await run_domain(audit.client_trail, actor, self.cid)
        self.trail = [_audit_row(entry) for entry in trail]

    @rx.event
    @guard(error="copy_error", busy="copy_busy")
    async def download_signed_copy(self, actor):
        return await signed_copy.download(actor, self.cid)

    @rx.event
    def hide_passport(self):
        self.revealed_number = ""

    @rx.event
    def set_note(self, value: str):
        self.note = value
        self.note_error = ""

    @rx.event
    @guard(error="note_error", busy="saving_note")
    async def add_note(self, actor):
        try:
            entry = await run_domain(journal.add_note, actor, self.cid, self.note)
        except ValidationFailed as error:
            self.note_error = error.fields.get("body", error.message)
            return
        self.log = [_log_row(entry), *self.log]
        self.note = ""

    @rx.event
    def set_reassign_to(self, value: str):
        self.reassign_to = value
        self.reassign_error = ""
        self.reassign_message = ""

    @rx.event
    @guard(error="reassign_error", busy="reassigning")
    async def reassign(self, actor):
        self.reassign_message = ""
        if not self.reassign_to.isdigit():
            self.reassign_error = "Выберите менеджера"
            return
        card = await run_domain(
            claims.reassign_client, actor, self.cid, int(self.reassign_to), version=self.version
        )
        await self._reload(actor)
        holder = card.assigned_manager.name if card.assigned_manager else ""
        self.reassign_message = f"Клиента ведёт {holder}"

    @rx.event
    def set_reopen_reason(self, value: str):
        self.reopen_reason = value
        self.reopen_error = ""

    @rx.event
    @guard(error="reopen_error", busy="reopening")
    async def reopen(self, actor):
        """Admin: the signed file goes back into work; the next contract is a new version."""
        await run_domain(
            reopen.reopen_client, actor, self.cid, self.reopen_reason, version=self.version
        )
        await self._reload(actor)
        self.reopen_reason = ""
        self.reopen_message = "Дело переоткрыто: можно править данные и сформировать новый договор"

    @rx.event
    def set_unlock_reason(self, value: str):
        self.unlock_reason = value
        self.unlock_error = ""

    @rx.event
    @guard(error="unlock_error", busy="unlocking")
    async def unlock_signing(self, actor):
        """Admin: the client's wrong codes are forgiven (audited with the reason)."""
        await run_domain(otp_budget.unlock_signing, actor, self.cid, self.unlock_reason)
        await self._reload(actor)
        self.unlock_reason = ""
        self.unlock_message = "Подписание разблокировано: можно отправить клиенту новый код"

    def _refuse(self, error, target: str) -> None:
        """An admin-only action refused: its message where the action is, and no list of
        managers left on the page."""
        setattr(self, target, error.message)
        self.manager_options = []
