"""The attempt counter every throttle shares (logins, signing codes), on PostgreSQL, threads."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from privet_manager_app.domain.common import throttle
from privet_manager_app.infra.db import transaction
from privet_manager_app.schema.tables import ManagerAttemptCounter

RULE = throttle.Rule(
    "test_rule",
    free=3,
    window=dt.timedelta(hours=1),
    first_delay=dt.timedelta(seconds=10),
    max_delay=dt.timedelta(seconds=50),
)
LOCKING = throttle.Rule("test_lock", free=4, window=dt.timedelta(hours=1), lock_after=4)


class Clock:
    def __init__(self, monkeypatch) -> None:
        self.now = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
        monkeypatch.setattr(throttle, "utcnow", lambda: self.now)

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


def _reserve(*attempts: throttle.Attempt) -> throttle.Reservation:
    with transaction() as session:
        return throttle.reserve(session, attempts)


def _attempts(rule: throttle.Rule, subject: str) -> int:
    with transaction() as session:
        row = session.get(ManagerAttemptCounter, (rule.scope, subject))
        return row.attempts if row else 0


def test_одновременные_попытки_считаются_все_до_одной(db):
    subject = throttle.subject("someone@example.com")
    barrier = threading.Barrier(30)
    wide = throttle.Rule("wide", free=1000, window=dt.timedelta(hours=1))

    def attempt(_):
        barrier.wait()
        return _reserve(throttle.Attempt(wide, subject)).counts["wide"]

    with ThreadPoolExecutor(30) as pool:
        seen = sorted(pool.map(attempt, range(30)))
    assert seen == list(range(1, 31))  # each saw every attempt before it
    assert _attempts(wide, subject) == 30


def test_после_бесплатных_попыток_ожидание_растёт_вдвое_до_предела(db, clock):
    subject = throttle.subject("a")
    attempt = throttle.Attempt(RULE, subject)
    for _ in range(3):
        assert _reserve(attempt).refusal is None
    waits = []
    for _ in range(5):
        refusal = _reserve(attempt).refusal
        waits.append(refusal.retry_after)
        clock.advance(seconds=refusal.retry_after)
        assert _reserve(attempt).refusal is None
    assert waits == [10, 20, 40, 50, 50]


def test_отказ_не_удлиняет_ожидание(db, clock):
    attempt = throttle.Attempt(RULE, throttle.subject("b"))
    for _ in range(3):
        _reserve(attempt)
    for _ in range(10):
        assert _reserve(attempt).refusal.retry_after == 10
    assert _attempts(RULE, attempt.subject) == 3


def test_счёт_забывается_после_окна(db, clock):
    attempt = throttle.Attempt(RULE, throttle.subject("c"))
    for _ in range(3):
        _reserve(attempt)
    clock.advance(hours=1, seconds=1)
    assert _reserve(attempt).counts == {"test_rule": 1}


def test_блокировка_держится_до_снятия_и_не_забывается_окном(db, clock):
    attempt = throttle.Attempt(LOCKING, throttle.subject("d"))
    results = [_reserve(attempt) for _ in range(4)]
    assert results[-1].newly_locked == ("test_lock",)
    clock.advance(days=30)
    assert _reserve(attempt).refusal == throttle.Refusal(LOCKING, None)
    with transaction() as session:
        assert list(throttle.locked(session, LOCKING, [attempt.subject])) == [attempt.subject]
        assert throttle.clear(session, LOCKING, attempt.subject) == 1
    assert _reserve(attempt).refusal is None


def test_попытка_отклоняется_целиком_если_отказало_одно_правило(db, clock):
    narrow = throttle.Attempt(RULE, throttle.subject("e"))
    for _ in range(3):
        _reserve(narrow)
    other = throttle.Attempt(LOCKING, throttle.subject("e"))
    assert _reserve(narrow, other).refusal.rule is RULE
    assert _attempts(LOCKING, other.subject) == 0  # not counted anywhere


def test_успех_забывает_или_возвращает_только_свою_попытку(db, clock):
    forgetting = throttle.Rule(
        "forget", free=5, window=dt.timedelta(hours=1), clear_on_success=True
    )
    pair = throttle.Attempt(forgetting, throttle.subject("f"))
    shared = throttle.Attempt(RULE, throttle.subject("f"))
    for _ in range(2):
        _reserve(pair, shared)
    _reserve(pair, shared)  # the third attempt turns out to be right
    with transaction() as session:
        throttle.settle(session, [pair, shared])
    assert _attempts(forgetting, pair.subject) == 0
    assert _attempts(RULE, shared.subject) == 2  # the two wrong ones still count


def test_старые_счётчики_удаляются_а_блокировки_остаются(db, clock):
    stale = throttle.Attempt(RULE, throttle.subject("g"))
    lock = throttle.Attempt(LOCKING, throttle.subject("g"))
    _reserve(stale)
    for _ in range(4):
        _reserve(lock)
    clock.advance(days=3)
    with transaction() as session:
        assert throttle.forget_stale(session, dt.timedelta(days=2)) == 1
    assert _attempts(LOCKING, lock.subject) == 4
