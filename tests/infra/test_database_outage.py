"""When PostgreSQL is down or the pool is dry, REST answers 503 `database_unavailable` with a
`Retry-After` in seconds — never a 500, never a 401 that would log the manager out."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from privet_manager_app.domain.common.errors import ServiceUnavailable
from privet_manager_app.infra.db import get_engine, transaction
from tests.conftest import DEFAULT_PASSWORD, prepare_schema, use_database
from tests.support.hung_s3 import on_thread, refusing_endpoint
from tests.support.postgres import throwaway_postgres

DOWN = {
    "detail": "База данных недоступна, попробуйте через минуту",
    "code": "database_unavailable",
    "retry_after_seconds": 60,
}


def _assert_database_unavailable(response, error: BaseException | None = None) -> None:
    assert error is None, repr(error)
    assert response.status_code == 503, response.text
    assert response.json() == DOWN
    assert response.headers["retry-after"] == "60"


def test_вход_при_выключенной_базе_даёт_503_database_unavailable(api, db):
    with refusing_endpoint() as stopped:
        use_database(f"postgresql+psycopg://postgres@127.0.0.1:{stopped.port}/privet")
        try:
            seconds, response, error = on_thread(
                api.post,
                "/api/manager/auth/login",
                json={"email": "manager@example.com", "password": DEFAULT_PASSWORD},
                give_up=15,
            )
        finally:
            use_database(db)
    _assert_database_unavailable(response, error)
    assert seconds < 5


def test_остановленный_postgresql_посреди_работы_даёт_503_а_не_500_и_не_выход(api, db):
    """A cluster that was serving (pooled connections, a valid token) is stopped."""
    from privet_manager_app.domain.admin import auth

    with throwaway_postgres() as server:
        use_database(server.create_database("outage"))
        try:
            prepare_schema()
            auth.create_manager("m@example.com", "Мастер", DEFAULT_PASSWORD)
            login = api.post(
                "/api/manager/auth/login",
                json={"email": "m@example.com", "password": DEFAULT_PASSWORD},
            )
            headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
            assert api.get("/api/manager/clients?tab=new", headers=headers).status_code == 200
            server.stop()
            seconds, listing, error = on_thread(
                api.get, "/api/manager/clients?tab=new", headers=headers, give_up=15
            )
            _, me, me_error = on_thread(
                api.get, "/api/manager/auth/me", headers=headers, give_up=15
            )
        finally:
            use_database(db)
    _assert_database_unavailable(listing, error)
    _assert_database_unavailable(me, me_error)
    assert seconds < 5


def test_пул_без_свободных_соединений_отказывает_за_pool_timeout_а_не_за_30_с(
    api, db, manager, login_headers, monkeypatch
):
    headers = login_headers(manager)
    monkeypatch.setenv("DATABASE_POOL_SIZE", "1")  # one pooled + one overflow connection
    monkeypatch.setenv("DATABASE_POOL_TIMEOUT", "1")
    use_database(db)
    engine = get_engine()
    held = [engine.connect(), engine.connect()]  # e.g. two requests stuck behind a slow S3
    try:
        seconds, response, error = on_thread(
            api.get, "/api/manager/auth/me", headers=headers, give_up=15
        )
    finally:
        for connection in held:
            connection.close()
        monkeypatch.undo()
        use_database(db)
    _assert_database_unavailable(response, error)
    assert seconds < 1 + 2


def test_нарушение_ограничения_не_выдаётся_за_недоступность_базы(db):
    from privet_manager_app.infra.db import is_database_outage

    with transaction() as session:
        session.execute(sa.text("CREATE TABLE probe (id int PRIMARY KEY)"))
        session.execute(sa.text("INSERT INTO probe VALUES (1)"))
    with pytest.raises(sa.exc.IntegrityError) as raised, transaction() as session:
        session.execute(sa.text("INSERT INTO probe VALUES (1)"))
    assert not is_database_outage(raised.value)
    assert not isinstance(raised.value, ServiceUnavailable)
