"""Database engine, transactions and the column types shared by every table."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import re
import sqlite3
from collections.abc import Iterator
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import GenericFunction
from sqlmodel import Session, SQLModel

from privet_manager_app.domain.common.errors import ServiceUnavailable
from privet_manager_app.settings import get_settings

UTC = dt.UTC

# Named constraints: Alembic can drop/alter them later, SQLite batch mode included.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.TypeDecorator):
    """Aware UTC datetimes in and out, on PostgreSQL (timestamptz) and on SQLite alike."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:  # SQLite keeps no offset
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Money(sa.TypeDecorator):
    """Rubles as NUMERIC(12,2); always a Decimal with two places in Python."""

    impl = sa.Numeric(12, 2, asdecimal=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return Decimal(value).quantize(Decimal("0.01"))

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return Decimal(value).quantize(Decimal("0.01"))


# JSONB on PostgreSQL (indexable, compact), plain JSON elsewhere.
JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
# SQLite only auto-increments an INTEGER PRIMARY KEY, not a BIGINT one.
BigIntPK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class digits_only(GenericFunction):  # noqa: N801 - SQL function naming
    """The digits of a string: lets a phone typed any way match a phone stored any way."""

    type = sa.String()
    inherit_cache = True


@compiles(digits_only, "postgresql")
def _digits_only_pg(element, compiler, **kw):
    return f"regexp_replace({compiler.process(element.clauses, **kw)}, '[^0-9]', '', 'g')"


@compiles(digits_only, "sqlite")
def _digits_only_sqlite(element, compiler, **kw):
    return f"digits_only({compiler.process(element.clauses, **kw)})"


class last_ten_digits(GenericFunction):  # noqa: N801 - SQL function naming
    """The last 10 digits of a phone however it was typed ('8 (916) 123-45-67' → '9161234567'):
    a Russian number without its 7/8 prefix; '' when there are no digits."""

    type = sa.String()
    inherit_cache = True


@compiles(last_ten_digits, "postgresql")
def _last_ten_digits_pg(element, compiler, **kw):
    value = compiler.process(element.clauses, **kw)
    return f"right(regexp_replace(coalesce({value}, ''), '[^0-9]', '', 'g'), 10)"


@compiles(last_ten_digits, "sqlite")
def _last_ten_digits_sqlite(element, compiler, **kw):
    return f"coalesce(substr(digits_only({compiler.process(element.clauses, **kw)}), -10), '')"


_NON_DIGITS = re.compile(r"\D")


def _sqlite_digits_only(value: str | None) -> str | None:
    return None if value is None else _NON_DIGITS.sub("", value)


def _sqlite_lower(value):
    return value.lower() if isinstance(value, str) else value


def normalize_database_url(url: str) -> str:
    """Accept the URLs operators usually have (postgres://, postgresql://) and use psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


_ENGINES: dict[str, sa.Engine] = {}


def _create_engine(url: str, pool_size: int) -> sa.Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @sa.event.listens_for(engine, "connect")
        def _sqlite_setup(dbapi_connection: sqlite3.Connection, _record):
            dbapi_connection.create_function("digits_only", 1, _sqlite_digits_only)
            # SQLite's own lower() folds ASCII only; Cyrillic search needs Python's.
            dbapi_connection.create_function("lower", 1, _sqlite_lower, deterministic=True)
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()
            # pysqlite (Python < 3.12) opens a transaction only before an INSERT/UPDATE/DELETE:
            # the SELECTs before it read in autocommit, so two requests both see «not signed
            # yet» and both sign (`with_for_update()` means nothing to SQLite). Take over BEGIN…
            dbapi_connection.isolation_level = None

        @sa.event.listens_for(engine, "begin")
        def _sqlite_begin(connection: sa.Connection):
            # …and make every transaction a writer from its first statement: transactions
            # queue (busy_timeout) like PostgreSQL's row locks make them, one at a time.
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    settings = get_settings()
    return sa.create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        pool_recycle=1800,
        # A database that is down or a pool that ran dry answers 503 in seconds instead of
        # holding the request (SQLAlchemy waits 30 s for a pooled connection, libpq for the OS).
        pool_timeout=settings.DATABASE_POOL_TIMEOUT,
        connect_args={
            "connect_timeout": settings.DATABASE_CONNECT_TIMEOUT,
            # psycopg prepares a statement after 5 executions, and PostgreSQL may then settle on
            # a generic plan that cannot see the search pattern: the same search goes from
            # milliseconds to seconds on the same connection (bench/README.md). Unnamed
            # statements are planned with their values every time, for a fraction of a ms.
            "prepare_threshold": None,
        },
    )


def get_engine() -> sa.Engine:
    settings = get_settings()
    url = normalize_database_url(settings.DATABASE_URL)
    if url not in _ENGINES:
        _ENGINES[url] = _create_engine(url, settings.DATABASE_POOL_SIZE)
    return _ENGINES[url]


def is_database_outage(error: BaseException) -> bool:
    """The database is unreachable or too busy to serve us — not a bad statement or a
    constraint (an IntegrityError is the code's business, never an outage)."""
    if isinstance(error, sa.exc.TimeoutError):  # no pooled connection came free in time
        return True
    if isinstance(error, sa.exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, sa.exc.OperationalError | sa.exc.InterfaceError)


def dispose_engines() -> None:
    """Forget cached engines (tests switch databases; forked workers must not share sockets)."""
    while _ENGINES:
        _ENGINES.popitem()[1].dispose()


@contextlib.contextmanager
def transaction() -> Iterator[Session]:
    """One use case = one transaction: commit on success, roll back on any error."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException as error:
            session.rollback()
            if is_database_outage(error):
                raise ServiceUnavailable.database() from error
            raise


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def upsert(session: Session, model):
    """INSERT … ON CONFLICT for the current dialect (both dialects spell it the same way)."""
    return (postgresql.insert if is_postgres(session) else sqlite.insert)(model)


def _lock_key(name: str) -> int:
    """A stable 64-bit advisory lock key for a name (the same in every replica)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def try_advisory_xact_lock(session: Session, name: str) -> bool:
    """Take the named lock until this transaction ends, or say at once that another replica
    holds it. SQLite (one process, transactions one at a time) always has it."""
    if not is_postgres(session):
        return True
    return bool(
        session.execute(sa.select(sa.func.pg_try_advisory_xact_lock(_lock_key(name)))).scalar()
    )


def advisory_xact_lock(session: Session, name: str) -> None:
    """Wait for the named lock and hold it until this transaction ends (SQLite: transactions
    already take turns)."""
    if is_postgres(session):
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(_lock_key(name))))


@contextlib.contextmanager
def advisory_lock(name: str) -> Iterator[None]:
    """Hold the named lock for the block, waiting for another replica to let it go: on its own
    connection, so the block may open (and commit) transactions of its own."""
    engine = get_engine()
    if engine.dialect.name != "postgresql":
        yield
        return
    key = _lock_key(name)
    with engine.connect() as connection:
        connection.execute(sa.select(sa.func.pg_advisory_lock(key)))
        connection.commit()
        try:
            yield
        finally:
            connection.execute(sa.select(sa.func.pg_advisory_unlock(key)))
            connection.commit()
