"""Who may do what with a client, optimistic locking, and the freeze after signing — the one
place these rules live.

Every write to a client goes through `client_for_change` (row lock, assignee/admin check,
version check) and ends with `mark_changed` (version bump, unsigned contract superseded). Reads
that show a client to a manager carry `permissions(actor, client)`, so pages show and hide what
the domain decided instead of re-deriving a rule.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Session

from privet_manager_app.domain.clients import projection
from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.common.clock import utcnow
from privet_manager_app.domain.common.errors import Conflict, Forbidden
from privet_manager_app.domain.common.rows import find_client
from privet_manager_app.domain.views import View
from privet_manager_app.schema.enums import ClientStatus, ContractStatus
from privet_manager_app.schema.tables import ManagerClient, ManagerContract, ManagerUser

# Signed: the contract holds the data as it was; only an admin's reopen unfreezes it.
FROZEN_STATUSES = frozenset(
    {ClientStatus.SIGNED, ClientStatus.AWAITING_PAYMENT, ClientStatus.PROCESSED}
)
FROZEN_MESSAGE = (
    "Договор подписан — данные клиента заморожены. Изменить их может администратор, "
    "переоткрыв карточку"
)


class Permissions(View):
    """What the viewer may do with this client, as the domain decides it."""

    is_holder: bool  # the assigned manager or an admin
    is_frozen: bool  # signed: steps 1–4 are read-only
    can_edit: bool  # steps 1–4: the holder of a claimed, unsigned client
    can_take_payment: bool  # the holder: payment and invoice come after the freeze
    can_see_documents: bool  # the PDFs carry the full passport
    can_reveal_passport: bool
    can_reassign: bool
    can_reopen: bool


def is_frozen(client: ManagerClient) -> bool:
    return client.status in FROZEN_STATUSES


def is_holder(actor: Actor | None, client: ManagerClient) -> bool:
    """The manager the client is assigned to, or an admin: they may change the client and see
    the full passport and the documents."""
    return actor is not None and (actor.is_admin or client.assigned_manager_id == actor.id)


def is_claimed(client: ManagerClient) -> bool:
    return client.status != ClientStatus.NEW and client.assigned_manager_id is not None


def permissions(actor: Actor, client: ManagerClient, *, has_passport: bool) -> Permissions:
    holder = is_holder(actor, client)
    frozen = is_frozen(client)
    return Permissions(
        is_holder=holder,
        is_frozen=frozen,
        can_edit=holder and is_claimed(client) and not frozen,
        can_take_payment=holder,
        can_see_documents=holder,
        can_reveal_passport=holder and has_passport,
        can_reassign=actor.is_admin,
        can_reopen=actor.is_admin and frozen,
    )


def holder_message(session: Session, actor: Actor, client: ManagerClient) -> str | None:
    """«Клиента ведёт …» when someone else holds the client."""
    if client.assigned_manager_id is None or client.assigned_manager_id == actor.id:
        return None
    holder = session.get(ManagerUser, client.assigned_manager_id)
    return f"Клиента ведёт {holder.name if holder else 'другой менеджер'}"


def lock_client(session: Session, client_id: int) -> ManagerClient:
    return find_client(session, client_id, lock=True)


def check_version(client: ManagerClient, version: int | None) -> None:
    if version is not None and version != client.version:
        raise Conflict(
            "stale_version",
            "Пока вы редактировали, данные клиента изменились. "
            "Обновите карточку — введённое останется в форме",
            extra={"current_version": client.version},
        )


def check_assignee(session: Session, actor: Actor, client: ManagerClient) -> None:
    if not is_claimed(client):
        raise Conflict("not_claimed", "Сначала возьмите клиента в работу")
    if is_holder(actor, client):
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
    if not allow_frozen and is_frozen(client):
        raise Conflict("client_frozen", FROZEN_MESSAGE)
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
    """Bump the version; an edit of steps 1–4 kills the unsigned contract and its code. The
    list's projection row is rewritten in the same transaction (call this after the change)."""
    now = utcnow()
    client.version += 1
    client.updated_at = now
    if supersede_contract and client.status == ClientStatus.CONTRACT_SENT:
        client.status = ClientStatus.IN_PROGRESS
        supersede_unsigned(session, client.id, now)
    session.add(client)
    projection.refresh(session, [client.id])
