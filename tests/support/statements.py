"""What the app sends to the database while a block runs: the SQL text, on which backend, and
whether it was read through a server-side cursor; how many transactions it began."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator

import sqlalchemy as sa


@dataclasses.dataclass(frozen=True)
class Statement:
    sql: str
    parameters: object
    server_side: bool  # a named cursor: rows fetched in pieces, not all at once
    backend_pid: int | None  # the PostgreSQL session that ran it


@contextlib.contextmanager
def listening(event: str, listener) -> Iterator[None]:
    """`listener` on the app's engine for `event` while the block runs."""
    from privet_manager_app.infra.db import get_engine

    engine = get_engine()
    sa.event.listen(engine, event, listener)
    try:
        yield
    finally:
        sa.event.remove(engine, event, listener)


@contextlib.contextmanager
def captured_sql() -> Iterator[list[Statement]]:
    seen: list[Statement] = []

    def listener(connection, cursor, statement, parameters, context, executemany):
        driver = connection.connection.driver_connection
        info = getattr(driver, "info", None)
        seen.append(
            Statement(
                sql=statement,
                parameters=parameters,
                server_side=type(cursor).__name__ == "ServerCursor",
                backend_pid=getattr(info, "backend_pid", None),
            )
        )

    with listening("before_cursor_execute", listener):
        yield seen


@contextlib.contextmanager
def counted_transactions() -> Iterator[list[int]]:
    """The transactions begun while the block runs, one item each."""
    begun: list[int] = []

    def on_begin(_connection):
        begun.append(1)

    with listening("begin", on_begin):
        yield begun
