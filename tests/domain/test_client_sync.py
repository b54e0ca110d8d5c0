"""What the client app does to `users` reaches the list without any read doing the work: the
background round (every few seconds, one replica at a time) and `backfill-clients`."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from privet_manager_app import cli
from privet_manager_app.domain.clients import listing as clients
from privet_manager_app.domain.clients import projection, sync
from privet_manager_app.domain.common.clock import utcnow
from privet_manager_app.infra.db import get_engine, transaction, try_advisory_xact_lock
from privet_manager_app.infra.shared_cache import read
from privet_manager_app.schema.client_app import ClientUser
from tests.support.statements import captured_sql


def _names(actor, tab="new", query=""):
    return {card.name for card in clients.list_clients(actor, tab=tab, query=query).items}


def _register(name: str, phone: str | None = None) -> int:
    """A user as the client app inserts one: nothing of ours is written."""
    with transaction() as session:
        user = ClientUser(name=name, phone=phone)
        session.add(user)
        session.flush()
        return user.id


def test_чтение_списка_ничего_не_пишет_и_не_смотрит_в_users(manager, add_users):
    add_users(5)
    _register("Новый Без Карточки")
    with captured_sql() as statements:
        clients.list_clients(manager, tab="new")
        clients.list_clients(manager, tab="new", query="карточки")
        clients.tab_counts(manager)
    sql = " ".join(s.sql for s in statements)
    assert "INSERT INTO manager_clients" not in sql
    assert " users " not in sql.replace("\n", " ")
    assert "FROM users" not in sql


def test_фоновый_раунд_приносит_новых_и_изменённых_пользователей(manager, add_users):
    add_users(5)
    user_id = _register("Зарегистрировалась Сейчас", "8 (903) 555-12-34")
    assert "Зарегистрировалась Сейчас" not in _names(manager)

    done = sync.background_round()
    assert done.clients_added == 1
    assert "Зарегистрировалась Сейчас" in _names(manager)
    assert _names(manager, query="903 555") == {"Зарегистрировалась Сейчас"}

    # The client app renames her; the changed-users pass is due 30 s after the last one.
    with transaction() as session:
        session.execute(
            sa.update(ClientUser)
            .where(ClientUser.id == user_id)
            .values(name="Вышла Замуж", updated_at=utcnow())
        )
    assert sync.background_round().changed_synced is None  # not due yet
    with transaction() as session:
        state = read(session, "client_sync")[0]
    state["changed_at"] = "2000-01-01T00:00:00+00:00"
    with transaction() as session:
        from privet_manager_app.infra.shared_cache import store

        store(session, "client_sync", state, utcnow())
    assert sync.background_round().changed_synced == 1
    assert _names(manager, query="замуж") == {"Вышла Замуж"}


def test_сверка_находит_правку_без_updated_at_и_проходит_срезами(manager, add_users, monkeypatch):
    add_users(12)
    monkeypatch.setattr(sync, "RECONCILE_SLICE", 5)
    sync.background_round()  # the first pass starts at once
    with transaction() as session:
        victim = session.execute(sa.select(sa.func.max(ClientUser.id))).scalar_one()
        # A bulk fix in the client app that left updated_at alone.
        session.execute(sa.update(ClientUser).where(ClientUser.id == victim).values(name="Тихо"))
    rounds = 0
    while _names(manager, query="тихо") != {"Тихо"}:
        rounds += 1
        assert rounds <= 4, "полный проход сверки — несколько раундов по срезу"
        sync.background_round()
    with transaction() as session:
        state = read(session, "client_sync")[0]
    assert state["reconcile_next_id"] is None  # the pass ended; the next one in 15 minutes


def test_раунд_делает_одна_реплика_остальные_пропускают(db):
    holding = threading.Event()
    release = threading.Event()

    def other_replica():
        with transaction() as session:
            assert try_advisory_xact_lock(session, "client_sync")
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=other_replica)
    thread.start()
    try:
        assert holding.wait(10)
        assert sync.background_round().skipped
    finally:
        release.set()
        thread.join()
    assert not sync.background_round().skipped


def test_backfill_clients_делает_массовую_вставку_клиентского_приложения_искомой(manager, capsys):
    with transaction() as session:
        session.execute(
            sa.text(
                "INSERT INTO users (name, phone, is_active, created_at, updated_at) "
                "SELECT 'Оптом ' || n, '+7999000' || lpad(n::text, 4, '0'), true, now(), now() "
                "FROM generate_series(1, 300) AS n"
            )
        )
    cli.main(["backfill-clients"])
    assert capsys.readouterr().out.splitlines() == [
        "Добавлено записей manager_clients: 300",
        "Обновлено строк поиска: 300",
    ]
    assert _names(manager, query="оптом 123") == {"Оптом 123"}
    assert _names(manager, query="999 000-00-42") == {"Оптом 42"}


def test_индексы_поиска_добавляются_командой_если_миграция_не_смогла(db, manager, capsys):
    """What a big database builds before migrating (or one that refused pg_trgm after)."""
    with transaction() as session:
        for name in [*cli.SEARCH_TRIGRAM_INDEXES, *cli.LIST_ORDER_INDEXES]:
            session.execute(sa.text(f"DROP INDEX {name}"))
    cli.main(["search-indexes"])
    assert "ix_manager_client_search_new_text_trgm" in capsys.readouterr().out
    with transaction() as session:
        found = dict(
            session.execute(
                sa.text(
                    "SELECT indexname, indexdef FROM pg_indexes "
                    "WHERE tablename = 'manager_client_search'"
                )
            ).all()
        )
    assert set(cli.SEARCH_TRIGRAM_INDEXES) <= set(found)
    assert "ix_manager_client_search_text_trgm" not in found  # one per tab since 0008
    for name in cli.LIST_ORDER_INDEXES:  # the order with what a search compares (0009)
        assert "INCLUDE (search_text, phone_digits)" in found[name]
    assert not {"ix_manager_client_search_tab_order", "ix_manager_client_search_mine_order"} & set(
        found
    )


def test_сверка_не_блокирует_строки_поиска_которые_не_изменились(manager, add_users):
    """A reconciliation slice that finds nothing to fix takes no row locks: a manager's save of
    one of those clients (it rewrites the client's projection row) does not wait for it."""
    add_users(5)
    with transaction() as session:
        client_id = session.execute(
            sa.select(sa.func.min(projection.ManagerClientSearch.client_id))
        ).scalar_one()
    with transaction() as session:
        assert sync.reconcile_slice(session, 0, 10**9) == sync.Reconciled(0, 0)
        with get_engine().connect() as other:
            other.execute(
                sa.text(
                    "SELECT 1 FROM manager_client_search WHERE client_id = :id FOR UPDATE NOWAIT"
                ),
                {"id": client_id},
            )
            other.rollback()


def test_backfill_clients_засчитывается_как_плановая_сверка(manager, add_users):
    add_users(3)
    assert sync.reconcile_all() == sync.Reconciled(0, 0)
    with transaction() as session:
        state = read(session, "client_sync")[0]
    assert state["reconcile_next_id"] is None
    assert state["reconciled_at"]
    # The background round does not start another full pass right after it.
    assert sync.background_round().reconciled is None
