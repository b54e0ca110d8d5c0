"""The audit trail: who changed what (before/after of changed fields), when, from where."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.common.masking import mask_value
from privet_manager_app.schema.tables import ManagerAuditLog

# Never written in clear text to the audit (DESIGN §3.3, §5).
MASKED_FIELDS = frozenset({"series", "number", "passport_number", "division_code"})


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """{field: {"before": …, "after": …}} for the fields whose value changed, sensitive masked."""
    changes = {}
    for name in sorted(set(before) | set(after)):
        old, new = _plain(before.get(name)), _plain(after.get(name))
        if old == new:
            continue
        if name in MASKED_FIELDS:
            old, new = mask_value(old), mask_value(new)
        changes[name] = {"before": old, "after": new}
    return changes


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    entity_type: str,
    entity_id: Any = None,
    *,
    client_id: int | None = None,
    changes: dict[str, Any] | None = None,
) -> ManagerAuditLog:
    entry = ManagerAuditLog(
        manager_id=actor.id if actor else None,
        action=action,
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id),
        client_id=client_id,
        changes=changes or None,
        ip=actor.ip if actor else None,
        user_agent=actor.user_agent if actor else None,
    )
    session.add(entry)
    return entry
