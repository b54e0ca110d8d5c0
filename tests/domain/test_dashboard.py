"""The admin's dashboard: figures checked against rows created here (funnel, days, median)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
import sqlalchemy as sa

from privet_manager_app.domain.admin import dashboard, managers
from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.common.clock import utcnow
from privet_manager_app.domain.common.errors import Forbidden
from privet_manager_app.infra.db import transaction
from privet_manager_app.schema.client_app import ClientUser
from privet_manager_app.schema.tables import ManagerClient, ManagerContract, ManagerRuntime
from tests.support.statements import captured_sql

UTC = dt.UTC
# 27.11.2026 12:00 in Moscow.
NOW = dt.datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
_numbers = itertools.count(1)


def _client(status: str, manager=None, *, claimed_at=None, processed_at=None) -> int:
    with transaction() as session:
        user = ClientUser(name=f"Клиент {status}", phone=None)
        session.add(user)
        session.flush()
        client = ManagerClient(
            user_id=user.id,
            status=status,
            assigned_manager_id=manager.id if manager else None,
            claimed_at=claimed_at,
            processed_at=processed_at,
        )
        session.add(client)
        session.flush()
        return client.id


def _contract(client_id: int, status: str, signed_at=None) -> None:
    with transaction() as session:
        session.add(
            ManagerContract(
                client_id=client_id,
                number=f"ПМ-2026-{next(_numbers):06d}",
                status=status,
                data_snapshot={},
                surcharge=Decimal("0.00"),
                signed_at=signed_at,
            )
        )


def _signed(manager, claimed_at, hours: float, status="processed") -> int:
    client_id = _client(status, manager, claimed_at=claimed_at, processed_at=NOW)
    signed_at = claimed_at + dt.timedelta(hours=hours)
    _contract(client_id, "signed", signed_at)
    with transaction() as session:  # as signing stores it
        session.get(ManagerClient, client_id).first_signed_at = signed_at
    return client_id


@pytest.fixture(autouse=True)
def _fresh_figures(monkeypatch):
    """These tests check the figures, each right after changing the rows: no cache (its own
    tests are below)."""
    monkeypatch.setattr(dashboard, "CACHE_MAX_AGE", dt.timedelta(0))


def test_воронка_считает_клиентов_по_статусам_в_порядке_процесса(admin, manager):
    for status, count in (("new", 3), ("in_progress", 2), ("contract_sent", 1), ("processed", 4)):
        for _ in range(count):
            _client(status, None if status == "new" else manager, processed_at=NOW)
    result = dashboard.get_dashboard(admin, now=NOW)
    assert [(step.status, step.count) for step in result.funnel] == [
        ("new", 3),
        ("in_progress", 2),
        ("contract_sent", 1),
        ("signed", 0),
        ("awaiting_payment", 0),
        ("processed", 4),
    ]
    assert result.funnel[0].label == "Новый"
    assert (result.total_clients, result.in_work, result.processed_total) == (10, 3, 4)


def test_обработанные_по_дням_за_30_дней_по_москве_с_нулями(admin, manager):
    # 26.11 23:30 UTC is already 27.11 in Moscow.
    _client("processed", manager, processed_at=dt.datetime(2026, 11, 26, 21, 30, tzinfo=UTC))
    _client("processed", manager, processed_at=dt.datetime(2026, 11, 26, 20, 59, tzinfo=UTC))
    _client("processed", manager, processed_at=dt.datetime(2026, 10, 29, 6, 0, tzinfo=UTC))
    _client("processed", manager, processed_at=dt.datetime(2026, 10, 28, 6, 0, tzinfo=UTC))
    # Out of the window or not processed: not counted.
    _client("processed", manager, processed_at=dt.datetime(2026, 10, 27, 20, 59, tzinfo=UTC))
    _client("signed", manager, processed_at=dt.datetime(2026, 11, 27, 6, 0, tzinfo=UTC))

    days = dashboard.get_dashboard(admin, now=NOW).processed_per_day
    assert len(days) == 30
    assert days[0].day == dt.date(2026, 10, 29)
    assert days[-1].day == dt.date(2026, 11, 27)
    assert days[-1].label == "27.11"
    counts = {day.day: day.count for day in days}
    assert counts[dt.date(2026, 11, 27)] == 1
    assert counts[dt.date(2026, 11, 26)] == 1
    assert counts[dt.date(2026, 10, 29)] == 1
    assert dt.date(2026, 10, 28) not in counts
    assert sum(counts.values()) == 3
    assert sum(1 for day in days if day.count == 0) == 27
    assert dashboard.get_dashboard(admin, now=NOW).processed_in_period == 3


def test_медиана_от_взятия_до_подписи_считается_по_первой_подписи_клиента(admin, manager):
    start = dt.datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    _signed(manager, start, 1)
    _signed(manager, start, 3)
    several = _signed(manager, start, 10)
    _contract(several, "signed", start + dt.timedelta(hours=50))  # a later re-signature
    _signed(manager, start, 30, status="awaiting_payment")
    unsigned = _client("contract_sent", manager, claimed_at=start)
    _contract(unsigned, "otp_sent")
    superseded = _client("in_progress", manager, claimed_at=start)
    _contract(superseded, "superseded", start + dt.timedelta(hours=999))

    result = dashboard.get_dashboard(admin, now=NOW)
    assert result.signed_clients == 4
    assert result.median_claim_to_sign_seconds == pytest.approx(6.5 * 3600)  # (3 + 10) / 2
    assert result.median_claim_to_sign_label == "6 ч 30 мин"

    _signed(manager, start, 20)
    odd = dashboard.get_dashboard(admin, now=NOW)
    assert odd.median_claim_to_sign_seconds == pytest.approx(10 * 3600)
    assert odd.median_claim_to_sign_label == "10 ч"


def test_без_подписей_медианы_нет(admin):
    result = dashboard.get_dashboard(admin, now=NOW)
    assert result.median_claim_to_sign_seconds is None
    assert result.median_claim_to_sign_label == "нет данных"
    assert result.signed_clients == 0
    assert all(day.count == 0 for day in result.processed_per_day)


def test_загрузка_менеджеров_в_работе_и_обработано(admin, manager, make_manager):
    other = make_manager("manager", name="Пётр")
    idle = make_manager("manager", name="Без клиентов")
    gone = make_manager("manager", name="Уволен")
    for _ in range(2):
        _client("in_progress", manager)
    _client("awaiting_payment", manager)
    _client("processed", manager, processed_at=NOW)
    _client("processed", other, processed_at=NOW)
    _client("signed", gone)
    managers.update_manager(admin, gone.id, is_active=False)
    managers.update_manager(admin, idle.id, is_active=False)

    load = {
        row.name: (row.in_work, row.processed) for row in dashboard.get_dashboard(admin).managers
    }
    assert load["Мастер Анна"] == (3, 1)
    assert load["Пётр"] == (0, 1)
    assert load["Уволен"] == (1, 0)
    assert "Без клиентов" not in load  # inactive and without clients
    assert load[admin.name] == (0, 0)
    assert next(iter(load)) == "Мастер Анна"


def test_длительности_пишутся_по_русски():
    label = dashboard.duration_label
    assert label(None) == "нет данных"
    assert label(20) == "меньше минуты"
    assert label(45 * 60) == "45 мин"
    assert label(80 * 60) == "1 ч 20 мин"
    assert label(3 * 86400 + 4 * 3600) == "3 д 4 ч"
    assert label(2 * 86400) == "2 д"


def test_дашборд_только_для_администратора(manager):
    with pytest.raises(Forbidden):
        dashboard.get_dashboard(manager)


def test_медиана_и_дни_на_sqlite_считаются_так_же(tmp_path, monkeypatch):
    """The quick start's SQLite: no percentile_cont, no time zones — same figures."""
    from privet_manager_app.domain.admin import auth
    from privet_manager_app.infra.db import dispose_engines
    from tests.conftest import prepare_schema, use_database

    url = f"sqlite:///{tmp_path / 'dash.db'}"
    monkeypatch.setenv("STORAGE_DIR", str(tmp_path / "storage"))
    monkeypatch.setenv("DATABASE_URL", url)  # restored after the test
    use_database(url)
    try:
        prepare_schema()
        account = auth.create_manager("a@example.com", "Админ", "Пароль-1234", "admin")
        admin = Actor(id=account.id, email=account.email, name=account.name, role="admin")
        start = dt.datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
        for hours in (1, 3, 10, 30):
            _signed(admin, start, hours)
        _client("processed", admin, processed_at=dt.datetime(2026, 11, 26, 21, 30, tzinfo=UTC))
        result = dashboard.get_dashboard(admin, now=NOW)
        assert result.median_claim_to_sign_seconds == pytest.approx(6.5 * 3600)
        _signed(admin, start, 20)
        result = dashboard.get_dashboard(admin, now=NOW)
        assert result.median_claim_to_sign_seconds == pytest.approx(10 * 3600)
        counts = {day.day: day.count for day in result.processed_per_day}
        assert counts[dt.date(2026, 11, 27)] == 6  # five signed files closed at NOW + one
        assert len(result.processed_per_day) == 30
        assert result.funnel[-1].count == 6
    finally:
        dispose_engines()


def test_дашборд_кэшируется_на_минуту_для_всех_реплик(admin, manager, monkeypatch):
    monkeypatch.setattr(dashboard, "CACHE_MAX_AGE", dt.timedelta(seconds=60))
    _client("new")
    first = dashboard.get_dashboard(admin)
    _client("new")
    # Another request (any replica: the value lives in the database) within the minute.
    again = dashboard.get_dashboard(admin)
    assert (again.total_clients, again.generated_at) == (1, first.generated_at)
    with transaction() as session:
        session.execute(
            sa.update(ManagerRuntime)
            .where(ManagerRuntime.key.like("dashboard:%"))
            .values(updated_at=utcnow() - dt.timedelta(seconds=61))
        )
    assert dashboard.get_dashboard(admin).total_clients == 2


def test_дашборд_считает_каждый_показатель_одним_проходом(admin, manager):
    _signed(manager, dt.datetime(2026, 11, 20, 9, 0, tzinfo=UTC), 5)
    _client("in_progress", manager)
    with captured_sql() as statements:
        dashboard.get_dashboard(admin, now=NOW)
    reads = [s.sql for s in statements if s.sql.lstrip().upper().startswith("SELECT")]
    over_clients = [sql for sql in reads if "manager_clients" in sql]
    # Funnel + totals + managers' load; days; median — three reads of the clients, none of
    # the contracts.
    assert len(over_clients) == 3
    assert not any("manager_contracts" in sql for sql in reads)


def test_первая_подпись_сохраняется_и_переживает_переоткрытие(manager, admin):
    from privet_manager_app.domain.clients import reopen
    from tests.support.factories import (
        client_row,
        invoiced_client,
        resend_interval_passed,
        sign_with_tariff,
    )

    client, contract, tariff_id = invoiced_client(manager)
    first = client_row(client.id).first_signed_at
    assert first == contract.signed_at
    reopen.reopen_client(admin, client.id, "Клиент принёс ещё один ноутбук")
    resend_interval_passed(client.id)  # a new contract is throttled like a resend
    sign_with_tariff(manager, client, tariff_id)
    assert client_row(client.id).first_signed_at == first
