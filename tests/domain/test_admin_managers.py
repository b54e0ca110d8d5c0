"""Managers administered by an admin: create, role, (de)activation, password reset, audit."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from privet_manager_app.domain.admin import auth, managers
from privet_manager_app.domain.common.errors import (
    Conflict,
    Forbidden,
    NotAuthenticated,
    NotFound,
    ValidationFailed,
)
from privet_manager_app.infra.db import transaction
from privet_manager_app.schema.tables import (
    ManagerAuditLog,
    ManagerClient,
    ManagerSession,
    ManagerUser,
)
from tests.conftest import DEFAULT_PASSWORD
from tests.support.factories import claimed_client, set_status

MANAGERS_URL = "/api/manager/admin/managers"


def _audit(action: str) -> list[ManagerAuditLog]:
    with transaction() as session:
        return list(
            session.exec(
                sa.select(ManagerAuditLog)
                .where(ManagerAuditLog.action == action)
                .order_by(ManagerAuditLog.id)
            ).scalars()
        )


def _open_sessions(manager_id: int) -> int:
    with transaction() as session:
        return session.execute(
            sa.select(sa.func.count())
            .select_from(ManagerSession)
            .where(ManagerSession.manager_id == manager_id, ManagerSession.revoked_at.is_(None))
        ).scalar_one()


def test_администратор_создаёт_менеджера_и_это_записано_в_аудит(admin):
    created = managers.create_manager(
        admin, email="New.Master@Example.com", name="Новый Мастер", password="Пароль-123"
    )
    assert created.email == "new.master@example.com"
    assert created.role == "manager"
    assert created.is_active
    assert created.clients_in_work == 0
    assert auth.login("new.master@example.com", "Пароль-123", None, None).manager.id == created.id
    [entry] = _audit("manager_created")
    assert entry.manager_id == admin.id
    assert entry.entity_id == str(created.id)
    assert entry.changes["email"]["after"] == "new.master@example.com"
    assert "password" not in entry.changes


def test_повторный_email_и_короткий_пароль_отклоняются_понятно(admin, manager):
    with pytest.raises(Conflict) as taken:
        managers.create_manager(admin, email=manager.email.upper(), name="Дубль", password="x" * 10)
    assert taken.value.code == "email_taken"
    with pytest.raises(ValidationFailed) as short:
        managers.create_manager(admin, email="s@example.com", name="Кратко", password="123")
    assert short.value.code == "password_too_short"
    with pytest.raises(ValidationFailed) as bad_name:
        managers.create_manager(admin, email="n@example.com", name="<b>", password="x" * 10)
    assert bad_name.value.fields["name"]


def test_список_показывает_клиентов_в_работе_у_каждого(admin, manager, make_manager):
    other = make_manager("manager", name="Пётр")
    first = claimed_client(manager, phone="+79160000001")
    claimed_client(manager, phone="+79160000002")
    claimed_client(other, phone="+79160000003")
    set_status(first.id, "processed")
    by_id = {account.id: account for account in managers.list_managers(admin)}
    assert (by_id[manager.id].clients_in_work, by_id[manager.id].clients_processed) == (1, 1)
    assert (by_id[other.id].clients_in_work, by_id[other.id].clients_processed) == (1, 0)
    assert by_id[admin.id].role_label == "Администратор"


def test_менеджеру_администрирование_недоступно_в_домене(manager, admin):
    for call in (
        lambda: managers.list_managers(manager),
        lambda: managers.create_manager(
            manager, email="x@example.com", name="Икс", password="x" * 9
        ),
        lambda: managers.update_manager(manager, admin.id, is_active=False),
        lambda: managers.reset_password(manager, admin.id, "new-password-1"),
        lambda: managers.active_managers(manager),
    ):
        with pytest.raises(Forbidden) as error:
            call()
        assert error.value.code == "admin_only"
    with transaction() as session:
        assert session.get(ManagerUser, admin.id).is_active


def test_отключение_завершает_все_сессии_менеджера(admin, manager):
    token = auth.login(manager.email, DEFAULT_PASSWORD, None, None).access_token
    auth.login(manager.email, DEFAULT_PASSWORD, None, None)
    assert _open_sessions(manager.id) == 2
    account = managers.update_manager(admin, manager.id, is_active=False)
    assert not account.is_active
    assert _open_sessions(manager.id) == 0
    with pytest.raises(NotAuthenticated):
        auth.authenticate_token(token)
    with pytest.raises(Forbidden) as login:
        auth.login(manager.email, DEFAULT_PASSWORD, None, None)
    assert login.value.code == "account_disabled"
    [entry] = _audit("manager_deactivated")
    assert entry.changes["is_active"] == {"before": True, "after": False}
    assert entry.changes["sessions_revoked"]["after"] == 2

    managers.update_manager(admin, manager.id, is_active=True)
    assert auth.login(manager.email, DEFAULT_PASSWORD, None, None).manager.id == manager.id
    assert _audit("manager_activated")


def test_клиенты_отключённого_менеджера_остаются_за_ним_до_передачи(admin, manager):
    client = claimed_client(manager)
    managers.update_manager(admin, manager.id, is_active=False)
    with transaction() as session:
        assert session.get(ManagerClient, client.id).assigned_manager_id == manager.id
    assert manager.id not in [ref.id for ref in managers.active_managers(admin)]


def test_последнего_администратора_нельзя_понизить_или_отключить(admin, make_manager):
    with pytest.raises(Conflict) as demote:
        managers.update_manager(admin, admin.id, role="manager")
    assert demote.value.code == "last_admin"
    assert "последний активный администратор" in demote.value.message
    second = make_manager("admin", name="Второй Админ")
    with pytest.raises(Conflict) as self_off:
        managers.update_manager(admin, admin.id, is_active=False)
    assert self_off.value.code == "cannot_deactivate_self"
    managers.update_manager(admin, second.id, is_active=False)
    with pytest.raises(Conflict) as last:
        managers.update_manager(admin, admin.id, role="manager")
    assert last.value.code == "last_admin"
    managers.update_manager(admin, second.id, is_active=True)
    assert managers.update_manager(admin, admin.id, role="manager").role == "manager"
    with pytest.raises(Conflict):
        managers.update_manager(second, second.id, role="manager")


def test_два_администратора_одновременно_понижают_друг_друга_остаётся_один(admin, make_manager):
    second = make_manager("admin", name="Второй Админ")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def demote(actor, target_id):
        barrier.wait()
        try:
            managers.update_manager(actor, target_id, role="manager")
            outcomes.append("ok")
        except (Conflict, Forbidden) as error:
            outcomes.append(error.code)

    threads = [
        threading.Thread(target=demote, args=(admin, second.id)),
        threading.Thread(target=demote, args=(second, admin.id)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # The loser is told either that the other is the last admin, or that it no longer is one.
    assert sorted(outcomes) in (["last_admin", "ok"], ["admin_only", "ok"])
    with transaction() as session:
        roles = {session.get(ManagerUser, i).role for i in (admin.id, second.id)}
    assert roles == {"admin", "manager"}


def test_повышение_и_понижение_роли_действует_сразу(admin, manager):
    token = auth.login(manager.email, DEFAULT_PASSWORD, None, None).access_token
    managers.update_manager(admin, manager.id, role="admin")
    assert auth.authenticate_token(token).is_admin
    managers.update_manager(admin, manager.id, role="manager", name="  Анна   Мастер ")
    actor = auth.authenticate_token(token)
    assert not actor.is_admin
    assert actor.name == "Анна Мастер"
    assert [e.changes["role"]["after"] for e in _audit("manager_role_changed")] == [
        "admin",
        "manager",
    ]
    assert _audit("manager_renamed")[0].changes["name"]["after"] == "Анна Мастер"


def test_сброс_пароля_завершает_сессии(admin, manager):
    token = auth.login(manager.email, DEFAULT_PASSWORD, None, None).access_token
    account = managers.reset_password(admin, manager.id, "Новый-пароль-7")
    assert not account.is_locked
    with pytest.raises(NotAuthenticated):
        auth.authenticate_token(token)
    with pytest.raises(NotAuthenticated):
        auth.login(manager.email, DEFAULT_PASSWORD, None, None)
    assert auth.login(manager.email, "Новый-пароль-7", None, None)
    [entry] = _audit("manager_password_reset")
    assert "Новый" not in str(entry.changes)
    assert entry.changes["sessions_revoked"]["after"] == 1


def test_администратор_меняя_свой_пароль_остаётся_в_системе(admin):
    issued = auth.login(admin.email, DEFAULT_PASSWORD, None, None)
    actor = auth.authenticate_token(issued.access_token)
    other = auth.login(admin.email, DEFAULT_PASSWORD, None, None).access_token
    managers.reset_password(actor, admin.id, "Свой-пароль-99")
    assert auth.authenticate_token(issued.access_token).id == admin.id
    with pytest.raises(NotAuthenticated):
        auth.authenticate_token(other)


def test_неизвестный_менеджер_404(admin):
    with pytest.raises(NotFound):
        managers.update_manager(admin, 999_999, role="manager")


def test_предложенный_пароль_случайный_и_годится(admin):
    first, second = managers.suggest_password(admin), managers.suggest_password(admin)
    assert first != second
    assert len(first) == managers.SUGGESTED_PASSWORD_LENGTH
    assert managers.create_manager(admin, email="p@example.com", name="Пароль", password=first)


# ---- REST -------------------------------------------------------------------------------------
