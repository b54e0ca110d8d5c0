"""Alembic on a database shared with the client app (real PostgreSQL, pg_dump before/after)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.config import Config
from alembic.script import ScriptDirectory

from alembic import command
from privet_manager_app.cli import ALEMBIC_INI, migrate
from privet_manager_app.dev.client_app_fixture import CLIENT_APP_REVISION, create_client_app_tables
from privet_manager_app.infra.db import dispose_engines, get_engine
from privet_manager_app.schema.tables import OUR_TABLES

CLIENT_TABLES = ["users", "devices", "alembic_version"]
BRIDGE_TABLES = ["support_tickets", "support_messages"]


@pytest.fixture
def client_app_db(empty_db):
    """A fresh database for the client app's tables, rows and alembic_version."""
    return empty_db


def _config() -> Config:
    return Config(str(ALEMBIC_INI))


def _tables() -> set[str]:
    return set(sa.inspect(get_engine()).get_table_names())


def _add_client_rows() -> None:
    with get_engine().begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO users (phone, email, name, is_active, created_at, updated_at) "
                "VALUES ('+79160000000', 'a@b.ru', 'Клиент', true, now(), now())"
            )
        )


def test_миграция_не_трогает_таблицы_клиентского_приложения(postgres, client_app_db):
    with get_engine().begin() as connection:
        create_client_app_tables(connection, with_support_bridge=False)
    _add_client_rows()
    before = postgres.pg_dump_schema(client_app_db, CLIENT_TABLES)
    migrate()
    dispose_engines()
    after = postgres.pg_dump_schema(client_app_db, CLIENT_TABLES)
    assert before == after
    tables = _tables()
    assert tables >= OUR_TABLES
    assert set(BRIDGE_TABLES) <= tables
    with get_engine().connect() as connection:
        assert connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == (
            CLIENT_APP_REVISION
        )
        ours = connection.execute(
            sa.text("SELECT version_num FROM privet_manager_alembic_version")
        ).scalar()
        assert connection.execute(sa.text("SELECT count(*) FROM users")).scalar() == 1
    assert ours == ScriptDirectory.from_config(_config()).get_current_head()


def test_существующие_таблицы_поддержки_остаются_как_были(postgres, client_app_db):
    with get_engine().begin() as connection:
        create_client_app_tables(connection, with_support_bridge=True)
        # The client app's version of the bridge may differ from ours: an extra column.
        connection.execute(sa.text("ALTER TABLE support_tickets ADD COLUMN priority integer"))
    before = postgres.pg_dump_schema(client_app_db, BRIDGE_TABLES)
    migrate()
    dispose_engines()
    assert postgres.pg_dump_schema(client_app_db, BRIDGE_TABLES) == before


def test_downgrade_base_и_снова_upgrade_head(postgres, client_app_db):
    with get_engine().begin() as connection:
        create_client_app_tables(connection, with_support_bridge=False)
    migrate()
    command.downgrade(_config(), "base")
    tables = _tables()
    assert not (OUR_TABLES & tables)
    # The support chat is the client's data: downgrade never drops it.
    assert set(BRIDGE_TABLES) <= tables
    migrate()
    assert _tables() >= OUR_TABLES


def test_автогенерация_против_head_не_находит_изменений(client_app_db):
    with get_engine().begin() as connection:
        create_client_app_tables(connection, with_support_bridge=True)
    migrate()
    # `alembic check` loads alembic/env.py (our filters) and raises on any difference.
    command.check(_config())


def test_baseline_stamp_принимает_существующую_базу(client_app_db):
    """The original README baseline: existing tables are stamped, not created again."""
    with get_engine().begin() as connection:
        create_client_app_tables(connection, with_support_bridge=False)
    migrate()
    with get_engine().begin() as connection:
        connection.execute(sa.text("DROP TABLE privet_manager_alembic_version"))
    command.stamp(_config(), "head")
    with get_engine().connect() as connection:
        stamped = connection.execute(
            sa.text("SELECT version_num FROM privet_manager_alembic_version")
        ).scalar()
    assert stamped == ScriptDirectory.from_config(_config()).get_current_head()
    migrate()  # nothing to do, nothing fails
    command.check(_config())
