"""Taking a client into work (claim) and handing a client to another manager (admin).

Two managers may open the same «Новый» client at the same second: the claim is ONE conditional
UPDATE (… WHERE status = 'new' RETURNING), so PostgreSQL's row lock decides and exactly one of
them wins; the other is told who holds the client.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session

from privet_manager_app.domain.clients import projection
from privet_manager_app.domain.clients.access import check_version, lock_client, mark_changed
from privet_manager_app.domain.clients.listing import load_card
from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.common.clock import utcnow
from privet_manager_app.domain.common.errors import Conflict, ValidationFailed
from privet_manager_app.domain.common.rows import find_client
from privet_manager_app.domain.history import audit, journal
from privet_manager_app.domain.views import ClientCard
from privet_manager_app.infra.db import transaction
from privet_manager_app.schema.enums import ClientStatus
from privet_manager_app.schema.tables import ManagerClient, ManagerUser

REASSIGN_ADMIN_ONLY = "Передать клиента может только администратор"


def _holder_conflict(session: Session, client: ManagerClient) -> Conflict:
    holder = (
        session.get(ManagerUser, client.assigned_manager_id) if client.assigned_manager_id else None
    )
    if holder is None:
        return Conflict("already_claimed", "Клиента уже взяли в работу", extra={"holder": None})
    return Conflict(
        "already_claimed",
        f"Клиента уже взял в работу менеджер {holder.name}",
        extra={"holder": {"id": holder.id, "name": holder.name}},
    )


def claim_in(session: Session, actor: Actor, client_id: int) -> bool:
    """The claim inside a use case's transaction: True when this call took the client, False
    when the actor holds it already; Conflict naming the holder when someone else does."""
    now = utcnow()
    claimed = session.execute(
        sa.update(ManagerClient)
        .where(ManagerClient.id == client_id, ManagerClient.status == ClientStatus.NEW)
        .values(
            status=ClientStatus.IN_PROGRESS,
            assigned_manager_id=actor.id,
            claimed_at=now,
            updated_at=now,
            version=ManagerClient.version + 1,
        )
        .returning(ManagerClient.id)
        .execution_options(synchronize_session=False)
    ).first()
    if claimed is None:
        client = find_client(session, client_id)
        if client.assigned_manager_id == actor.id:
            return False
        raise _holder_conflict(session, client)
    projection.refresh(session, [client_id])
    audit.record(
        session,
        actor,
        "client_claimed",
        "client",
        client_id,
        client_id=client_id,
        changes={
            "status": {"before": ClientStatus.NEW.value, "after": "in_progress"},
            "assigned_manager_id": {"before": None, "after": actor.id},
        },
    )
    journal.log_event(session, client_id, actor, f"Клиента взял в работу {actor.name}")
    return True


def claim_client(actor: Actor, client_id: int) -> ClientCard:
    """«Новый» → «В работе», assigned to the actor. Claiming one's own client again is a no-op."""
    with transaction() as session:
        claim_in(session, actor, client_id)
        return load_card(session, client_id)


def reassign_client(
    actor: Actor, client_id: int, manager_id: int, *, version: int | None = None
) -> ClientCard:
    """Admin: give the client to another (active) manager. A «Новый» client goes into work."""
    actor.require_admin(REASSIGN_ADMIN_ONLY)
    with transaction() as session:
        target = session.get(ManagerUser, manager_id)
        if target is None or not target.is_active:
            message = "Нет такого активного менеджера"
            raise ValidationFailed("manager_not_active", message, fields={"manager_id": message})
        client = lock_client(session, client_id)
        check_version(client, version)
        before = {"assigned_manager_id": client.assigned_manager_id, "status": client.status}
        if client.assigned_manager_id == target.id:
            return load_card(session, client_id)
        previous = (
            session.get(ManagerUser, client.assigned_manager_id)
            if client.assigned_manager_id
            else None
        )
        client.assigned_manager_id = target.id
        if client.status == ClientStatus.NEW:
            client.status = ClientStatus.IN_PROGRESS
            client.claimed_at = utcnow()
        mark_changed(session, client, supersede_contract=False)
        audit.record(
            session,
            actor,
            "client_reassigned",
            "client",
            client_id,
            client_id=client_id,
            changes=audit.changed_fields(
                before,
                {"assigned_manager_id": client.assigned_manager_id, "status": client.status},
            ),
        )
        journal.log_event(
            session,
            client_id,
            actor,
            f"Администратор {actor.name} передал клиента: "
            f"{previous.name if previous else 'никто'} → {target.name}",
        )
        session.flush()
        return load_card(session, client_id)
