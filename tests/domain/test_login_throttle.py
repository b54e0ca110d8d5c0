"""Login throttling: guesses are counted before bcrypt, per account and address, per address and
per account — and a guesser cannot lock the owner out from elsewhere (issue 9, item 2)."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from privet_manager_app.domain.admin import auth, managers
from privet_manager_app.domain.common import throttle
from privet_manager_app.domain.common.errors import Forbidden, NotAuthenticated, TooManyAttempts
from privet_manager_app.infra.db import transaction
from privet_manager_app.schema.tables import ManagerAttemptCounter, ManagerAuditLog
from privet_manager_app.settings import reset_settings_cache
from tests.conftest import DEFAULT_PASSWORD

OFFICE, ATTACKER = "198.51.100.7", "203.0.113.66"


def _login(email, password=DEFAULT_PASSWORD, ip=OFFICE):
    return auth.login(email, password, ip, "pytest")


def _fail(email, ip=ATTACKER, password="wrong-password") -> str:
    """One wrong guess → the code it got: invalid_credentials (checked) or the refusal's."""
    try:
        _login(email, password, ip)
    except NotAuthenticated as error:
        return error.code
    except TooManyAttempts as error:
        return error.code
    raise AssertionError("a wrong password logged in")


@pytest.fixture
def clock(monkeypatch):
    class Clock:
        now = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)

        def advance(self, **delta):
            self.now += dt.timedelta(**delta)

    value = Clock()
    monkeypatch.setattr(throttle, "utcnow", lambda: value.now)
    return value


@pytest.fixture
def settings(monkeypatch):
    def apply(**values):
        for name, value in values.items():
            monkeypatch.setenv(name, str(value))
        reset_settings_cache()

    yield apply
    reset_settings_cache()


def _audit(action: str) -> list[ManagerAuditLog]:
    with transaction() as session:
        return list(
            session.execute(
                sa.select(ManagerAuditLog).where(ManagerAuditLog.action == action)
            ).scalars()
        )


def test_40_одновременных_догадок_засчитываются_все_и_проверяются_только_5(make_manager, settings):
    # A real bcrypt cost for the account: the guesses overlap inside the hash, as they do in
    # production; before the fix every one of them passed the lock check that ran before it.
    settings(BCRYPT_ROUNDS=10)
    victim = make_manager()
    barrier = threading.Barrier(40)

    def guess(_):
        barrier.wait()
        return _fail(victim.email)

    with ThreadPoolExecutor(40) as pool:
        outcomes = list(pool.map(guess, range(40)))
    checked = outcomes.count("invalid_credentials")
    assert checked == 5, f"{checked} of 40 parallel guesses reached bcrypt"
    assert outcomes.count("login_throttled") == 35
    with transaction() as session:
        counted = {
            row.scope: row.attempts
            for row in session.execute(sa.select(ManagerAttemptCounter)).scalars()
        }
    assert counted == {"login_account_ip": 5, "login_ip": 5, "login_account": 5}


def test_подбор_с_одного_адреса_не_мешает_владельцу_войти_с_другого(manager):
    for _ in range(5):
        assert _fail(manager.email) == "invalid_credentials"
    with pytest.raises(TooManyAttempts) as throttled:
        _login(manager.email, ip=ATTACKER)  # even the right password waits, from that address
    assert throttled.value.code == "login_throttled"
    assert 55 <= throttled.value.extra["retry_after_seconds"] <= 60
    assert "Повторите через 1 мин" in throttled.value.message
    assert _login(manager.email, ip=OFFICE).manager.id == manager.id


def test_с_каждой_новой_неудачей_ожидание_растёт_вдвое_до_15_минут(manager, clock):
    for _ in range(5):
        _fail(manager.email)
    waits = []
    for _ in range(6):
        with pytest.raises(TooManyAttempts) as error:
            _login(manager.email, "wrong-password", ATTACKER)
        waits.append(error.value.extra["retry_after_seconds"])
        clock.advance(seconds=waits[-1])
        assert _fail(manager.email) == "invalid_credentials"
    assert waits == [60, 120, 240, 480, 900, 900]


def test_верный_пароль_с_того_же_адреса_после_ожидания_сбрасывает_счёт(manager, clock):
    for _ in range(5):
        _fail(manager.email, ip=OFFICE)
    clock.advance(minutes=1)
    assert _login(manager.email, ip=OFFICE)
    for _ in range(5):  # five fresh mistakes again, no waiting in between
        assert _fail(manager.email, ip=OFFICE) == "invalid_credentials"


def test_один_адрес_перебирающий_много_email_упирается_в_потолок(make_manager, settings):
    settings(LOGIN_IP_FREE_ATTEMPTS=12)
    colleague = make_manager()
    outcomes = [_fail(f"guess{n}@example.com") for n in range(12)]
    assert outcomes == ["invalid_credentials"] * 12
    # The ceiling holds for every e-mail from that address, a real one included…
    assert _fail(f"guess{99}@example.com") == "login_throttled"
    with pytest.raises(TooManyAttempts):
        _login(colleague.email, ip=ATTACKER)
    # …and for nobody else.
    assert _login(colleague.email, ip=OFFICE)


def test_свой_верный_вход_не_обнуляет_счёт_адреса(make_manager, settings):
    settings(LOGIN_IP_FREE_ATTEMPTS=10)
    insider = make_manager()
    for round_ in range(3):
        for n in range(3):
            _fail(f"victim{round_}{n}@example.com")
        assert _login(insider.email, ip=ATTACKER)  # an own account between the guesses
    assert _fail("victim-last@example.com") == "invalid_credentials"  # the 10th failure
    assert _fail("victim-after@example.com") == "login_throttled"


def test_учётная_запись_блокируется_только_после_многих_неудач_со_всех_адресов(
    manager, admin, settings
):
    settings(LOGIN_ACCOUNT_LOCK_FAILURES=12)
    for n in range(12):
        assert _fail(manager.email, ip=f"192.0.2.{n}") == "invalid_credentials"
    with pytest.raises(TooManyAttempts) as locked:
        _login(manager.email, ip="192.0.2.200")  # the right password, a fresh address
    assert locked.value.code == "account_locked"
    assert "Обратитесь к администратору" in locked.value.message
    [entry] = _audit("manager_login_locked")
    assert (entry.entity_id, entry.manager_id) == (str(manager.id), None)
    assert entry.changes == {"failed_logins": {"before": None, "after": 12}}

    [account] = [a for a in managers.list_managers(admin) if a.id == manager.id]
    assert account.is_locked
    assert account.locked_at is not None
    unlocked = managers.unlock_login(admin, manager.id)
    assert not unlocked.is_locked
    [unlock] = _audit("manager_login_unlocked")
    assert unlock.manager_id == admin.id
    assert unlock.changes == {"login_locked": {"before": True, "after": False}}
    assert _login(manager.email, ip="192.0.2.200").manager.id == manager.id


def test_разблокировать_вход_может_только_администратор(manager, make_manager):
    other = make_manager()
    with pytest.raises(Forbidden):
        managers.unlock_login(manager, other.id)


def test_сброс_пароля_снимает_и_блокировку_входа(manager, admin, settings):
    settings(LOGIN_ACCOUNT_LOCK_FAILURES=10)
    for n in range(10):
        _fail(manager.email, ip=f"192.0.2.{n}")
    managers.reset_password(admin, manager.id, "Новый-пароль-7")
    assert _login(manager.email, "Новый-пароль-7", ip="192.0.2.1")


def test_несуществующий_email_ограничивается_так_же_и_ответы_не_выдают_отсутствие(manager):
    ghost = [_fail("ghost@example.com") for _ in range(6)]
    real = [_fail(manager.email) for _ in range(6)]
    assert ghost == real == ["invalid_credentials"] * 5 + ["login_throttled"]


# ---- REST -------------------------------------------------------------------------------------


def test_rest_отвечает_429_с_retry_after(api, manager):
    for _ in range(5):
        api.post("/api/manager/auth/login", json={"email": manager.email, "password": "bad"})
    response = api.post(
        "/api/manager/auth/login", json={"email": manager.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 429
    assert response.json()["code"] == "login_throttled"
    assert 55 <= int(response.headers["Retry-After"]) <= 60
    assert response.json()["retry_after_seconds"] == int(response.headers["Retry-After"])


def test_rest_разблокировка_администратором(
    api, admin, manager, make_manager, login_headers, settings
):
    settings(LOGIN_ACCOUNT_LOCK_FAILURES=10)
    locked_out = make_manager()
    for n in range(10):
        _fail(locked_out.email, ip=f"192.0.2.{n}")
    listed = api.get("/api/manager/admin/managers", headers=login_headers(admin)).json()
    assert [m["is_locked"] for m in listed if m["id"] == locked_out.id] == [True]
    url = f"/api/manager/admin/managers/{locked_out.id}/unlock"
    assert api.post(url, headers=login_headers(manager)).status_code == 403
    response = api.post(url, headers=login_headers(admin))
    assert response.status_code == 200
    assert response.json()["is_locked"] is False
