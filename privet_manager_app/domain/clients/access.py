"""Who may change a client, optimistic locking, and the freeze after signing.

Every write to a client goes through `client_for_change` (row lock, assignee/admin check,
version check) and ends with `mark_changed` (version bump, unsigned contract superseded).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Session, select

from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.common.clock import utcnow
from privet_manager_app.domain.common.errors import Conflict, Forbidden, NotFound
from privet_manager_app.schema.enums import ClientStatus, ContractStatus
from privet_manager_app.schema.tables import ManagerClient, ManagerContract, ManagerUser

FROZEN_STATUSES = (ClientStatus.SIGNED, ClientStatus.AWAITING_PAYMENT, ClientStatus.PROCESSED)


def lock_client(session: Session, client_id: int) -> ManagerClient:
    client = session.exec(
        select(ManagerClient).where(ManagerClient.id == client_id).with_for_update()
    ).first()
    if client is None:
        raise NotFound("client_not_found", "Клиент не найден")
    return client


def check_version(client: ManagerClient, version: int | None) -> None:
    if version is not None and version != client.version:
        raise Conflict(
            "stale_version",
            "Пока вы редактировали, данные клиента изменились. "
            "Обновите карточку — введённое останется в форме",
            extra={"current_version": client.version},
        )


def check_assignee(session: Session, actor: Actor, client: ManagerClient) -> None:
    if client.status == ClientStatus.NEW or client.assigned_manager_id is None:
        raise Conflict("not_claimed", "Сначала возьмите клиента в работу")
    if actor.is_admin or client.assigned_manager_id == actor.id:
        return
    holder = session.get(ManagerUser, client.assigned_manager_id)
    raise Forbidden(
        "not_assignee",
        f"Клиента ведёт {holder.name if holder else 'другой менеджер'}: менять данные может "
        "только он или администратор",
    )


def client_for_change(
    session: Session,
    actor: Actor,
    client_id: int,
    version: int | None,
    *,
    allow_frozen: bool = False,
) -> ManagerClient:
    client = lock_client(session, client_id)
    check_assignee(session, actor, client)
    check_version(client, version)
    if not allow_frozen and client.status in FROZEN_STATUSES:
        raise Conflict(
            "client_frozen",
            "Договор подписан — данные клиента заморожены. Изменить их может администратор, "
            "переоткрыв карточку",
        )
    return client


def supersede_unsigned(session: Session, client_id: int, now: dt.datetime) -> list[str]:
    """Unsigned contracts of the client are replaced: their codes die with them."""
    return list(
        session.execute(
            sa.update(ManagerContract)
            .where(
                ManagerContract.client_id == client_id,
                ManagerContract.status == ContractStatus.OTP_SENT,
            )
            .values(
                status=ContractStatus.SUPERSEDED,
                superseded_at=now,
                otp_hash=None,
                otp_expires_at=None,
                updated_at=now,
            )
            .returning(ManagerContract.number)
        ).scalars()
    )


def mark_changed(session: Session, client: ManagerClient, *, supersede_contract: bool) -> None:
    """Bump the version; an edit of steps 1–4 kills the unsigned contract and its code."""
    now = utcnow()
    client.version += 1
    client.updated_at = now
    if supersede_contract and client.status == ClientStatus.CONTRACT_SENT:
        client.status = ClientStatus.IN_PROGRESS
        supersede_unsigned(session, client.id, now)
    session.add(client)
