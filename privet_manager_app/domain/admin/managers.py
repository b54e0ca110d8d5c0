"""Manager accounts administered by an admin: list, create, role, (de)activation, password reset.

Two rules protect the team from locking itself out: the last active admin can be neither
demoted nor deactivated, and an admin cannot deactivate their own account. Deactivation and a
password reset end the manager's sessions at once (the JWT names its session, see auth.py).
"""

from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa
from sqlmodel import Session, select

from privet_manager_app.domain.admin import auth
from privet_manager_app.domain.clients.listing import IN_WORK_STATUSES
from privet_manager_app.domain.common.actors import ADMIN_ONLY, Actor
from privet_manager_app.domain.common.clock import utcnow
from privet_manager_app.domain.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from privet_manager_app.domain.common.text import person_name_error
from privet_manager_app.domain.history import audit
from privet_manager_app.domain.views import ManagerRef, View
from privet_manager_app.infra.db import transaction
from privet_manager_app.schema.enums import ROLE_LABELS, ClientStatus, ManagerRole
from privet_manager_app.schema.tables import ManagerClient, ManagerSession, ManagerUser

NAME_MAX_LENGTH = 255
# No look-alike characters (0/O, 1/l/I): the admin reads the password out to a colleague.
_SUGGESTION_CHARS = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
SUGGESTED_PASSWORD_LENGTH = 12


class ManagerAccount(View):
    id: int
    email: str
    name: str
    role: str
    role_label: str
    is_active: bool
    is_locked: bool  # login hard-locked after many failures (until an admin unlocks it)
    locked_at: dt.datetime | None = None
    last_login_at: dt.datetime | None
    created_at: dt.datetime
    clients_in_work: int
    clients_processed: int


def client_counts_by_manager():
    """(manager_id, in_work, processed) per assignee: one GROUP BY, shared with the dashboard."""
    in_work = sa.func.sum(sa.case((ManagerClient.status.in_(IN_WORK_STATUSES), 1), else_=0))
    processed = sa.func.sum(sa.case((ManagerClient.status == ClientStatus.PROCESSED, 1), else_=0))
    return (
        sa.select(
            ManagerClient.assigned_manager_id.label("manager_id"),
            in_work.label("in_work"),
            processed.label("processed"),
        )
        .where(ManagerClient.assigned_manager_id.is_not(None))
        .group_by(ManagerClient.assigned_manager_id)
        .subquery("client_counts")
    )


def _accounts(session: Session, manager_id: int | None = None) -> list[ManagerAccount]:
    counts = client_counts_by_manager()
    statement = (
        sa.select(
            ManagerUser,
            sa.func.coalesce(counts.c.in_work, 0),
            sa.func.coalesce(counts.c.processed, 0),
        )
        .outerjoin(counts, counts.c.manager_id == ManagerUser.id)
        .order_by(ManagerUser.is_active.desc(), ManagerUser.name, ManagerUser.id)
    )
    if manager_id is not None:
        statement = statement.where(ManagerUser.id == manager_id)
    rows = session.execute(statement).all()
    locks = auth.login_locks(session, [user.email for user, _, _ in rows])
    return [
        ManagerAccount(
            id=user.id,
            email=user.email,
            name=user.name,
            role=user.role,
            role_label=ROLE_LABELS.get(user.role, user.role),
            is_active=user.is_active,
            is_locked=user.email in locks,
            locked_at=locks.get(user.email),
            last_login_at=user.last_login_at,
            created_at=user.created_at,
            clients_in_work=int(in_work),
            clients_processed=int(processed),
        )
        for user, in_work, processed in rows
    ]


def _account(session: Session, manager_id: int) -> ManagerAccount:
    found = _accounts(session, manager_id)
    if not found:
        raise NotFound("manager_not_found", "Менеджер не найден")
    return found[0]


def list_managers(actor: Actor) -> list[ManagerAccount]:
    """Every account, active first, with how many clients each has in work and processed."""
    actor.require_admin()
    with transaction() as session:
        return _accounts(session)


def active_manager_refs(session: Session) -> list[ManagerRef]:
    rows = session.exec(
        select(ManagerUser.id, ManagerUser.name)
        .where(ManagerUser.is_active)
        .order_by(ManagerUser.name, ManagerUser.id)
    ).all()
    return [ManagerRef(id=manager_id, name=name) for manager_id, name in rows]


def active_managers(actor: Actor) -> list[ManagerRef]:
    """Whom a client can be handed to (the admin's reassignment picker)."""
    actor.require_admin()
    with transaction() as session:
        return active_manager_refs(session)


def suggest_password(actor: Actor) -> str:
    """A random password the admin can hand over (CSPRNG)."""
    actor.require_admin()
    return "".join(secrets.choice(_SUGGESTION_CHARS) for _ in range(SUGGESTED_PASSWORD_LENGTH))


def create_manager(
    actor: Actor, *, email: str, name: str, password: str, role: str = ManagerRole.MANAGER
) -> ManagerAccount:
    actor.require_admin()
    manager = auth.create_manager(email, _clean_name(name), password, role, created_by=actor)
    with transaction() as session:
        return _account(session, manager.id)


def _clean_name(name: str) -> str:
    cleaned, error = person_name_error(name or "", "Имя", max_length=NAME_MAX_LENGTH)
    if error:
        raise ValidationFailed("invalid_name", error, fields={"name": error})
    return cleaned


def _lock_active_admins(session: Session) -> list[int]:
    """Row locks on every active admin: two admins demoting each other at the same moment are
    serialised, and the second one sees that only one admin is left."""
    return list(
        session.exec(
            select(ManagerUser.id)
            .where(ManagerUser.role == ManagerRole.ADMIN, ManagerUser.is_active)
            .order_by(ManagerUser.id)
            .with_for_update()
        ).all()
    )


def _revoke_sessions(session: Session, manager_id: int, *, keep: str | None = None) -> int:
    statement = sa.update(ManagerSession).where(
        ManagerSession.manager_id == manager_id, ManagerSession.revoked_at.is_(None)
    )
    if keep:
        statement = statement.where(ManagerSession.id != keep)
    return session.execute(statement.values(revoked_at=utcnow())).rowcount or 0


def _target_for_update(session: Session, manager_id: int) -> ManagerUser:
    target = session.exec(
        select(ManagerUser).where(ManagerUser.id == manager_id).with_for_update()
    ).first()
    if target is None:
        raise NotFound("manager_not_found", "Менеджер не найден")
    return target


def _no_longer_admin() -> None:
    raise Forbidden("admin_only", ADMIN_ONLY)


LAST_ADMIN_MESSAGE = (
    "Это последний активный администратор: его нельзя понизить или отключить. "
    "Сначала назначьте администратором другого менеджера"
)


def update_manager(
    actor: Actor,
    manager_id: int,
    *,
    role: str | None = None,
    is_active: bool | None = None,
    name: str | None = None,
) -> ManagerAccount:
    """Change a manager's role, name or activity. Deactivation ends all their sessions."""
    actor.require_admin()
    if role is not None and role not in ROLE_LABELS:
        message = "Роль: manager (менеджер) или admin (администратор)"
        raise ValidationFailed("invalid_role", message, fields={"role": message})
    new_name = _clean_name(name) if name is not None else None
    if is_active is False and manager_id == actor.id:
        raise Conflict(
            "cannot_deactivate_self",
            "Нельзя отключить собственную учётную запись — это может сделать другой администратор",
        )
    with transaction() as session:
        admins = _lock_active_admins(session)
        if actor.id not in admins:
            # Demoted or deactivated by another admin a moment ago.
            _no_longer_admin()
        target = _target_for_update(session, manager_id)
        before = {"role": target.role, "is_active": target.is_active, "name": target.name}
        after = {
            "role": role if role is not None else target.role,
            "is_active": is_active if is_active is not None else target.is_active,
            "name": new_name if new_name is not None else target.name,
        }
        loses_admin = before["role"] == ManagerRole.ADMIN and before["is_active"]
        keeps_admin = after["role"] == ManagerRole.ADMIN and after["is_active"]
        if loses_admin and not keeps_admin and admins == [target.id]:
            raise Conflict("last_admin", LAST_ADMIN_MESSAGE)

        changes = audit.changed_fields(before, after)
        if not changes:
            return _account(session, manager_id)
        for field, value in after.items():
            setattr(target, field, value)
        target.updated_at = utcnow()
        if "is_active" in changes and target.is_active:
            # A fresh start after re-activation: the old lockout is forgotten.
            auth.unlock_login(session, target.email)
        session.add(target)
        revoked = 0
        if "is_active" in changes and not target.is_active:
            revoked = _revoke_sessions(session, target.id)
        for field, action in (
            ("is_active", "manager_activated" if target.is_active else "manager_deactivated"),
            ("role", "manager_role_changed"),
            ("name", "manager_renamed"),
        ):
            if field in changes:
                entry = {field: changes[field]}
                if field == "is_active" and revoked:
                    entry["sessions_revoked"] = {"before": None, "after": revoked}
                audit.record(session, actor, action, "manager", target.id, changes=entry)
        session.flush()
        return _account(session, manager_id)


def reset_password(actor: Actor, manager_id: int, new_password: str) -> ManagerAccount:
    """The admin sets a new password; the manager's sessions end (except the admin's own current
    one when resetting their own password), and a lockout is lifted."""
    actor.require_admin()
    password_hash = auth.hash_password(new_password)  # slow: outside the transaction
    with transaction() as session:
        target = _target_for_update(session, manager_id)
        target.password_hash = password_hash
        target.updated_at = utcnow()
        session.add(target)
        unlocked = auth.unlock_login(session, target.email)
        keep = actor.session_id if target.id == actor.id else None
        revoked = _revoke_sessions(session, target.id, keep=keep)
        audit.record(
            session,
            actor,
            "manager_password_reset",
            "manager",
            target.id,
            # Never the password or its hash: only that it changed and what it ended.
            changes={
                "password": {"before": "***", "after": "***"},
                "sessions_revoked": {"before": None, "after": revoked},
                **({"login_locked": {"before": True, "after": False}} if unlocked else {}),
            },
        )
        session.flush()
        return _account(session, manager_id)


def unlock_login(actor: Actor, manager_id: int) -> ManagerAccount:
    """Lift the lock that many failed logins put on an account, and forget its failures from
    every address; written to the audit log (also when there was nothing to lift: the admin
    acted on a colleague's account)."""
    actor.require_admin()
    with transaction() as session:
        target = _target_for_update(session, manager_id)
        was_locked = auth.unlock_login(session, target.email)
        audit.record(
            session,
            actor,
            "manager_login_unlocked",
            "manager",
            target.id,
            changes={"login_locked": {"before": was_locked, "after": False}},
        )
        session.flush()
        return _account(session, manager_id)
