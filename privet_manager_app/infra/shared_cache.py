"""Short-lived figures every replica shares (the dashboard, the tab counts), cached in our
`manager_runtime` table — no Redis needed, and the same value whichever replica answers.

A stale value is recomputed by one replica at a time (an advisory lock taken without waiting);
the others keep serving the previous value meanwhile, so a burst of requests after expiry costs
one computation, not one per request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from privet_manager_app.domain.common.clock import utcnow
from privet_manager_app.infra.db import try_advisory_xact_lock, upsert
from privet_manager_app.schema.tables import ManagerRuntime

JsonDict = dict[str, Any]


def read(session: Session, key: str) -> tuple[JsonDict, dt.datetime] | None:
    row = session.get(ManagerRuntime, key)
    return (row.value, row.updated_at) if row is not None else None


def store(session: Session, key: str, value: JsonDict, at: dt.datetime) -> None:
    statement = upsert(session, ManagerRuntime).values(key=key, value=value, updated_at=at)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["key"], set_={"value": value, "updated_at": at}
        )
    )


def cached(
    session: Session,
    key: str,
    max_age: dt.timedelta,
    compute: Callable[[Session], JsonDict],
    *,
    accept: Callable[[JsonDict], bool] = lambda value: True,
) -> tuple[JsonDict, dt.datetime]:
    """The value under `key` if it is younger than `max_age` (and `accept`s it: a value an
    older release stored may lack a field), else a fresh one — computed here unless another
    replica is computing it right now, in which case the previous value is served."""
    now = utcnow()
    found = read(session, key)
    if found is not None and accept(found[0]):
        value, at = found
        if now - at <= max_age or not try_advisory_xact_lock(session, f"cache:{key}"):
            return value, at
    value = compute(session)
    store(session, key, value, now)
    return value, now
