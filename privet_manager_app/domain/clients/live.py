"""An open client list that updates itself: what changed since the list last looked.

Every change to a client goes through `access.mark_changed` or the claim, and both bump
`version` and set `updated_at` — so "what changed" is the set of `(client, version)` pairs
whose `updated_at` is recent. One statement reads it, on the `(updated_at, id)` index of
`manager_clients`, together with the newest `users.id` (the primary key) for clients the
client app registered since:

    SELECT newest user id, (id, version, status, assignee) of rows updated in the last WINDOW

A pair not seen at the previous look is a change. Comparing pairs, not a single "latest
timestamp", is what makes a transaction that set `updated_at` early and committed late (a
contract generated while another client was claimed) still count: its pair is new whenever it
becomes visible, as long as it commits within WINDOW. A list that misses a change that way
is still right at its next reload — only the push is lost.

The cost does not grow with the number of open lists: the UI's feed (`ui/live_list.py`) runs
this once per interval per process for all of them, and the database answers from two
indexes. Several replicas each poll the same database, so a change made on one is seen on
all — nothing lives in one process's memory.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import sqlalchemy as sa

from privet_manager_app.domain.clients import listing
from privet_manager_app.domain.common.clock import utcnow
from privet_manager_app.infra.db import transaction
from privet_manager_app.schema.client_app import ClientUser
from privet_manager_app.schema.enums import ClientStatus
from privet_manager_app.schema.tables import ManagerClient

# How late a transaction may commit after it stamped `updated_at` and still be pushed; also
# how far back one look reads. Far above any of our transactions (storage calls time out in
# ≈10 s).
WINDOW = dt.timedelta(seconds=60)
# A bulk import touches thousands of rows at once: past this many, one look says "everything
# changed" instead of listing them (every list reloads once).
MAX_CHANGES = 500


@dataclasses.dataclass(frozen=True)
class ClientChange:
    """A client as it is after a change someone made."""

    client_id: int
    version: int
    status: str
    assigned_manager_id: int | None


@dataclasses.dataclass(frozen=True)
class Watermark:
    """What one look saw: the newest client-app user, and the recent (client, version) pairs."""

    newest_user_id: int
    seen: frozenset[tuple[int, int]]


@dataclasses.dataclass(frozen=True)
class Changes:
    clients: tuple[ClientChange, ...] = ()
    new_users: bool = False  # the client app registered someone since the last look
    everything: bool = False  # too many changes to list: every list reloads

    def __bool__(self) -> bool:
        return bool(self.clients) or self.new_users or self.everything


def look(
    previous: Watermark | None, *, now: dt.datetime | None = None
) -> tuple[Watermark, Changes]:
    """One cheap read: what changed since `previous` (None: the first look, nothing changed)."""
    since = (now or utcnow()) - WINDOW
    newest = sa.select(sa.func.coalesce(sa.func.max(ClientUser.id), 0)).scalar_subquery()
    recent = (
        sa.select(
            ManagerClient.id,
            ManagerClient.version,
            ManagerClient.status,
            ManagerClient.assigned_manager_id,
        )
        .where(ManagerClient.updated_at > since)
        .order_by(ManagerClient.updated_at.desc())
        .limit(MAX_CHANGES + 1)
        .subquery()
    )
    # One statement: the newest user id on every row, and one row even when nothing is recent.
    statement = sa.select(
        newest, recent.c.id, recent.c.version, recent.c.status, recent.c.assigned_manager_id
    ).select_from(sa.select(sa.literal(1).label("one")).subquery().outerjoin(recent, sa.true()))
    with transaction() as session:
        rows = session.execute(statement).all()
    newest_user_id = int(rows[0][0]) if rows else 0
    current = [
        ClientChange(int(row[1]), int(row[2]), row[3], row[4]) for row in rows if row[1] is not None
    ]
    watermark = Watermark(
        newest_user_id, frozenset((change.client_id, change.version) for change in current)
    )
    if previous is None:
        return watermark, Changes()
    fresh = tuple(
        change for change in current if (change.client_id, change.version) not in previous.seen
    )
    return watermark, Changes(
        clients=fresh,
        new_users=newest_user_id > previous.newest_user_id,
        everything=len(current) > MAX_CHANGES,
    )


def tab_of(status: str) -> listing.Tab:
    """The shared tab a status shows in («Мои» is per manager, see `belongs`)."""
    if status == ClientStatus.NEW:
        return listing.Tab.NEW
    if status == ClientStatus.PROCESSED:
        return listing.Tab.PROCESSED
    return listing.Tab.IN_WORK


def belongs(change: ClientChange, tab: str, viewer_id: int) -> bool:
    """Whether the client, as it is now, is listed in `tab` for `viewer_id`."""
    if tab == listing.Tab.MINE:
        return change.assigned_manager_id == viewer_id and change.status != ClientStatus.PROCESSED
    return tab_of(change.status) == tab


def affects(changes: Changes, *, tab: str, viewer_id: int, shown: set[int]) -> bool:
    """Does a list showing `shown` (client ids) in `tab` need to reload? A shown client that
    changed may have left it or changed its line; any other changed client may have entered;
    a newly registered user enters «Новые»."""
    if changes.everything or (changes.new_users and tab == listing.Tab.NEW):
        return True
    return any(
        change.client_id in shown or belongs(change, tab, viewer_id) for change in changes.clients
    )


def pick_up_new_users() -> int:
    """`manager_clients` rows for users the client app registered since (the tab counts and
    «Новые» need them)."""
    return listing.backfill_all()


def shared_counts() -> dict[str, int]:
    """How many clients «Новые», «В работе» and «Обработанные» hold — the same for every
    viewer, so the feed counts once per change for all open lists (the status index)."""
    with transaction() as session:
        rows = session.execute(
            sa.select(ManagerClient.status, sa.func.count()).group_by(ManagerClient.status)
        ).all()
    counts = dict.fromkeys((listing.Tab.NEW, listing.Tab.IN_WORK, listing.Tab.PROCESSED), 0)
    for status, count in rows:
        counts[tab_of(status)] += count
    return {tab.value: count for tab, count in counts.items()}


def mine_count(viewer_id: int) -> int:
    """How many clients «Мои» holds for this viewer (the assignee index)."""
    with transaction() as session:
        return session.execute(
            sa.select(sa.func.count()).where(
                ManagerClient.assigned_manager_id == viewer_id,
                ManagerClient.status != ClientStatus.PROCESSED,
            )
        ).scalar_one()
