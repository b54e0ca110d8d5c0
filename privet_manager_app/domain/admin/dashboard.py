"""The admin's dashboard: the funnel, processed clients per day, managers' load and the median
time from claim to signature.

Every figure is an SQL aggregate (GROUP BY, count, percentile_cont): the work stays in the
database however many clients there are; Python only fills in the days with no rows.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Session

from privet_manager_app.domain.admin.managers import client_counts_by_manager
from privet_manager_app.domain.clients.listing import IN_WORK_STATUSES
from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.common.clock import MOSCOW, utcnow
from privet_manager_app.domain.history import chain
from privet_manager_app.domain.views import View
from privet_manager_app.infra.db import is_postgres, transaction
from privet_manager_app.schema.enums import STATUS_LABELS, ClientStatus, ContractStatus
from privet_manager_app.schema.tables import ManagerClient, ManagerContract, ManagerUser

# Moscow has kept UTC+3 all year since 2014; a fixed offset needs no tz database in the image.
DEFAULT_DAYS = 30
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


def _funnel(session: Session) -> list[StatusCount]:
    counts = dict(
        session.execute(
            sa.select(ManagerClient.status, sa.func.count()).group_by(ManagerClient.status)
        ).all()
    )
    return [
        StatusCount(status=status, label=STATUS_LABELS[status], count=int(counts.get(status, 0)))
        for status in FUNNEL_ORDER
    ]


def _moscow_day(session: Session, column):
    if is_postgres(session):
        return sa.cast(sa.func.timezone("Europe/Moscow", column), sa.Date)
    return sa.func.date(column, _SQLITE_MOSCOW_SHIFT)


def _processed_per_day(session: Session, today: dt.date, days: int) -> list[DayCount]:
    first_day = today - dt.timedelta(days=days - 1)
    since = dt.datetime.combine(first_day, dt.time(), tzinfo=MOSCOW).astimezone(dt.UTC)
    # processed_at is set when a file is closed; updated_at covers rows closed before it existed.
    closed_at = sa.func.coalesce(ManagerClient.processed_at, ManagerClient.updated_at)
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


def _manager_load(session: Session) -> list[ManagerLoad]:
    counts = client_counts_by_manager()
    in_work = sa.func.coalesce(counts.c.in_work, 0)
    processed = sa.func.coalesce(counts.c.processed, 0)
    rows = session.execute(
        sa.select(ManagerUser.id, ManagerUser.name, ManagerUser.is_active, in_work, processed)
        .outerjoin(counts, counts.c.manager_id == ManagerUser.id)
        # Inactive accounts only when they still hold or closed clients.
        .where(sa.or_(ManagerUser.is_active, in_work + processed > 0))
        .order_by((in_work + processed).desc(), ManagerUser.name, ManagerUser.id)
    ).all()
    return [
        ManagerLoad(
            id=manager_id,
            name=name,
            is_active=is_active,
            in_work=int(work),
            processed=int(done),
        )
        for manager_id, name, is_active, work, done in rows
    ]


def _claim_to_sign_seconds(session: Session):
    """Per client: seconds from claim to the first signature of a signed contract."""
    first_signed = (
        sa.select(
            ManagerContract.client_id.label("client_id"),
            sa.func.min(ManagerContract.signed_at).label("signed_at"),
        )
        .where(
            ManagerContract.status == ContractStatus.SIGNED,
            ManagerContract.signed_at.is_not(None),
        )
        .group_by(ManagerContract.client_id)
        .subquery("first_signed")
    )
    if is_postgres(session):
        seconds = sa.func.extract("epoch", first_signed.c.signed_at - ManagerClient.claimed_at)
    else:
        seconds = (
            sa.func.julianday(first_signed.c.signed_at)
            - sa.func.julianday(ManagerClient.claimed_at)
        ) * 86400.0
    return (
        sa.select(seconds.label("seconds"))
        .select_from(first_signed)
        .join(ManagerClient, ManagerClient.id == first_signed.c.client_id)
        .where(
            ManagerClient.claimed_at.is_not(None),
            first_signed.c.signed_at >= ManagerClient.claimed_at,
        )
        .subquery("durations")
    )


def _median(session: Session) -> tuple[int, float | None]:
    """(clients with a signature, median seconds). PostgreSQL: percentile_cont; SQLite: the
    middle row(s) by ORDER BY … LIMIT/OFFSET — the same interpolation, still in SQL."""
    durations = _claim_to_sign_seconds(session)
    total = session.execute(sa.select(sa.func.count()).select_from(durations)).scalar_one()
    if not total:
        return 0, None
    if is_postgres(session):
        median = session.execute(
            sa.select(sa.func.percentile_cont(0.5).within_group(durations.c.seconds))
        ).scalar_one()
        return int(total), float(median)
    middle = (
        sa.select(durations.c.seconds)
        .order_by(durations.c.seconds)
        .limit(1 if total % 2 else 2)
        .offset((total - 1) // 2)
        .subquery("middle")
    )
    median = session.execute(sa.select(sa.func.avg(middle.c.seconds))).scalar_one()
    return int(total), float(median)


def get_dashboard(
    actor: Actor, *, days: int = DEFAULT_DAYS, now: dt.datetime | None = None
) -> Dashboard:
    actor.require_admin()
    now = now or utcnow()
    today = now.astimezone(MOSCOW).date()
    with transaction() as session:
        funnel = _funnel(session)
        per_day = _processed_per_day(session, today, days)
        managers = _manager_load(session)
        signed_clients, median = _median(session)
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


def audit_chain(actor: Actor) -> chain.AuditChainState:
    """The dashboard's «Журнал аудита» section: the hash chain's state and head. Its own call
    (and its own bounded, indexed reads: domain/history/chain.chain_state), so the figures above
    neither wait for it nor share its cache."""
    actor.require_admin()
    return chain.chain_state()
