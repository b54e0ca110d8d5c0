"""The manager's internal log per client (`manager_support_*`): notes and an entry per step.

Never shown to the client; the client's own chat is the support bridge (support_chat.py).
"""

from __future__ import annotations

from sqlmodel import Session, select

from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.infra.db import upsert
from privet_manager_app.schema.tables import ManagerSupportMessage, ManagerSupportThread


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
