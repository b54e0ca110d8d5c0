"""The audit log in PostgreSQL is one hash chain: every entry linked to the one before, one line
even when many transactions write at once; `verify-audit` recomputes it and names the first
broken link; the dashboard shows its state and head."""

from __future__ import annotations

import concurrent.futures
import threading

import pytest
import sqlalchemy as sa

from privet_manager_app.cli import main as cli
from privet_manager_app.domain.history import audit, chain
from privet_manager_app.domain.history.audit_chain import GENESIS_HASH, row_hash
from privet_manager_app.infra.db import transaction
from privet_manager_app.schema.tables import ManagerAuditLog
from tests.support.factories import signed_client


def _entries() -> list[ManagerAuditLog]:
    with transaction() as session:
        return list(session.scalars(sa.select(ManagerAuditLog).order_by(ManagerAuditLog.seq)))


def _write(count: int, action: str = "test_event") -> None:
    with transaction() as session:
        for index in range(count):
            audit.record(session, None, action, "client", index)


def test_восемь_потоков_пишут_аудит_одновременно_а_цепочка_одна_линия(db):
    start = threading.Barrier(8)

    def writer(worker: int) -> None:
        start.wait()
        for round_ in range(15):
            _write(1 + (worker + round_) % 3, f"worker_{worker}")

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(writer, range(8)))

    rows = _entries()
    assert len(rows) == sum(1 + (w + r) % 3 for w in range(8) for r in range(15))
    assert [row.seq for row in rows] == list(range(1, len(rows) + 1))
    # Each entry links to the one right before it — never two to the same predecessor.
    previous = GENESIS_HASH
    for row in rows:
        assert row.prev_hash == previous
        assert row.row_hash == row_hash(previous, row)
        previous = row.row_hash
    report = chain.verify_stored()
    assert report.intact, report.describe()
    assert report.head.seq == len(rows)
    assert report.head.row_hash == previous


def test_откат_транзакции_не_оставляет_ни_записей_ни_сдвинутой_головы(db):
    _write(2)

    def failing_use_case() -> None:
        with transaction() as session:
            audit.record(session, None, "never", "client", 1)
            raise RuntimeError("the use case failed")

    with pytest.raises(RuntimeError):
        failing_use_case()
    _write(1)
    assert [row.seq for row in _entries()] == [1, 2, 3]
    assert chain.verify_stored().intact


def test_verify_audit_называет_первое_изменённое_звено(db, capsys):
    _write(5)
    with pytest.raises(SystemExit) as finished:
        cli(["verify-audit"])
    assert finished.value.code == 0
    assert "Цепочка аудита цела: 5 записей" in capsys.readouterr().out

    # Someone with database access rewrites entry 3's content.
    with transaction() as session:
        session.execute(
            sa.update(ManagerAuditLog).where(ManagerAuditLog.seq == 3).values(action="edited")
        )
    with pytest.raises(SystemExit) as finished:
        cli(["verify-audit"])
    assert finished.value.code == 1
    out = capsys.readouterr().out
    assert "первое нарушенное звено — seq 3" in out
    assert "content_changed" in out


def test_удалённая_запись_и_отрезанный_хвост_обнаруживаются(db):
    _write(6)
    with transaction() as session:
        session.execute(sa.delete(ManagerAuditLog).where(ManagerAuditLog.seq == 2))
    broken = chain.verify_stored()
    assert not broken.intact
    assert broken.broken.seq is not None
    assert broken.broken.seq <= 3

    with transaction() as session:
        session.execute(sa.delete(ManagerAuditLog))
    _write(3)
    with transaction() as session:  # the tail cut off: the head still names seq 9
        session.execute(sa.delete(ManagerAuditLog).where(ManagerAuditLog.seq == 9))
    tail = chain.verify_stored()
    assert not tail.intact


def test_правка_записи_до_заверенной_копии_видна_по_напечатанной_голове(db, manager):
    client = signed_client(manager)
    with transaction() as session:
        anchors = chain.anchors(session)
    assert anchors
    anchored = max(anchors)
    # Rewriting the anchored row together with a recomputed hash still disagrees with the copy.
    with transaction() as session:
        row = session.scalar(sa.select(ManagerAuditLog).where(ManagerAuditLog.seq == anchored))
        row.action = "forged"
        row.row_hash = row_hash(row.prev_hash, row)
        session.add(row)
    state = chain.chain_state()
    assert state.status == "broken"
    assert state.broken_seq in (anchored, anchored + 1), client.id  # the row, or its successor
    assert not chain.verify_stored().intact


def test_дашборд_проверяет_цепочку_порциями_и_показывает_голову(db):
    _write(7)
    first = chain.chain_state(batch=4)
    assert (first.status, first.verified_seq, first.head_seq) == ("checking", 4, 7)
    second = chain.chain_state(batch=4)
    assert (second.status, second.verified_seq) == ("intact", 7)
    assert second.head_hash == _entries()[-1].row_hash
    with transaction() as session:
        session.execute(
            sa.update(ManagerAuditLog).where(ManagerAuditLog.seq == 2).values(action="edited")
        )
    # Already verified rows are checked again by the full run; the dashboard shows its verdict.
    assert not chain.verify_stored().intact
    assert chain.chain_state().status == "broken"


def test_раздел_дашборда_только_для_администратора(db, manager, admin):
    from privet_manager_app.domain.admin import dashboard
    from privet_manager_app.domain.common.errors import DomainError

    _write(2)
    state = dashboard.audit_chain(admin)
    assert (state.status, state.head_seq) == ("intact", 2)
    with pytest.raises(DomainError):
        dashboard.audit_chain(manager)
