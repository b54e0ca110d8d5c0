"""Which app instances are running against this database (a heartbeat row each), so that a
second one without Redis is refused at start: Reflex keeps each browser's state in the memory
of the process that served it, and without Redis a request that lands on another replica
finds none (an upload, a wizard step — lost).

The row is written at start (`announce`) and refreshed by the background round (`heartbeat`);
an instance not seen for ALIVE_SECONDS counts as gone (a replica killed without a goodbye does
not block the next deployment for longer than that).
"""

from __future__ import annotations

import datetime as dt
import os

import sqlalchemy as sa

from privet_manager_app.domain.common.clock import utcnow
from privet_manager_app.infra.db import advisory_xact_lock, transaction, upsert
from privet_manager_app.schema.tables import ManagerReplica

ALIVE_SECONDS = 30
INSTANCE_ENV = "PRIVET_INSTANCE"  # set by `serve` for its worker processes

NEEDS_REDIS = (
    "Уже работает другая реплика ({others}) на этой базе, а REDIS_URL не задан: без Redis "
    "состояние интерфейса живёт в памяти одного процесса, и запросы, попавшие на другую реплику, "
    "его теряют. Задайте REDIS_URL всем репликам или оставьте одну."
)


class ReplicaRefused(RuntimeError):
    pass


def announce(instance: str, *, has_redis: bool) -> None:
    """Register this instance; refuse if another live one shares the database and either of
    them has no Redis. Announcements take turns (an advisory lock), so two replicas starting at
    the same moment cannot both miss each other."""
    now = utcnow()
    with transaction() as session:
        advisory_xact_lock(session, "replicas")
        alive_since = now - dt.timedelta(seconds=ALIVE_SECONDS)
        others = session.execute(
            sa.select(ManagerReplica.instance, ManagerReplica.has_redis).where(
                ManagerReplica.instance != instance, ManagerReplica.seen_at > alive_since
            )
        ).all()
        if others and not (has_redis and all(row.has_redis for row in others)):
            raise ReplicaRefused(NEEDS_REDIS.format(others=", ".join(r.instance for r in others)))
        values = {"pid": os.getpid(), "has_redis": has_redis, "seen_at": now}
        session.execute(
            upsert(session, ManagerReplica)
            .values(instance=instance, started_at=now, **values)
            .on_conflict_do_update(index_elements=["instance"], set_=values)
        )


def heartbeat(instance: str) -> None:
    with transaction() as session:
        session.execute(
            sa.update(ManagerReplica)
            .where(ManagerReplica.instance == instance)
            .values(seen_at=utcnow())
        )


def leave(instance: str) -> None:
    with transaction() as session:
        session.execute(sa.delete(ManagerReplica).where(ManagerReplica.instance == instance))
