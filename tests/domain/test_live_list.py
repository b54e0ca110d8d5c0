"""The live client list: one look at the database tells every open list what a colleague
changed, and which list has to reload."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from privet_manager_app.domain.clients import claims, live
from privet_manager_app.infra.db import get_engine, transaction
from privet_manager_app.schema.client_app import ClientUser
from privet_manager_app.schema.tables import ManagerClient
from tests.support.factories import new_client


def test_первый_взгляд_ничего_не_сообщает_а_взятие_коллегой_видно_на_следующем(manager):
    client = new_client()
    first, changes = live.look(None)
    assert not changes
    claims.claim_client(manager, client.id)
    _, changes = live.look(first)
    assert [(c.client_id, c.status, c.assigned_manager_id) for c in changes.clients] == [
        (client.id, "in_progress", manager.id)
    ]
    assert not changes.new_users


def test_без_изменений_повторный_взгляд_пуст(manager):
    new_client()
    watermark, _ = live.look(None)
    watermark, changes = live.look(watermark)
    assert not changes
    _, changes = live.look(watermark)
    assert not changes


def test_взятый_клиент_уходит_из_новых_и_приходит_в_работу_и_в_мои(manager, make_manager):
    colleague = make_manager(name="Мастер Виктор")
    shown = new_client()
    other = new_client(name="пётр сидоров", phone="8 916 000-00-01")
    watermark, _ = live.look(None)
    claims.claim_client(colleague, shown.id)
    _, changes = live.look(watermark)
    # The manager looking at «Новые» that shows the client: it left.
    assert live.affects(changes, tab="new", viewer_id=manager.id, shown={shown.id, other.id})
    # «В работе» did not show it, but it entered there.
    assert live.affects(changes, tab="in_work", viewer_id=manager.id, shown=set())
    # «Мои» of the colleague gains it; «Мои» and «Обработанные» of the manager are untouched.
    assert live.affects(changes, tab="mine", viewer_id=colleague.id, shown=set())
    assert not live.affects(changes, tab="mine", viewer_id=manager.id, shown=set())
    assert not live.affects(changes, tab="processed", viewer_id=manager.id, shown=set())


def test_клиент_зарегистрированный_в_приложении_попадает_в_новые(manager):
    watermark, _ = live.look(None)
    with transaction() as session:  # as the client app writes it: only its own table
        user = ClientUser(name="ольга новикова", phone="+7 916 555-44-33")
        session.add(user)
        session.flush()
        user_id = user.id
    watermark, changes = live.look(watermark)
    assert changes.new_users
    assert live.affects(changes, tab="new", viewer_id=manager.id, shown=set())
    assert not live.affects(changes, tab="in_work", viewer_id=manager.id, shown=set())
    assert live.pick_up_new_users() == 1
    _, changes = live.look(watermark)
    (change,) = changes.clients
    with transaction() as session:
        row = session.get(ManagerClient, change.client_id)
        assert (row.user_id, row.status) == (user_id, "new")
    assert live.shared_counts()["new"] == 1


def test_изменение_закоммиченное_позже_соседнего_не_теряется(manager, make_manager):
    """A transaction that stamped `updated_at` before a colleague's claim but committed after
    the list looked: a "newest timestamp" watermark would skip it; the pairs do not."""
    colleague = make_manager(name="Мастер Виктор")
    slow, quick = new_client(), new_client(name="пётр сидоров", phone="8 916 000-00-01")
    watermark, _ = live.look(None)
    stamped, release = threading.Event(), threading.Event()

    def slow_claim():
        with get_engine().begin() as connection:
            connection.execute(
                sa.update(ManagerClient)
                .where(ManagerClient.id == slow.id)
                .values(
                    status="in_progress",
                    assigned_manager_id=manager.id,
                    version=ManagerClient.version + 1,
                    updated_at=sa.func.now(),
                )
            )
            stamped.set()
            release.wait(10)

    worker = threading.Thread(target=slow_claim)
    worker.start()
    stamped.wait(10)
    claims.claim_client(colleague, quick.id)
    watermark, changes = live.look(watermark)
    assert [c.client_id for c in changes.clients] == [quick.id]
    release.set()
    worker.join()
    _, changes = live.look(watermark)
    assert [c.client_id for c in changes.clients] == [slow.id]


def test_счётчики_вкладок(manager, make_manager):
    colleague = make_manager(name="Мастер Виктор")
    first, second, _third = (new_client(phone=f"8 916 000-00-0{index}") for index in range(3))
    claims.claim_client(manager, first.id)
    claims.claim_client(colleague, second.id)
    assert live.shared_counts() == {"new": 1, "in_work": 2, "processed": 0}
    assert live.mine_count(manager.id) == 1
