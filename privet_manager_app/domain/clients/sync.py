"""Keeping `manager_clients` and the list's projection up to date with what the client app does
to `users` — a table that is not ours: no trigger, no index of ours, so we look at it by its
primary key and, once in a while, by a scan.

- **New users** (`pick_up_new_users`): ids above the highest one we know, on the primary key,
  minus a margin for client-app transactions that commit out of id order. Cheap (an index
  range): the background job runs it every few seconds.
- **Changed users** (`sync_changed_users`): `users.updated_at` newer than the newest change the
  projection has seen, minus an overlap of `projection.STALENESS_SECONDS`. `users` has no index
  on `updated_at`, so this is a scan (≈ 0.1–0.2 s per million rows): every 30 s.
- **Reconciliation** (`reconcile_slice`, `reconcile_all`): every user by id slices — missing
  `manager_clients` rows and any projection row that differs (a change the client app made
  without touching `updated_at`). The background job makes a pass every 15 minutes, one slice
  per round; `python -m privet_manager_app backfill-clients` runs a whole pass on demand.

Every function here is idempotent and safe to run in several replicas at once (INSERT … ON
CONFLICT); the background round (`background_round`, every ROUND_SECONDS in each replica) still
lets one replica at a time do the work, and keeps its positions in `manager_runtime`, so the
schedule is shared, not per replica.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import sqlalchemy as sa
from sqlmodel import Session

from privet_manager_app.domain.clients import projection
from privet_manager_app.domain.common.clock import utcnow
from privet_manager_app.infra import shared_cache
from privet_manager_app.infra.db import (
    advisory_xact_lock,
    transaction,
    try_advisory_xact_lock,
    upsert,
)
from privet_manager_app.schema.client_app import ClientUser
from privet_manager_app.schema.enums import ClientStatus
from privet_manager_app.schema.tables import ManagerClient

# Client-app transactions that took an id but committed after ones with higher ids are still
# found as long as they are within this many ids of the newest known user.
NEW_USERS_ID_MARGIN = 1000
NEW_USERS_BATCH = 5000
RECONCILE_SLICE = 50_000
# The background schedule (README «Масштаб»): new users within ROUND_SECONDS, users the client
# app changed within projection.STALENESS_SECONDS, a full reconciliation every RECONCILE_EVERY.
ROUND_SECONDS = 5
SYNC_CHANGED_EVERY = dt.timedelta(seconds=30)
RECONCILE_EVERY = dt.timedelta(minutes=15)
_STATE_KEY = "client_sync"


def _add_clients(session: Session, users_where, *, limit: int | None = None) -> int:
    """A «Новый» `manager_clients` row for every user `users_where` selects that has none."""
    now = utcnow()
    client = ManagerClient.__table__.c
    missing = (
        sa.select(
            ClientUser.id,
            sa.literal(ClientStatus.NEW.value),
            sa.literal(1),
            sa.literal(now, type_=client.created_at.type),
            sa.literal(now, type_=client.updated_at.type),
        )
        .where(users_where, ~sa.exists().where(ManagerClient.user_id == ClientUser.id))
        .order_by(ClientUser.id)
    )
    if limit is not None:
        missing = missing.limit(limit)
    statement = (
        upsert(session, ManagerClient.__table__)
        .from_select(["user_id", "status", "version", "created_at", "updated_at"], missing)
        .on_conflict_do_nothing(index_elements=["user_id"])
        .returning(ManagerClient.__table__.c.id)
    )
    return len(session.execute(statement).all())


def pick_up_new_users(session: Session, *, batch: int = NEW_USERS_BATCH) -> int:
    """Cards and projection rows for users registered since the newest one we know (up to
    `batch` of them; call again while it returns `batch`)."""
    top = session.execute(sa.select(sa.func.max(ManagerClient.user_id))).scalar() or 0
    floor = top - NEW_USERS_ID_MARGIN
    added = _add_clients(session, ClientUser.id > floor, limit=batch)
    projection.add_missing(session, ManagerClient.user_id > floor)
    return added


def sync_changed_users(session: Session) -> int:
    """Projection rows of users the client app changed lately; returns the rows rewritten."""
    seen = session.execute(
        sa.select(sa.func.max(projection.ManagerClientSearch.source_updated_at))
    ).scalar()
    if seen is None:
        return 0
    since = seen - dt.timedelta(seconds=projection.STALENESS_SECONDS)
    return projection.write(session, ClientUser.updated_at > since, only_changed=True)


@dataclasses.dataclass
class Reconciled:
    clients_added: int = 0
    rows_fixed: int = 0

    def __iadd__(self, other: Reconciled) -> Reconciled:
        self.clients_added += other.clients_added
        self.rows_fixed += other.rows_fixed
        return self


def reconcile_slice(session: Session, first_id: int, last_id: int) -> Reconciled:
    """Users with ids in [first_id, last_id]: missing cards added, differing rows rewritten."""
    added = _add_clients(session, ClientUser.id.between(first_id, last_id))
    in_slice = ManagerClient.user_id.between(first_id, last_id)
    fixed = projection.write(session, in_slice, only_changed=True)
    return Reconciled(clients_added=added, rows_fixed=fixed)


def user_id_range() -> tuple[int, int] | None:
    with transaction() as session:
        low, high = session.execute(
            sa.select(sa.func.min(ClientUser.id), sa.func.max(ClientUser.id))
        ).one()
    return None if low is None else (low, high)


def reconcile_all(*, slice_size: int = RECONCILE_SLICE) -> Reconciled:
    """A whole pass, one short transaction per slice of ids (no long lock, no long snapshot).

    It counts as the background schedule's pass: the next one is due RECONCILE_EVERY after
    this one began, and a background pass under way is ended by it."""
    began = utcnow()
    total = Reconciled()
    bounds = user_id_range()
    if bounds is not None:
        low, high = bounds
        for first in range(low, high + 1, slice_size):
            with transaction() as session:
                total += reconcile_slice(session, first, min(first + slice_size - 1, high))
    with transaction() as session:
        advisory_xact_lock(session, _STATE_KEY)  # not in the middle of a background round
        found = shared_cache.read(session, _STATE_KEY)
        state = dict(found[0]) if found else {}
        state.update(reconcile_next_id=None, reconciled_at=began.isoformat())
        shared_cache.store(session, _STATE_KEY, state, utcnow())
    return total


def backfill_manager_clients(session: Session) -> int:
    """Every user without a card gets one, with its projection row (dev, demo and tests: one
    transaction over all rows; `reconcile_all` is the production pass)."""
    added = _add_clients(session, sa.true())
    projection.add_missing(session, sa.true())
    return added


@dataclasses.dataclass
class Round:
    """What one background round did (skipped: another replica was doing it)."""

    skipped: bool = False
    clients_added: int = 0
    changed_synced: int | None = None  # None: not due this round
    reconciled: Reconciled | None = None


def _due(last: str | None, every: dt.timedelta, now: dt.datetime) -> bool:
    return last is None or now - dt.datetime.fromisoformat(last) >= every


def background_round() -> Round:
    """One round of the background sync, in one transaction, by one replica at a time (the
    others skip it): new users always, changed users when SYNC_CHANGED_EVERY has passed, and
    the next slice of the reconciliation pass while one is under way."""
    now = utcnow()
    with transaction() as session:
        if not try_advisory_xact_lock(session, _STATE_KEY):
            return Round(skipped=True)
        found = shared_cache.read(session, _STATE_KEY)
        state = dict(found[0]) if found else {}
        done = Round()
        while (added := pick_up_new_users(session)) == NEW_USERS_BATCH:
            done.clients_added += added
        done.clients_added += added
        if _due(state.get("changed_at"), SYNC_CHANGED_EVERY, now):
            done.changed_synced = sync_changed_users(session)
            state["changed_at"] = now.isoformat()
        next_id = state.get("reconcile_next_id")
        if next_id is None and _due(state.get("reconciled_at"), RECONCILE_EVERY, now):
            next_id = 0
        if next_id is not None:
            high = session.execute(sa.select(sa.func.max(ClientUser.id))).scalar() or 0
            done.reconciled = reconcile_slice(session, next_id, next_id + RECONCILE_SLICE - 1)
            next_id += RECONCILE_SLICE
            if next_id > high:
                next_id = None
                state["reconciled_at"] = now.isoformat()
            state["reconcile_next_id"] = next_id
        shared_cache.store(session, _STATE_KEY, state, now)
    return done
