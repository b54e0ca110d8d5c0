"""Search pages: a term first looked for among the tab's newest rows, then in the whole tab —
and the pages are exactly the ones one query over the whole tab gives, page after page."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from privet_manager_app.domain.clients import listing as clients
from privet_manager_app.domain.clients import projection
from privet_manager_app.infra.db import transaction
from privet_manager_app.schema.tables import ManagerClientSearch
from tests.support.statements import captured_sql


def _all_pages(manager, tab: str, query: str, limit: int) -> list[list[int]]:
    pages, cursor = [], None
    while True:
        page = clients.list_clients(manager, tab, query, cursor=cursor, limit=limit)
        pages.append([card.id for card in page.items])
        cursor = page.next_cursor
        if cursor is None:
            return pages


def _expected(manager, tab: str, query: str) -> list[int]:
    condition = clients.view_condition(manager, tab, query)
    with transaction() as session:
        return [row.client_id for row in session.execute(clients.view_rows(condition)).all()]


@pytest.mark.parametrize("window", [7, 40, 3000])
def test_страницы_поиска_те_же_что_у_одного_запроса_по_всей_вкладке(
    manager, add_users, monkeypatch, window
):
    add_users(240, seed=7)
    monkeypatch.setattr(clients, "SEARCH_WINDOW", window)
    with transaction() as session:
        names = session.execute(sa.select(ManagerClientSearch.name)).scalars().all()
    common = max({n.split()[0] for n in names}, key=lambda w: sum(w in n for n in names))
    rare = names[17].split()[-1]
    for query in [common, common.lower()[:3], rare, "ул", "нет-такого", "9", "+7 9"]:
        for limit in (1, 5, 20):
            pages = _all_pages(manager, "new", query, limit)
            flat = [client_id for page in pages for client_id in page]
            assert flat == _expected(manager, "new", query), (query, limit)
            assert all(len(page) == limit for page in pages[:-1])


def test_частый_термин_читает_только_новейшие_строки_вкладки(manager, add_users, monkeypatch):
    """A term on every row: one statement, over the tab's newest rows, no second query."""
    add_users(60, seed=3)
    with transaction() as session:
        session.execute(sa.update(ManagerClientSearch).values(search_text="петров " + "x"))
    monkeypatch.setattr(clients, "SEARCH_WINDOW", 25)
    with captured_sql() as statements:
        page = clients.list_clients(manager, "new", "петров", limit=20)
    assert len(page.items) == 20
    searches = [s.sql for s in statements if "search_text LIKE" in s.sql]
    assert len(searches) == 1, searches
    window, outer = searches[0].split("FROM (", 1)[1].split(") AS anon_1")
    assert "ORDER BY manager_client_search.updated_at DESC" in window
    assert "LIMIT" in window
    assert "search_text LIKE" in outer
    assert "search_text LIKE" not in window
    assert "row_number() OVER" in window


def test_вкладка_меньше_окна_ищется_одним_запросом(manager, add_users, monkeypatch):
    """The newest rows are the whole tab: what they hold is the answer, even less than a page."""
    add_users(30, seed=5)
    monkeypatch.setattr(clients, "SEARCH_WINDOW", 50)
    with captured_sql() as statements:
        page = clients.list_clients(manager, "new", "нет-такого", limit=20)
    assert page.items == []
    assert len([s for s in statements if "search_text LIKE" in s.sql]) == 1


def test_редкий_термин_ищется_по_всей_вкладке(manager, add_users, monkeypatch):
    users = add_users(60, seed=3)
    monkeypatch.setattr(clients, "SEARCH_WINDOW", 10)
    oldest = min(users, key=lambda user: user.id)  # far beyond the newest ten
    with transaction() as session:
        session.execute(
            sa.update(ManagerClientSearch)
            .where(ManagerClientSearch.user_id == oldest.id)
            .values(search_text="единственный-в-своём-роде")
        )
    found = clients.list_clients(manager, "new", "единственный").items
    assert [card.user_id for card in found] == [oldest.id]
    assert projection.search_terms("единственный") == ["единственный"]
