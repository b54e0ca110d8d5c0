"""Search pages: a term looked for among the tab's newest rows, among all its matches when they
are few, then among more of the newest rows — and the pages are exactly the ones one query over
the whole tab gives, page after page."""

from __future__ import annotations

import threading

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


@pytest.mark.parametrize(
    ("first", "common", "rare", "window"),
    [
        (2, 3, 3, 7),
        (5, 1, 3, 40),
        (2, 3, 30, 7),
        (800, 3, 2000, 10_000),
        (3, 1, 3, 3000),
        (40, 2, 3, 5),
    ],
)
def test_страницы_поиска_те_же_что_у_одного_запроса_по_всей_вкладке(
    manager, add_users, monkeypatch, first, common, rare, window
):
    add_users(240, seed=7)
    monkeypatch.setattr(clients, "FIRST_WINDOW", first)
    monkeypatch.setattr(clients, "COMMON_SEEN", common)
    monkeypatch.setattr(clients, "RARE_MATCHES", rare)
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
    """A term on every row: more matches than a rare term has, so the page comes from the
    tab's newest rows, and the whole tab is not asked."""
    add_users(60, seed=3)
    with transaction() as session:
        session.execute(sa.update(ManagerClientSearch).values(search_text="петров " + "x"))
    monkeypatch.setattr(clients, "FIRST_WINDOW", 5)
    monkeypatch.setattr(clients, "COMMON_SEEN", 6)  # 5 seen: not yet «common»
    monkeypatch.setattr(clients, "RARE_MATCHES", 30)
    monkeypatch.setattr(clients, "SEARCH_WINDOW", 25)
    with captured_sql() as statements:
        page = clients.list_clients(manager, "new", "петров", limit=20)
    assert len(page.items) == 20
    searches = [s.sql for s in statements if "search_text LIKE" in s.sql]
    # 5 newest rows: not a page; the rare-term try: capped; 25 newest rows: the page.
    assert len(searches) == 3, searches
    assert "MATERIALIZED" in searches[1]
    before, inside = searches[2].split("JOIN (", 1)
    window, after = inside.split(") AS anon_1", 1)
    outer = before + after
    assert "ORDER BY manager_client_search.updated_at DESC" in window
    assert "LIMIT" in window
    # The window compares in the index it walks (0009); the outer query reads the table for
    # the rows it shows.
    assert "search_text LIKE" in window
    assert "search_text LIKE" not in outer
    assert "anon_1.hit" in outer
    assert "row_number() OVER" in window


def test_термин_без_совпадений_ищется_одним_запросом(manager, add_users, monkeypatch):
    """No match in a tab shorter than the first window: reading it says so; nothing else."""
    add_users(30, seed=5)
    with captured_sql() as statements:
        page = clients.list_clients(manager, "new", "нет-такого", limit=20)
    assert page.items == []
    assert len([s for s in statements if "search_text LIKE" in s.sql]) == 1


def test_мои_меньше_окна_ищутся_одним_запросом(manager, add_users, monkeypatch):
    """«Мои» starts from the widest window of newest rows, not the first one: they are all of
    the manager's clients, so what they hold is the answer, even less than a page."""
    from tests.support.factories import claimed_client

    for number in range(4):
        claimed_client(manager, name=f"Мой Клиент {number}")
    monkeypatch.setattr(clients, "FIRST_WINDOW", 2)
    monkeypatch.setattr(clients, "SEARCH_WINDOW", 50)
    with captured_sql() as statements:
        page = clients.list_clients(manager, "mine", "нет-такого", limit=20)
    assert page.items == []
    assert len([s for s in statements if "search_text LIKE" in s.sql]) == 1


def test_редкий_термин_ищется_по_всей_вкладке(manager, add_users, monkeypatch):
    users = add_users(60, seed=3)
    monkeypatch.setattr(clients, "FIRST_WINDOW", 10)
    monkeypatch.setattr(clients, "SEARCH_WINDOW", 10)
    oldest = min(users, key=lambda user: user.id)  # far beyond the newest ten
    with transaction() as session:
        session.execute(
            sa.update(ManagerClientSearch)
            .where(ManagerClientSearch.user_id == oldest.id)
            .values(search_text="единственный-в-своём-роде")
        )
    with captured_sql() as statements:
        found = clients.list_clients(manager, "new", "единственный").items
    searches = [s.sql for s in statements if "search_text LIKE" in s.sql]
    assert len(searches) == 2  # the newest ten, then every match from the tab's index
    assert "MATERIALIZED" in searches[1]
    assert [card.user_id for card in found] == [oldest.id]
    assert projection.search_terms("единственный") == ["единственный"]


def test_частый_по_первым_строкам_термин_идёт_к_окну_мимо_индекса(manager, add_users, monkeypatch):
    """The first window already held COMMON_SEEN matches: the wider window goes first, the
    trigram try is not made; the pages stay those of one query over the whole tab."""
    add_users(60, seed=3)
    with transaction() as session:
        session.execute(sa.update(ManagerClientSearch).values(search_text="петров x"))
    monkeypatch.setattr(clients, "FIRST_WINDOW", 5)
    monkeypatch.setattr(clients, "COMMON_SEEN", 5)
    monkeypatch.setattr(clients, "RARE_MATCHES", 30)
    monkeypatch.setattr(clients, "SEARCH_WINDOW", 25)
    with captured_sql() as statements:
        page = clients.list_clients(manager, "new", "петров", limit=20)
    searches = [s.sql for s in statements if "search_text LIKE" in s.sql]
    assert len(searches) == 2, searches
    assert not any("MATERIALIZED" in sql for sql in searches)
    assert [card.id for card in page.items] == _expected(manager, "new", "петров")[:20]
    flat = [client_id for p in _all_pages(manager, "new", "петров", 7) for client_id in p]
    assert flat == _expected(manager, "new", "петров")


def test_окно_после_первого_размером_по_частоте_термина(manager, add_users, monkeypatch):
    """A term on every third of the newest rows: the next window is as many rows as should
    hold the page twice over at that rate — not the widest one — and the pages stay those of
    one query over the whole tab."""
    add_users(240, seed=11)
    with transaction() as session:
        session.execute(
            sa.update(ManagerClientSearch).values(
                search_text=sa.case((ManagerClientSearch.client_id % 3 == 0, "петров"), else_="x")
            )
        )
    monkeypatch.setattr(clients, "FIRST_WINDOW", 30)
    monkeypatch.setattr(clients, "SEARCH_WINDOW", 1000)
    with captured_sql() as statements:
        page = clients.list_clients(manager, "new", "петров", limit=20)
    searches = [s for s in statements if "search_text LIKE" in s.sql]
    assert len(searches) == 2, [s.sql for s in searches]
    # 10 seen in 30 rows; 21 wanted (a page and one more) twice over: 126 rows.
    assert clients._sized_window(10, 21) == 126
    assert 126 in searches[1].parameters.values()
    assert [card.id for card in page.items] == _expected(manager, "new", "петров")[:20]
    for limit in (3, 20, 50):
        flat = [client_id for p in _all_pages(manager, "new", "петров", limit) for client_id in p]
        assert flat == _expected(manager, "new", "петров")


def test_общие_запросы_страниц_под_потоками_дают_каждому_свою_страницу(manager, add_users):
    """The page statements are built once per shape and shared by every request: threads
    searching at once, with different terms, tabs and cursors, each get the page they would
    get alone."""
    add_users(120, seed=13)
    with transaction() as session:
        names = session.execute(sa.select(ManagerClientSearch.name)).scalars().all()
    terms = [*sorted({word for name in names for word in name.split()})[:12], "9", "нет-такого"]
    calls = [(tab, term, limit) for tab in ("new", "mine") for term in terms for limit in (3, 7)]
    alone = {call: _all_pages(manager, *call) for call in calls}
    together: dict = {}
    barrier = threading.Barrier(8)

    def run(share):
        barrier.wait()
        for call in share:
            together[call] = _all_pages(manager, *call)

    threads = [threading.Thread(target=run, args=(calls[i::8],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert together == alone
