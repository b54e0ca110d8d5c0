"""The managers' journal per client: an automatic entry per step (`log_event`, written inside
each use case), free notes, and — read-only here — what we sent to the client's support chat.

Any manager may read the journal and the chat and add a note: a note tells colleagues
something, it changes no data of the client. The journal is never shown to the client; the chat
is written only by the steps that own a message (wizard/support_chat.py)."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa
from sqlmodel import Session, select

from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.common.errors import ValidationFailed
from privet_manager_app.domain.common.rows import find_client
from privet_manager_app.domain.common.text import multiline_error
from privet_manager_app.domain.views import View
from privet_manager_app.infra.db import transaction, upsert
from privet_manager_app.schema.client_app import SupportMessage, SupportTicket
from privet_manager_app.schema.tables import (
    ManagerSupportMessage,
    ManagerSupportThread,
    ManagerUser,
)


def thread_id_for(session: Session, client_id: int) -> int:
    session.execute(
        upsert(session, ManagerSupportThread)
        .values(client_id=client_id)
        .on_conflict_do_nothing(index_elements=["client_id"])
    )
    return session.exec(
        select(ManagerSupportThread.id).where(ManagerSupportThread.client_id == client_id)
    ).one()


def log_event(session: Session, client_id: int, actor: Actor | None, body: str) -> None:
    """An automatic entry for a step («Паспорт сохранён», «Договор ПМ-… подписан»)."""
    session.add(
        ManagerSupportMessage(
            thread_id=thread_id_for(session, client_id),
            author_manager_id=actor.id if actor else None,
            kind="event",
            body=body[:4000],
        )
    )


# ---- Reading and notes ------------------------------------------------------------------------

NOTE_MAX_LENGTH = 4000
LOG_LIMIT = 200
CHAT_LIMIT = 100
SYSTEM_AUTHOR = "Система"
CHAT_KIND_LABELS = {
    "contract_otp": "Код для подписания",
    "contract_signed": "Договор подписан",
    "payment_received": "Оплата получена",
    "invoice": "Счёт",
    "invoice_reminder": "Напоминание о счёте",
    "contract_reopened": "Договор переоформляется",
}
# The code the client reads out is the signature's evidence: a manager who could read it in the
# card could sign alone. Standalone six-digit runs are hidden (a contract number «ПМ-2026-000123»,
# a date or an amount is not a standalone run and stays).
_CODE_RUN = re.compile(r"(?<![\d\-])(?<!\d[.,:/])\d{6}(?![\d\-]|[.,:/]\d)")
HIDDEN_CODE = "••••••"


class LogEntry(View):
    id: int
    kind: str  # note | event
    body: str
    author: str
    author_id: int | None
    created_at: dt.datetime


class ChatMessage(View):
    id: int
    kind: str
    kind_label: str
    body: str
    is_read: bool
    created_at: dt.datetime


def _entry(message: ManagerSupportMessage, author: str | None) -> LogEntry:
    return LogEntry(
        id=message.id,
        kind=message.kind,
        body=message.body,
        author=author or SYSTEM_AUTHOR,
        author_id=message.author_manager_id,
        created_at=message.created_at,
    )


def log_entries(session: Session, client_id: int, limit: int = LOG_LIMIT) -> list[LogEntry]:
    """The internal log of a client, newest first."""
    rows = session.execute(
        sa.select(ManagerSupportMessage, ManagerUser.name)
        .join(ManagerSupportThread, ManagerSupportThread.id == ManagerSupportMessage.thread_id)
        .outerjoin(ManagerUser, ManagerUser.id == ManagerSupportMessage.author_manager_id)
        .where(ManagerSupportThread.client_id == client_id)
        .order_by(ManagerSupportMessage.created_at.desc(), ManagerSupportMessage.id.desc())
        .limit(limit)
    ).all()
    return [_entry(message, name) for message, name in rows]


def client_log(actor: Actor, client_id: int, limit: int = LOG_LIMIT) -> list[LogEntry]:
    """The internal log, newest first."""
    with transaction() as session:
        find_client(session, client_id)
        return log_entries(session, client_id, limit)


def add_note(actor: Actor, client_id: int, body: str) -> LogEntry:
    """A free note in the internal log (never shown to the client)."""
    cleaned, error = multiline_error(body or "", "Заметка", max_length=NOTE_MAX_LENGTH)
    if not error and not cleaned:
        error = "Заметка: напишите текст"
    if error:
        raise ValidationFailed("invalid_note", error, fields={"body": error})
    with transaction() as session:
        find_client(session, client_id)
        message = ManagerSupportMessage(
            thread_id=thread_id_for(session, client_id),
            author_manager_id=actor.id,
            kind="note",
            body=cleaned,
        )
        session.add(message)
        session.flush()
        return _entry(message, actor.name)


def _hide_code(message: SupportMessage, kind: str) -> str:
    payload = message.payload or {}
    body = message.body
    for key in ("code", "otp"):
        value = payload.get(key)
        if isinstance(value, str | int) and len(str(value).strip()) >= 4:
            body = body.replace(str(value), HIDDEN_CODE)
    if kind == "contract_otp" or "code" in payload or "otp" in payload:
        body = _CODE_RUN.sub(HIDDEN_CODE, body)
    return body


def _chat_message(message: SupportMessage) -> ChatMessage:
    kind = str((message.payload or {}).get("type") or "message")
    return ChatMessage(
        id=message.id,
        kind=kind,
        kind_label=CHAT_KIND_LABELS.get(kind, "Сообщение"),
        body=_hide_code(message, kind),
        is_read=message.is_read,
        created_at=message.created_at,
    )


def _ours(user_id: int):
    return (
        select(SupportMessage)
        .join(SupportTicket, SupportTicket.id == SupportMessage.ticket_id)
        .where(SupportTicket.user_id == user_id, SupportMessage.author_type == "system")
    )


def chat_messages(session: Session, user_id: int, limit: int = CHAT_LIMIT) -> list[ChatMessage]:
    """What we (author `system`) wrote to the client's support chat, newest first. One-time
    codes are hidden: only the client may know them."""
    messages = session.exec(
        _ours(user_id)
        .order_by(SupportMessage.created_at.desc(), SupportMessage.id.desc())
        .limit(limit)
    ).all()
    return [_chat_message(message) for message in messages]


def contract_messages(session: Session, user_id: int, contract_number: str) -> list[ChatMessage]:
    """What we wrote to the client's chat about one contract (its codes, «signed», invoice,
    reminders, payment, reopening), oldest first, codes hidden — the sealed copy lists them."""
    messages = session.exec(
        _ours(user_id)
        .where(SupportMessage.payload["contract_number"].as_string() == contract_number)
        .order_by(SupportMessage.id)
    ).all()
    return [_chat_message(message) for message in messages]


def sent_to_client(actor: Actor, client_id: int, limit: int = CHAT_LIMIT) -> list[ChatMessage]:
    """What we wrote to the client's support chat, newest first, codes hidden."""
    with transaction() as session:
        client = find_client(session, client_id)
        return chat_messages(session, client.user_id, limit)
