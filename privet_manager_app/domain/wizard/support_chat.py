"""The support bridge: what we write into the client's chat in the «Привет Супер» app.

The client app shows `support_messages` of the client's ticket; `payload` is a structured card it
renders. Our messages are authored by `system`. The OTP code travels only here (the client reads
it out to the manager): it is never logged and never stored in clear in our own tables.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from privet_manager_app.domain.common.clock import utcnow
from privet_manager_app.schema.client_app import SupportMessage, SupportTicket

TICKET_SUBJECT = "Договор и оплата"
OPEN_TICKET_STATUSES = ("open", "pending")


class MessageType:
    """`payload["type"]`: the card the client app draws."""

    CONTRACT_OTP = "contract_otp"
    CONTRACT_SIGNED = "contract_signed"
    PAYMENT_RECEIVED = "payment_received"
    INVOICE = "invoice"
    INVOICE_REMINDER = "invoice_reminder"
    CONTRACT_REOPENED = "contract_reopened"


MESSAGE_TYPES = frozenset(
    value for name, value in vars(MessageType).items() if not name.startswith("_")
)


def _ticket_id(session: Session, user_id: int, now: dt.datetime) -> int:
    """The client's open (or pending) ticket, newest first, touched; a new one when none."""
    ticket_id = session.execute(
        sa.select(SupportTicket.id)
        .where(SupportTicket.user_id == user_id, SupportTicket.status.in_(OPEN_TICKET_STATUSES))
        .order_by(SupportTicket.updated_at.desc(), SupportTicket.id.desc())
        .limit(1)
    ).scalar()
    if ticket_id is None:
        return session.execute(
            sa.insert(SupportTicket)
            .values(
                user_id=user_id,
                subject=TICKET_SUBJECT,
                status="open",
                created_at=now,
                updated_at=now,
            )
            .returning(SupportTicket.id)
        ).scalar_one()
    # the client app lists tickets by their latest activity
    session.execute(
        sa.update(SupportTicket).where(SupportTicket.id == ticket_id).values(updated_at=now)
    )
    return ticket_id


def post_to_client(session: Session, user_id: int, body: str, payload: dict[str, Any]) -> int:
    """Post a system message with a card to the client's chat; returns the message id."""
    if payload.get("type") not in MESSAGE_TYPES:
        raise ValueError(f"unknown support message type: {payload.get('type')!r}")
    now = utcnow()
    return session.execute(
        sa.insert(SupportMessage)
        .values(
            ticket_id=_ticket_id(session, user_id, now),
            author_type="system",
            author_id=None,
            body=body,
            payload=payload,
            is_read=False,
            created_at=now,
        )
        .returning(SupportMessage.id)
    ).scalar_one()
