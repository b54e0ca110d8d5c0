"""Alembic environment: our tables only, our own version table, the URL from DATABASE_URL."""

from __future__ import annotations

from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import AutoString

import privet_manager_app.schema.tables  # noqa: F401 - registers our tables on the metadata
from alembic import context
from privet_manager_app.infra.db import Money, UTCDateTime, get_engine
from privet_manager_app.schema.tables import OUR_TABLES

VERSION_TABLE = "privet_manager_alembic_version"


def include_name(name, type_, parent_names) -> bool:
    # Reflect only our tables: the client app's tables (users, devices, its alembic_version,
    # the support bridge it may own, anything else it adds) are never compared or altered.
    if type_ == "table":
        return name in OUR_TABLES
    return True


# Indexes that exist only where the database allows the pg_trgm extension (migration 0005):
# not in the models, so never compared.
UNMODELLED_INDEX_SUFFIX = "_trgm"


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    if type_ == "table":
        return name in OUR_TABLES
    return not (type_ == "index" and name and name.endswith(UNMODELLED_INDEX_SUFFIX))


def render_item(type_, obj, autogen_context):
    """Write our column types as plain SQLAlchemy types, so migrations never import the app."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, Money):
        return "sa.Numeric(12, 2)"
    if type_ == "type" and isinstance(obj, AutoString):
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    return False


def run_migrations() -> None:
    # The CLI (`python -m privet_manager_app migrate`) may hand over its own connection.
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    with get_engine().connect() as connection:
        _run(connection)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        version_table=VERSION_TABLE,
        include_name=include_name,
        include_object=include_object,
        render_item=render_item,
        compare_type=True,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("Offline (--sql) mode is not supported: run against a database.")
run_migrations()
