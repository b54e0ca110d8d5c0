"""The list's searches keep the plan they were given with their own values, however often one
connection runs them. psycopg prepares a statement after its 5th execution; PostgreSQL may then
switch to a generic plan that cannot see the search pattern, and at a million clients «Мои» +
surname went from 40 ms to 1.2 s on the same connection (bench/README.md).

PostgreSQL's auto_explain reports the plan of every statement the app runs, as a notice on the
connection that ran it: a plan made for the values shows the pattern, a generic one `$1`."""

from __future__ import annotations

import collections
import json

import pytest
import sqlalchemy as sa

from privet_manager_app.domain.clients import listing as clients
from privet_manager_app.infra.db import get_engine
from tests.support.factories import claimed_client

RUNS = 20


@pytest.fixture
def plans(db):
    """(backend pid, plan) of every list statement, recorded by the server itself."""
    seen: list[tuple[int, dict]] = []

    def on_connect(dbapi_connection, _record):
        driver = getattr(dbapi_connection, "driver_connection", dbapi_connection)

        def on_notice(diagnostic):
            message = diagnostic.message_primary or ""
            if "plan:" not in message:
                return
            plan = json.loads(message.split("plan:", 1)[1])
            text = plan["Query Text"]
            reads = text.lstrip().upper().startswith(("SELECT", "WITH"))
            if reads and "manager_client_search" in text:
                seen.append((driver.info.backend_pid, plan))

        with driver.cursor() as cursor:
            cursor.execute("LOAD 'auto_explain'")
            cursor.execute("SET auto_explain.log_min_duration = 0")
            cursor.execute("SET auto_explain.log_level = 'notice'")
            cursor.execute("SET auto_explain.log_format = 'json'")
            cursor.execute("SET auto_explain.log_verbose = on")  # a node's output expressions
        driver.commit()
        driver.add_notice_handler(on_notice)

    engine = get_engine()
    engine.dispose()  # new connections, each with the listener
    sa.event.listen(engine, "connect", on_connect)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "connect", on_connect)
        engine.dispose()


def _filters(node: dict) -> list[str]:
    """What a plan compares: its conditions, and the expressions it computes (a window of
    newest rows computes whether each row matches)."""
    found = [node[key] for key in ("Filter", "Index Cond", "Recheck Cond") if key in node]
    found += node.get("Output", [])
    for child in node.get("Plans", []):
        found += _filters(child)
    return found


@pytest.mark.parametrize(
    ("tab", "query", "shown"),
    [("mine", "Петров", "%петров%"), ("processed", "916 12", "%91612%")],
    ids=["мои+фамилия", "телефон"],
)
def test_один_и_тот_же_поиск_двадцать_раз_на_одном_соединении_план_не_меняется(
    manager, add_users, plans, tab, query, shown
):
    add_users(60)
    for number in range(5):
        claimed_client(manager, name=f"Пётр Петров {number}", phone=f"8 916 12{number}-45-67")
    plans.clear()
    for _ in range(RUNS):
        clients.list_clients(manager, tab=tab, query=query)

    # A rare term: the newest rows of the tab first, then the whole tab (listing._page_rows)
    # — each of the two statements keeps its own plan.
    shapes: dict[str, set[str]] = collections.defaultdict(set)
    for _, plan in plans:
        shapes[plan["Query Text"]].add(json.dumps(plan["Plan"], sort_keys=True))
    assert len(plans) == RUNS * len(shapes)
    assert len({pid for pid, _ in plans}) == 1, "все двадцать поисков — одно соединение"
    assert all(len(found) == 1 for found in shapes.values()), "план сменился на том же соединении"
    # Planned with the search's own values each time — not a generic plan over `$1`.
    for found in shapes.values():
        conditions = " ".join(_filters(json.loads(next(iter(found)))))
        assert shown in conditions
        assert "$" not in conditions


def _scans(node: dict) -> list[tuple[str, str]]:
    found = [(node["Node Type"], node.get("Index Name", ""))] if "Scan" in node["Node Type"] else []
    for child in node.get("Plans", []):
        found += _scans(child)
    return found


@pytest.mark.parametrize(
    ("tab", "index"),
    [
        ("new", "ix_manager_client_search_tab_cover"),
        ("mine", "ix_manager_client_search_mine_cover"),
    ],
)
def test_окно_новейших_строк_читается_из_индекса_без_таблицы(manager, add_users, plans, tab, index):
    """A search the tab's newest rows answer compares them in the list's order index (it
    includes what a search compares, migration 0009): at a million clients a 10,000-row
    window costs no table page per row. The planner is steered off whole-table scans, as at
    that size; with the old index it could only visit the table row by row."""
    add_users(30)
    for number in range(5):
        claimed_client(manager, name=f"Пётр Петров {number}", phone=f"8 916 12{number}-45-67")

    def steer(dbapi_connection, _record):
        driver = getattr(dbapi_connection, "driver_connection", dbapi_connection)
        with driver.cursor() as cursor:
            cursor.execute("SET enable_seqscan = off")
            cursor.execute("SET enable_bitmapscan = off")
        driver.commit()

    engine = get_engine()
    with engine.begin() as connection:
        connection.execute(sa.text("ANALYZE manager_client_search"))
    engine.dispose()
    sa.event.listen(engine, "connect", steer)
    try:
        plans.clear()
        clients.list_clients(manager, tab=tab, query="петров")
    finally:
        sa.event.remove(engine, "connect", steer)
    windows = [plan for _, plan in plans if "row_number" in plan["Query Text"]]
    assert windows, "the search went through a window of newest rows"
    scans = _scans(windows[0]["Plan"])
    assert ("Index Only Scan", index) in scans, scans
