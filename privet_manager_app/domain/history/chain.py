"""The audit log's hash chain in the database: appending entries, the head, verification.

Appending. `audit.record` only queues an entry on the session. Just before the transaction
commits (SQLAlchemy's `before_commit`), the queued entries get their links: one
`UPDATE manager_audit_chain_head SET seq = seq + n … RETURNING` reserves their numbers and
takes the head row's lock (PostgreSQL: a row lock; SQLite: the write lock every transaction of
ours holds anyway), the hashes are computed, the entries and the new head are written, and the
commit releases the lock. Two transactions therefore never link to the same predecessor, the
chain is one line in commit order, and the lock is held for the final flush only — not for the
whole use case. A transaction that rolls back leaves neither entries nor a moved head.

Verifying. `verify_stored` streams the whole table in seq order against the head and the
anchors — the heads printed in sealed copies (`manager_sealed_copies`) — and names the first
broken link (the `verify-audit` command). `chain_state` is the dashboard's cheap view: it
continues from the last verified point, a bounded number of rows per call, and compares every
anchor in one indexed query.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

from privet_manager_app.domain.common.clock import utcnow
from privet_manager_app.domain.history.audit_chain import (
    GENESIS,
    GENESIS_HASH,
    BrokenLink,
    ChainLink,
    next_link,
    verify_chain,
)
from privet_manager_app.domain.views import View
from privet_manager_app.infra.db import transaction
from privet_manager_app.schema.tables import (
    ManagerAuditChainCheck,
    ManagerAuditChainHead,
    ManagerAuditLog,
    ManagerSealedCopy,
)

_PENDING = "privet_audit_pending"
HEAD_ID = 1
STREAM_BATCH = 2000
DASHBOARD_BATCH = 5000  # rows the dashboard verifies per view (~0.4 s); the rest on later views
REASONS = {
    "sequence_gap": "пропущена запись (удалена?)",
    "link_broken": "звено не сходится: запись удалена или переписана вместе с хешем",
    "content_changed": "содержимое записи изменено",
    "anchor_mismatch": "не совпадает с головой цепочки, напечатанной в заверенной копии",
    "head_mismatch": "конец журнала отрезан или голова цепочки изменена",
}


# ---- Appending --------------------------------------------------------------------------------


def enqueue(session: Session, entry: ManagerAuditLog) -> None:
    """Queue an entry; it gets its link and is written when the transaction commits."""
    session.info.setdefault(_PENDING, []).append(entry)


@event.listens_for(OrmSession, "before_commit")
def _link_pending(session: OrmSession) -> None:
    entries: list[ManagerAuditLog] = session.info.pop(_PENDING, [])
    if not entries:
        return
    head_table = ManagerAuditChainHead.__table__
    last_seq, prev_hash = session.execute(
        sa.update(head_table)
        .where(head_table.c.id == HEAD_ID)
        .values(seq=head_table.c.seq + len(entries))
        .returning(head_table.c.seq, head_table.c.row_hash)
    ).one()
    head = ChainLink(last_seq - len(entries), prev_hash)
    for entry in entries:
        entry.seq, entry.prev_hash, entry.row_hash = next_link(head, entry)
        head = ChainLink(entry.seq, entry.row_hash)
        session.add(entry)
    session.execute(
        sa.update(head_table).where(head_table.c.id == HEAD_ID).values(row_hash=head.row_hash)
    )


@event.listens_for(OrmSession, "after_rollback")
def _drop_pending(session: OrmSession) -> None:
    session.info.pop(_PENDING, None)


# ---- Reading ----------------------------------------------------------------------------------


def current_head(session: Session) -> ChainLink:
    row = session.execute(
        sa.select(ManagerAuditChainHead.seq, ManagerAuditChainHead.row_hash).where(
            ManagerAuditChainHead.id == HEAD_ID
        )
    ).one_or_none()
    return ChainLink(*row) if row else GENESIS


def _rows(session: Session, after: int, through: int) -> Iterator[ManagerAuditLog]:
    """Entries after..through in seq order, fetched in batches (a table of millions streams)."""
    while after < through:
        batch = session.scalars(
            sa.select(ManagerAuditLog)
            .where(ManagerAuditLog.seq > after, ManagerAuditLog.seq <= through)
            .order_by(ManagerAuditLog.seq)
            .limit(STREAM_BATCH)
        ).all()
        if not batch:
            return
        yield from batch
        after = batch[-1].seq
        session.expunge_all()  # what was checked is not kept in memory


def anchors(session: Session) -> dict[int, str]:
    """{seq: row_hash} printed in the sealed copies handed out."""
    return dict(
        session.execute(
            sa.select(ManagerSealedCopy.audit_head_seq, ManagerSealedCopy.audit_head_hash).where(
                ManagerSealedCopy.status == "ready", ManagerSealedCopy.audit_head_seq > 0
            )
        ).all()
    )


@dataclasses.dataclass(frozen=True)
class ChainReport:
    head: ChainLink
    rows: int
    anchors: int
    broken: BrokenLink | None

    @property
    def intact(self) -> bool:
        return self.broken is None

    def describe(self) -> str:
        if self.broken is None:
            return (
                f"Цепочка аудита цела: {self.rows} записей, голова seq {self.head.seq} "
                f"{self.head.row_hash}; сверено с заверенными копиями: {self.anchors}"
            )
        return describe_break(self.broken)


def describe_break(broken: BrokenLink) -> str:
    where = f"seq {broken.seq}" if broken.seq is not None else "конец журнала"
    if broken.row_id is not None:
        where += f" (id {broken.row_id})"
    return (
        f"Цепочка аудита нарушена: первое нарушенное звено — {where}: "
        f"{REASONS.get(broken.reason, broken.reason)} [{broken.reason}]; "
        f"ожидалось {broken.expected}, в базе {broken.found}"
    )


def verify_stored() -> ChainReport:
    """The whole chain recomputed against its head and every sealed copy's anchor."""
    with transaction() as session:
        head = current_head(session)
        printed = anchors(session)
        # Rows past the head read now are newer transactions: the head bounds what is checked.
        counted = 0

        def rows() -> Iterator[ManagerAuditLog]:
            nonlocal counted
            for row in _rows(session, 0, head.seq):
                counted += 1
                yield row

        broken = verify_chain(
            rows(), head=head, anchors={seq: h for seq, h in printed.items() if seq <= head.seq}
        )
    report = ChainReport(head=head, rows=counted, anchors=len(printed), broken=broken)
    _store_check(report.broken, head if broken is None else None, full=True)
    return report


# ---- The dashboard's view ---------------------------------------------------------------------


class AuditChainState(View):
    status: str  # intact | checking | broken
    status_label: str
    head_seq: int
    head_hash: str
    verified_seq: int
    verified_at: dt.datetime | None
    full_check_at: dt.datetime | None
    anchors: int
    broken_seq: int | None = None
    broken_reason: str | None = None


def _check_row(session: Session) -> ManagerAuditChainCheck:
    row = session.get(ManagerAuditChainCheck, HEAD_ID)
    return row or ManagerAuditChainCheck(id=HEAD_ID, verified_seq=0, verified_hash=GENESIS_HASH)


def _store_check(broken: BrokenLink | None, verified: ChainLink | None, *, full: bool) -> None:
    now = utcnow()
    with transaction() as session:
        check = _check_row(session)
        if verified is not None and verified.seq >= check.verified_seq:
            check.verified_seq, check.verified_hash = verified.seq, verified.row_hash
            check.verified_at = now
        if full:
            check.full_check_at = now
            if broken is None:
                check.broken_seq = check.broken_reason = check.broken_at = None
        if broken is not None:
            check.broken_seq = broken.seq
            check.broken_reason = describe_break(broken)[:300]
            check.broken_at = now
        session.add(check)


def _anchor_mismatches(session: Session) -> tuple[int, int | None]:
    """(anchors, the lowest seq whose row no longer has the hash a sealed copy printed)."""
    total = session.scalar(
        sa.select(sa.func.count(sa.distinct(ManagerSealedCopy.audit_head_seq))).where(
            ManagerSealedCopy.status == "ready", ManagerSealedCopy.audit_head_seq > 0
        )
    )
    mismatch = session.scalar(
        sa.select(sa.func.min(ManagerSealedCopy.audit_head_seq))
        .outerjoin(ManagerAuditLog, ManagerAuditLog.seq == ManagerSealedCopy.audit_head_seq)
        .where(
            ManagerSealedCopy.status == "ready",
            ManagerSealedCopy.audit_head_seq > 0,
            sa.or_(
                ManagerAuditLog.id.is_(None),
                ManagerAuditLog.row_hash != ManagerSealedCopy.audit_head_hash,
            ),
        )
    )
    return int(total or 0), mismatch


def chain_state(batch: int = DASHBOARD_BATCH) -> AuditChainState:
    """Where the chain stands: its head, how far it is verified (continuing by up to `batch`
    rows from the last verified point), and whether every sealed copy's anchor still holds."""
    verified = broken = None
    with transaction() as session:
        head = current_head(session)
        check = _check_row(session)
        known_broken = check.broken_reason is not None
        start = ChainLink(check.verified_seq, check.verified_hash)
        through = min(head.seq, start.seq + batch)
        if not known_broken and through > start.seq:
            last: list[ManagerAuditLog] = []

            def rows() -> Iterator[ManagerAuditLog]:
                for row in _rows(session, start.seq, through):
                    last[:] = [row]
                    yield row

            broken = verify_chain(rows(), start=start)
            if broken is None and last:
                verified = ChainLink(last[0].seq, last[0].row_hash)
        anchor_count, mismatch = _anchor_mismatches(session)
    if broken is None and mismatch is not None and not known_broken:
        broken = BrokenLink(
            mismatch, None, "anchor_mismatch", "хеш, напечатанный в заверенной копии", "другой"
        )
    if broken is not None or verified is not None:
        _store_check(broken, verified, full=False)
        with transaction() as session:
            check = _check_row(session)
    if check.broken_reason is not None:
        status, label = "broken", "Нарушена"
    elif check.verified_seq < head.seq:
        status, label = "checking", f"Проверено {check.verified_seq} из {head.seq} записей"
    else:
        status, label = "intact", "Цела"
    return AuditChainState(
        status=status,
        status_label=label,
        head_seq=head.seq,
        head_hash=head.row_hash,
        verified_seq=check.verified_seq,
        verified_at=check.verified_at,
        full_check_at=check.full_check_at,
        anchors=anchor_count,
        broken_seq=check.broken_seq,
        broken_reason=check.broken_reason,
    )
