"""Every full passport read is on record (issue 9, item 5; 152-ФЗ, ст. 19): the edit form with
its numbers, a contract PDF link (the PDF prints the passport), the card's «Показать». Each read
is an audit row whose action says why; the card and the dashboard count them per manager over
the last 24 hours, so someone walking through clients collecting numbers stands out.

The counts are one range scan of `ix_manager_audit_log_action_created` (action, created_at,
manager_id) — cheap however long the audit grows."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Session

from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.common.clock import utcnow
from privet_manager_app.domain.history import audit
from privet_manager_app.domain.views import View
from privet_manager_app.schema.tables import ManagerAuditLog, ManagerClient, ManagerUser

# The reason of a read is its audit action.
VIEW_PASSPORT_FORM = "view_passport_form"  # REST GET …/passport, step 2 opened with the form
DOWNLOAD_CONTRACT = "download_contract"  # a link to the contract PDF handed out
REVEAL_PASSPORT = "passport_revealed"  # the card's «Показать» (the action it always had)
PASSPORT_READS = (VIEW_PASSPORT_FORM, DOWNLOAD_CONTRACT, REVEAL_PASSPORT)
REASON_LABELS = {
    VIEW_PASSPORT_FORM: "форма паспорта",
    DOWNLOAD_CONTRACT: "ссылка на договор",
    REVEAL_PASSPORT: "«Показать» в карточке",
}
WINDOW = dt.timedelta(hours=24)


def record_passport_read(
    session: Session, actor: Actor | None, client: ManagerClient, reason: str
) -> None:
    """In the reading use case's own transaction: no read without its row."""
    assert reason in PASSPORT_READS, reason
    audit.record(session, actor, reason, "passport", client.user_id, client_id=client.id)


class PassportViews(View):
    manager_id: int | None
    manager_name: str
    views: int
    clients: int  # distinct clients: many clients in a day is what a harvest looks like


def passport_views(
    session: Session, *, client_id: int | None = None, now: dt.datetime | None = None
) -> list[PassportViews]:
    """Full passport reads per manager in the last 24 h (of one client, or of all), most first."""
    since = (now or utcnow()) - WINDOW
    log = ManagerAuditLog
    query = (
        sa.select(
            log.manager_id,
            ManagerUser.name,
            sa.func.count().label("views"),
            sa.func.count(sa.distinct(log.client_id)).label("clients"),
        )
        .outerjoin(ManagerUser, ManagerUser.id == log.manager_id)
        .where(log.action.in_(PASSPORT_READS), log.created_at >= since)
        .group_by(log.manager_id, ManagerUser.name)
        .order_by(sa.desc("views"), ManagerUser.name)
    )
    if client_id is not None:
        query = query.where(log.client_id == client_id)
    return [
        PassportViews(
            manager_id=manager_id, manager_name=name or "—", views=int(views), clients=int(clients)
        )
        for manager_id, name, views, clients in session.execute(query).all()
    ]
