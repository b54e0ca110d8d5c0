"""Taking clients into work: atomic claim under concurrency, who holds whom, admin reassignment."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from privet_manager_app.domain.clients import claims
from privet_manager_app.domain.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from privet_manager_app.domain.inputs import ProfileInput
from privet_manager_app.domain.wizard import profile
from privet_manager_app.infra.db import get_engine, transaction
from privet_manager_app.schema.tables import (
    ManagerAuditLog,
    ManagerClient,
    ManagerSupportMessage,
    ManagerUser,
)
from tests.support.factories import claimed_client, count, new_client, version_of


def test_менеджер_берёт_нового_клиента_в_работу(manager):
    client = new_client()
    card = claims.claim_client(manager, client.id)
    assert card.status == "in_progress"
    assert card.assigned_manager.id == manager.id
    assert card.assigned_manager.name == "Мастер Анна"
    assert card.version == 2
    with transaction() as session:
        row = session.get(ManagerClient, client.id)
        assert row.claimed_at is not None
    assert count(ManagerAuditLog, ManagerAuditLog.action == "client_claimed") == 1
    with transaction() as session:
        bodies = session.execute(sa.select(ManagerSupportMessage.body)).scalars().all()
    assert bodies == ["Клиента взял в работу Мастер Анна"]


def test_повторное_взятие_своего_клиента_ничего_не_меняет(manager):
    client = new_client()
    first = claims.claim_client(manager, client.id)
    again = claims.claim_client(manager, client.id)
    assert again.version == first.version
    assert count(ManagerAuditLog, ManagerAuditLog.action == "client_claimed") == 1


def test_второй_менеджер_не_может_взять_клиента_которого_уже_взяли(manager, make_manager):
    other = make_manager(name="Мастер Виктор")
    client = new_client()
    claims.claim_client(manager, client.id)
    with pytest.raises(Conflict) as error:
        claims.claim_client(other, client.id)
    assert error.value.code == "already_claimed"
    assert "Мастер Анна" in error.value.message
    assert error.value.extra["holder"] == {"id": manager.id, "name": "Мастер Анна"}
    assert error.value.status == 409
    assert version_of(client.id) == 2


def test_из_двух_одновременных_взятий_побеждает_ровно_одно(make_manager):
    """Two managers, two threads, two connections, released by a barrier at the same instant."""
    first, second = make_manager(name="Первый"), make_manager(name="Второй")
    rounds = 12
    clients = [new_client(phone=None) for _ in range(rounds)]
    for client in clients:
        barrier = threading.Barrier(2)
        outcomes: dict[str, object] = {}

        def race(actor, client_id=client.id, barrier=barrier, outcomes=outcomes):
            barrier.wait()
            try:
                outcomes[actor.name] = claims.claim_client(actor, client_id)
            except Conflict as error:
                outcomes[actor.name] = error

        threads = [threading.Thread(target=race, args=(actor,)) for actor in (first, second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        winners = [name for name, outcome in outcomes.items() if not isinstance(outcome, Conflict)]
        losers = [outcome for outcome in outcomes.values() if isinstance(outcome, Conflict)]
        assert len(winners) == 1, outcomes
        assert len(losers) == 1
        assert losers[0].code == "already_claimed"
        assert winners[0] in losers[0].message
        with transaction() as session:
            row = session.get(ManagerClient, client.id)
            holder = session.get(ManagerUser, row.assigned_manager_id)
        assert holder.name == winners[0]
        assert row.version == 2
    assert count(ManagerAuditLog, ManagerAuditLog.action == "client_claimed") == rounds


def test_второй_ждёт_пока_первый_не_завершит_взятие_и_видит_кто_взял(
    manager, make_manager, monkeypatch
):
    """Deterministic interleaving: the first claim is held open after its UPDATE; the second
    claim must block on the row lock in PostgreSQL (not read a stale 'new') and then lose."""
    other = make_manager(name="Мастер Виктор")
    client = new_client()
    inside, release = threading.Event(), threading.Event()
    original = claims.journal.log_event

    def slow_log_event(session, client_id, actor, body):
        if actor.id == manager.id:
            inside.set()
            release.wait(timeout=30)
        return original(session, client_id, actor, body)

    monkeypatch.setattr(claims.journal, "log_event", slow_log_event)
    results: dict[str, object] = {}

    def claim(actor):
        try:
            results[actor.name] = claims.claim_client(actor, client.id)
        except Conflict as error:
            results[actor.name] = error

    first = threading.Thread(target=claim, args=(manager,))
    first.start()
    assert inside.wait(timeout=30)
    second = threading.Thread(target=claim, args=(other,))
    second.start()
    deadline = time.monotonic() + 10
    waiting = 0
    while time.monotonic() < deadline and not waiting:
        with get_engine().connect() as connection:
            waiting = connection.execute(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE wait_event_type = 'Lock' AND datname = current_database()"
                )
            ).scalar_one()
        time.sleep(0.05)
    assert waiting == 1, "the second claim should wait for the first one's row lock"
    assert second.is_alive()
    release.set()
    first.join(timeout=30)
    second.join(timeout=30)
    assert results["Мастер Анна"].assigned_manager.id == manager.id
    assert isinstance(results["Мастер Виктор"], Conflict)
    assert "Мастер Анна" in results["Мастер Виктор"].message


def test_несуществующего_клиента_взять_нельзя(manager):
    with pytest.raises(NotFound) as error:
        claims.claim_client(manager, 999_999)
    assert error.value.code == "client_not_found"


def test_админ_передаёт_клиента_другому_менеджеру(manager, make_manager, admin):
    other = make_manager(name="Мастер Виктор")
    client = claimed_client(manager)
    card = claims.reassign_client(admin, client.id, other.id)
    assert card.assigned_manager.name == "Мастер Виктор"
    assert card.version == 3
    entry_changes = None
    with transaction() as session:
        entry_changes = session.execute(
            sa.select(ManagerAuditLog.changes).where(ManagerAuditLog.action == "client_reassigned")
        ).scalar_one()
    assert entry_changes["assigned_manager_id"] == {"before": manager.id, "after": other.id}
    # The new holder edits; the previous one no longer may.
    profile.update_profile(other, client.id, ProfileInput(name="Иван Петров"), version=3)
    with pytest.raises(Forbidden) as error:
        profile.update_profile(manager, client.id, ProfileInput(name="Пётр Иванов"), version=4)
    assert error.value.code == "not_assignee"
    assert "Мастер Виктор" in error.value.message


def test_передача_нового_клиента_сразу_переводит_его_в_работу(manager, admin):
    client = new_client()
    card = claims.reassign_client(admin, client.id, manager.id)
    assert card.status == "in_progress"
    assert card.assigned_manager.id == manager.id


def test_менеджер_не_может_передавать_клиентов(manager, make_manager):
    other = make_manager()
    client = claimed_client(manager)
    with pytest.raises(Forbidden) as error:
        claims.reassign_client(manager, client.id, other.id)
    assert error.value.code == "admin_only"


def test_нельзя_передать_клиента_отключённому_менеджеру(manager, make_manager, admin):
    retired = make_manager(name="Уволенный")
    with transaction() as session:
        session.execute(
            sa.update(ManagerUser).where(ManagerUser.id == retired.id).values(is_active=False)
        )
    client = claimed_client(manager)
    with pytest.raises(ValidationFailed) as error:
        claims.reassign_client(admin, client.id, retired.id)
    assert error.value.code == "manager_not_active"
    with pytest.raises(ValidationFailed):
        claims.reassign_client(admin, client.id, 987_654)
    assert version_of(client.id) == 2


def test_передача_по_устаревшей_версии_отклоняется(manager, make_manager, admin):
    other = make_manager()
    client = claimed_client(manager)
    with pytest.raises(Conflict) as error:
        claims.reassign_client(admin, client.id, other.id, version=1)
    assert error.value.code == "stale_version"
