"""The admin's dashboard: the funnel, processed clients per day, managers' load and the median
time from claim to signature.

One pass per figure, each over its own index (migration 0006): one GROUP BY status, assignee
gives the funnel, the totals and every manager's load; the days read the partial index on
`processed_at`; the median reads the stored `first_signed_at` (no aggregate over contracts).
The whole result is cached for CACHE_MAX_AGE in `manager_runtime`, shared by every replica;
one replica at a time recomputes it (infra/shared_cache.py). Python only fills in the days
with no rows.

Other figures (added by other parts of the app) go in as their own small functions with their
own indexed query, called from `_compute`.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from pydantic import Field
from sqlmodel import Session

from privet_manager_app.domain.clients.listing import IN_WORK_STATUSES
from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.common.clock import MOSCOW, utcnow
from privet_manager_app.domain.history import chain, passport_reads
from privet_manager_app.domain.history.passport_reads import PassportViews
from privet_manager_app.domain.views import View
from privet_manager_app.infra import shared_cache
from privet_manager_app.infra.db import is_postgres, transaction
from privet_manager_app.schema.enums import STATUS_LABELS, ClientStatus
from privet_manager_app.schema.tables import ManagerClient, ManagerUser

# Moscow has kept UTC+3 all year since 2014; a fixed offset needs no tz database in the image.
DEFAULT_DAYS = 30
# How old the figures may be (README «Масштаб»): at a million clients a fresh computation costs
# a few hundred ms of database time, paid once per this period by one replica.
CACHE_MAX_AGE = dt.timedelta(seconds=60)
_SQLITE_MOSCOW_SHIFT = "+3 hours"  # SQLite has no time zones
FUNNEL_ORDER = (
    ClientStatus.NEW,
    ClientStatus.IN_PROGRESS,
    ClientStatus.CONTRACT_SENT,
    ClientStatus.SIGNED,
    ClientStatus.AWAITING_PAYMENT,
    ClientStatus.PROCESSED,
)


class StatusCount(View):
    status: str
    label: str
    count: int


class DayCount(View):
    day: dt.date
    label: str  # «27.11»
    count: int


class ManagerLoad(View):
    id: int
    name: str
    is_active: bool
    in_work: int
    processed: int


class Dashboard(View):
    generated_at: dt.datetime
    days: int
    total_clients: int
    in_work: int
    processed_total: int
    processed_in_period: int
    funnel: list[StatusCount]
    processed_per_day: list[DayCount]
    managers: list[ManagerLoad]
    signed_clients: int
    median_claim_to_sign_seconds: float | None
    median_claim_to_sign_label: str
    # Full passport reads per manager, last 24 h (see `passport_views_24h`).
    passport_views: list[PassportViews] = Field(default_factory=list)


def duration_label(seconds: float | None) -> str:
    """3 days 4 hours → «3 д 4 ч»; 80 minutes → «1 ч 20 мин»."""
    if seconds is None:
        return "нет данных"
    minutes = round(seconds / 60)
    if minutes < 1:
        return "меньше минуты"
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} д {hours} ч" if hours else f"{days} д"
    if hours:
        return f"{hours} ч {minutes} мин" if minutes else f"{hours} ч"
    return f"{minutes} мин"


def _status_by_manager(session: Session) -> list[tuple[str, int | None, int]]:
    """(status, assignee, clients): one index-only GROUP BY over all clients."""
    rows = session.execute(
        sa.select(
            ManagerClient.status, ManagerClient.assigned_manager_id, sa.func.count()
        ).group_by(ManagerClient.status, ManagerClient.assigned_manager_id)
    ).all()
    return [(status, manager_id, int(count)) for status, manager_id, count in rows]


def _funnel(counts: list[tuple[str, int | None, int]]) -> list[StatusCount]:
    by_status: dict[str, int] = {}
    for status, _, count in counts:
        by_status[status] = by_status.get(status, 0) + count
    return [
        StatusCount(status=status, label=STATUS_LABELS[status], count=by_status.get(status, 0))
        for status in FUNNEL_ORDER
    ]


def _moscow_day(session: Session, column):
    if is_postgres(session):
        return sa.cast(sa.func.timezone("Europe/Moscow", column), sa.Date)
    return sa.func.date(column, _SQLITE_MOSCOW_SHIFT)


def _processed_per_day(session: Session, today: dt.date, days: int) -> list[DayCount]:
    first_day = today - dt.timedelta(days=days - 1)
    since = dt.datetime.combine(first_day, dt.time(), tzinfo=MOSCOW).astimezone(dt.UTC)
    # processed_at is set whenever a file is closed (migration 0006 filled it for older ones).
    closed_at = ManagerClient.processed_at
    day = _moscow_day(session, closed_at).label("day")
    rows = session.execute(
        sa.select(day, sa.func.count())
        .where(ManagerClient.status == ClientStatus.PROCESSED, closed_at >= since)
        .group_by(day)
    ).all()
    counts = {
        value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)): int(count)
        for value, count in rows
    }
    series = []
    for offset in range(days):
        current = first_day + dt.timedelta(days=offset)
        series.append(DayCount(day=current, label=f"{current:%d.%m}", count=counts.get(current, 0)))
    return series


def _manager_load(session: Session, counts: list[tuple[str, int | None, int]]) -> list[ManagerLoad]:
    load: dict[int, list[int]] = {}
    for status, manager_id, count in counts:
        if manager_id is None:
            continue
        figures = load.setdefault(manager_id, [0, 0])
        if status in IN_WORK_STATUSES:
            figures[0] += count
        elif status == ClientStatus.PROCESSED:
            figures[1] += count
    accounts = session.execute(
        sa.select(ManagerUser.id, ManagerUser.name, ManagerUser.is_active)
    ).all()
    managers = [
        ManagerLoad(
            id=manager_id,
            name=name,
            is_active=is_active,
            in_work=load.get(manager_id, [0, 0])[0],
            processed=load.get(manager_id, [0, 0])[1],
        )
        for manager_id, name, is_active in accounts
        # Inactive accounts only when they still hold or closed clients.
        if is_active or sum(load.get(manager_id, [0, 0]))
    ]
    managers.sort(key=lambda row: (-(row.in_work + row.processed), row.name, row.id))
    return managers


def _median(session: Session, since: dt.datetime) -> tuple[int, float | None]:
    """(clients first signed since `since`, median seconds from claim to that signature), from
    the stored first signature (index-only over its partial index). PostgreSQL:
    percentile_cont; SQLite: the middle row(s) by ORDER BY … LIMIT/OFFSET — the same
    interpolation, still in SQL."""
    signed = ManagerClient.first_signed_at
    if is_postgres(session):
        seconds = sa.func.extract("epoch", signed - ManagerClient.claimed_at)
    else:
        seconds = (
            sa.func.julianday(signed) - sa.func.julianday(ManagerClient.claimed_at)
        ) * 86400.0
    durations = (
        sa.select(seconds.label("seconds"))
        .where(
            signed.is_not(None),
            signed >= since,
            ManagerClient.claimed_at.is_not(None),
            signed >= ManagerClient.claimed_at,
        )
        .subquery("durations")
    )
    if is_postgres(session):
        total, median = session.execute(
            sa.select(
                sa.func.count(), sa.func.percentile_cont(0.5).within_group(durations.c.seconds)
            )
        ).one()
        return int(total), (float(median) if total else None)
    total = session.execute(sa.select(sa.func.count()).select_from(durations)).scalar_one()
    if not total:
        return 0, None
    middle = (
        sa.select(durations.c.seconds)
        .order_by(durations.c.seconds)
        .limit(1 if total % 2 else 2)
        .offset((total - 1) // 2)
        .subquery("middle")
    )
    median = session.execute(sa.select(sa.func.avg(middle.c.seconds))).scalar_one()
    return int(total), float(median)


def _compute(session: Session, days: int, now: dt.datetime) -> Dashboard:
    today = now.astimezone(MOSCOW).date()
    first_day = today - dt.timedelta(days=days - 1)
    since = dt.datetime.combine(first_day, dt.time(), tzinfo=MOSCOW).astimezone(dt.UTC)
    counts = _status_by_manager(session)
    funnel = _funnel(counts)
    per_day = _processed_per_day(session, today, days)
    managers = _manager_load(session, counts)
    signed_clients, median = _median(session, since)
    by_status = {step.status: step.count for step in funnel}
    return Dashboard(
        generated_at=now,
        days=days,
        total_clients=sum(by_status.values()),
        in_work=sum(by_status[status] for status in IN_WORK_STATUSES),
        processed_total=by_status[ClientStatus.PROCESSED],
        processed_in_period=sum(day.count for day in per_day),
        funnel=funnel,
        processed_per_day=per_day,
        managers=managers,
        signed_clients=signed_clients,
        median_claim_to_sign_seconds=median,
        median_claim_to_sign_label=duration_label(median),
    )


def get_dashboard(
    actor: Actor, *, days: int = DEFAULT_DAYS, now: dt.datetime | None = None
) -> Dashboard:
    """The figures as of at most CACHE_MAX_AGE ago (`generated_at` says when)."""
    actor.require_admin()
    now = now or utcnow()
    today = now.astimezone(MOSCOW).date()
    with transaction() as session:
        value, _ = shared_cache.cached(
            session,
            f"dashboard:{days}:{today.isoformat()}",
            CACHE_MAX_AGE,
            lambda session: _compute(session, days, now).model_dump(mode="json"),
            accept=lambda value: set(Dashboard.model_fields) <= set(value),
        )
        passport_views = passport_views_24h(session, now)
    return Dashboard.model_validate(value).model_copy(update={"passport_views": passport_views})


# ---- Passport reads (issue 9, item 5) ----------------------------------------------------------


def passport_views_24h(session: Session, now: dt.datetime) -> list[PassportViews]:
    """Who read how many full passports in the last 24 h: a bulk harvest stands out at the top.
    Its own range scan of the audit's (action, created_at, manager_id) index; keep it out of
    any cache of the other figures: an admin checks it right after an alarm."""
    return passport_reads.passport_views(session, now=now)


def audit_chain(actor: Actor) -> chain.AuditChainState:
    """The dashboard's «Журнал аудита» section: the hash chain's state and head. Its own call
    (and its own bounded, indexed reads: domain/history/chain.chain_state), so the figures above
    neither wait for it nor share its cache."""
    actor.require_admin()
    return chain.chain_state()
