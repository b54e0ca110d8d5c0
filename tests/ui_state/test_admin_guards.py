"""Admin pages and the client card, called as the Reflex server would call their handlers: a
manager's session changes nothing and loads no admin data; no session leads to the login page."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import bcrypt
import pytest
import sqlalchemy as sa

from privet_manager_app.domain.admin import auth
from privet_manager_app.domain.clients import export as exports
from privet_manager_app.domain.clients.claims import REASSIGN_ADMIN_ONLY
from privet_manager_app.domain.clients.reopen import REOPEN_ADMIN_ONLY
from privet_manager_app.domain.common.actors import ADMIN_ONLY
from privet_manager_app.infra.db import transaction
from privet_manager_app.schema.tables import (
    ManagerAuditLog,
    ManagerClient,
    ManagerUser,
)
from privet_manager_app.ui.client_card.state import ClientCardState
from privet_manager_app.ui.pages.admin_dashboard import DashboardState
from privet_manager_app.ui.pages.admin_managers import ManagersState
from privet_manager_app.ui.pages.clients import ClientsState
from tests.conftest import DEFAULT_PASSWORD
from tests.support.factories import claimed_client, passport_model
from tests.support.reflex_state import assert_each_leads_to_login, make_state, redirect_path
from tests.support.reflex_state import run_sync as _run


def _token(actor) -> str:
    return auth.login(actor.email, DEFAULT_PASSWORD, None, None).access_token


def _user(manager_id: int) -> ManagerUser:
    with transaction() as session:
        return session.get(ManagerUser, manager_id)


def _count_managers() -> int:
    with transaction() as session:
        return session.execute(sa.select(sa.func.count()).select_from(ManagerUser)).scalar_one()


@pytest.fixture
def card_params(monkeypatch):
    """The card reads its client id from the route; the bare test state has no router page."""

    def factory(state, client_id: int):
        monkeypatch.setattr(type(state), "_route_client_id", lambda self: client_id)
        return state

    return factory


def test_без_сессии_админские_страницы_ведут_на_вход(db, admin):
    assert_each_leads_to_login(
        (
            (ManagersState, ManagersState.open_page),
            (ManagersState, ManagersState.create),
            (DashboardState, DashboardState.open_page),
            (ClientCardState, ClientCardState.open_page),
            (ClientsState, ClientsState.prepare_export),
        )
    )
    state = make_state(ManagersState)
    assert redirect_path(_run(state, ManagersState.make_manager, admin.id)) == "/login"
    assert _user(admin.id).role == "admin"


def test_менеджер_не_видит_список_менеджеров(db, manager, admin):
    state = make_state(ManagersState, token=_token(manager))
    events = _run(state, ManagersState.open_page)
    assert redirect_path(events) is None
    assert state.refused
    assert state.rows == []
    assert state.error == ADMIN_ONLY


def test_менеджер_не_может_создать_менеджера_обработчиком(db, manager):
    state = make_state(ManagersState, token=_token(manager))
    state.form = {
        "email": "hacker@example.com",
        "name": "Хакер",
        "password": "x" * 12,
        "role": "admin",
    }
    before = _count_managers()
    _run(state, ManagersState.create)
    assert _count_managers() == before
    assert state.refused
    _run(state, ManagersState.open_create)
    assert not state.create_open


def test_менеджер_не_может_повысить_себя_отключить_или_сменить_пароль_админу(db, manager, admin):
    state = make_state(ManagersState, token=_token(manager))
    _run(state, ManagersState.make_admin, manager.id)
    assert _user(manager.id).role == "manager"
    _run(state, ManagersState.make_manager, admin.id)
    _run(state, ManagersState.activate, admin.id)
    state.confirm_id = admin.id
    _run(state, ManagersState.deactivate)
    admin_row = _user(admin.id)
    assert (admin_row.role, admin_row.is_active) == ("admin", True)
    state.password_for = admin.id
    state.new_password = "Чужой-пароль-1"
    _run(state, ManagersState.save_password)
    assert bcrypt.checkpw(DEFAULT_PASSWORD.encode(), _user(admin.id).password_hash.encode())
    _run(state, ManagersState.generate_password, "reset")
    assert state.new_password == "Чужой-пароль-1"
    assert state.refused
    assert state.rows == []


def test_менеджер_не_видит_дашборд(db, manager, add_users):
    add_users(3)
    state = make_state(DashboardState, token=_token(manager))
    events = _run(state, DashboardState.open_page)
    assert redirect_path(events) is None
    assert state.refused
    assert state.kpi == {}
    assert state.funnel == []
    assert state.per_day == []
    assert state.manager_bars == []


def test_менеджер_не_может_передать_клиента_с_карточки(db, manager, make_manager, card_params):
    other = make_manager("manager", name="Пётр")
    client = claimed_client(manager)
    state = card_params(make_state(ClientCardState, token=_token(manager)), client.id)
    _run(state, ClientCardState.open_page)
    assert state.manager_options == []
    state.reassign_to = str(other.id)
    _run(state, ClientCardState.reassign)
    assert state.reassign_error == REASSIGN_ADMIN_ONLY
    with transaction() as session:
        assert session.get(ManagerClient, client.id).assigned_manager_id == manager.id


def test_администратор_ведёт_менеджеров_обработчиками(db, admin, manager):
    state = make_state(ManagersState, token=_token(admin))
    _run(state, ManagersState.open_page)
    assert not state.refused
    assert {row["email"] for row in state.rows} == {admin.email, manager.email}
    _run(state, ManagersState.open_create)
    _run(state, ManagersState.generate_password, "form")
    assert len(state.form["password"]) == 12
    state.form = {**state.form, "email": "new@example.com", "name": "Новенький"}
    _run(state, ManagersState.create)
    assert not state.create_open
    assert "Новенький" in state.message
    new_id = next(row["id"] for row in state.rows if row["email"] == "new@example.com")
    _run(state, ManagersState.ask_deactivate, new_id)
    assert state.confirm_open
    _run(state, ManagersState.deactivate)
    assert not _user(new_id).is_active
    assert "отключена" in state.message
    _run(state, ManagersState.make_manager, admin.id)
    assert "последний активный администратор" in state.error
    assert _user(admin.id).role == "admin"


def test_администратор_видит_дашборд(db, admin, add_users):
    add_users(4)
    state = make_state(DashboardState, token=_token(admin))
    _run(state, DashboardState.open_page)
    assert not state.refused
    assert state.kpi["total"] == "4"
    assert len(state.per_day) == 30
    assert state.funnel[0]["count"] == 4


def test_экспорт_из_списка_называет_число_строк_и_даёт_ссылку_на_поток(db, manager, add_users):
    add_users(3)
    state = make_state(ClientsState, token=_token(manager))
    state.tab = "new"
    state.query = "Иван"
    _run(state, ClientsState.prepare_export)
    assert state.export_open
    assert state.export_rows == exports.export_row_count(manager, "new", "Иван")
    # The file is not carried by the state: the browser follows the link and saves the stream.
    assert state.export_href.startswith("/api/manager/clients/export.csv?")
    assert parse_qs(urlsplit(state.export_href).query) == {"tab": ["new"], "q": ["Иван"]}
    assert "вкладка «Новые»" in state.export_summary
    assert not state.exporting


def test_карточка_показывает_паспорт_замаскированным_и_показ_пишется_в_аудит(
    db, manager, card_params
):
    client = claimed_client(manager)
    with transaction() as session:
        session.add(
            passport_model(
                client.user_id,
                last_name="Петров",
                first_name="Иван",
                middle_name=None,
                birth_date=dt.date(1990, 1, 1),
                number="987654",
                issue_date=dt.date(2015, 1, 1),
                issued_by="ОВД",
            )
        )
    state = card_params(make_state(ClientCardState, token=_token(manager)), client.id)
    _run(state, ClientCardState.open_page)
    assert state.passport["number"] == "45** ****54"
    assert "987654" not in str(state.get_delta())
    assert state.can_reveal
    _run(state, ClientCardState.reveal_passport)
    assert state.revealed_number == "4512 987654"
    assert state.trail[0]["action_label"] == "Посмотрел полный номер паспорта"
    with transaction() as session:
        assert (
            session.execute(
                sa.select(sa.func.count())
                .select_from(ManagerAuditLog)
                .where(ManagerAuditLog.action == "passport_revealed")
            ).scalar_one()
            == 1
        )
    state.note = "Позвонить вечером"
    _run(state, ClientCardState.add_note)
    assert state.log[0]["body"] == "Позвонить вечером"
    assert state.note == ""


def test_менеджер_не_может_переоткрыть_дело_с_карточки(db, manager, card_params):
    from privet_manager_app.schema.enums import ClientStatus

    client = claimed_client(manager)
    with transaction() as session:
        session.execute(
            sa.update(ManagerClient)
            .where(ManagerClient.id == client.id)
            .values(status=ClientStatus.SIGNED)
        )
    state = card_params(make_state(ClientCardState, token=_token(manager)), client.id)
    _run(state, ClientCardState.open_page)
    state.reopen_reason = "Хочу переоткрыть"
    _run(state, ClientCardState.reopen)
    assert state.reopen_error == REOPEN_ADMIN_ONLY
    with transaction() as session:
        assert session.get(ManagerClient, client.id).status == ClientStatus.SIGNED


def test_менеджер_не_видит_и_не_меняет_тарифы_обработчиками(db, manager, admin):
    from privet_manager_app.dev import demo_tariffs
    from privet_manager_app.domain.admin import tariffs
    from privet_manager_app.ui.pages.admin_tariffs import TariffsAdminState

    demo_tariffs.ensure_demo_tariffs()
    before = [(t.id, t.version, t.is_active) for t in tariffs.list_tariffs(admin, True)]
    state = make_state(TariffsAdminState, token=_token(manager))
    _run(state, TariffsAdminState.open_page)
    assert state.denied == ADMIN_ONLY
    assert state.rows == []
    state.editing_id = before[0][0]
    state.editing_version = before[0][1]
    state.form = {
        "name": "Взлом",
        "code": "hack",
        "base_monthly_fee": "1.00",
        "extra_device_fee": "1.00",
        "included_devices": "1",
        "max_discount_pct": "0",
        "is_active": "true",
    }
    _run(state, TariffsAdminState.save)
    _run(state, TariffsAdminState.toggle_active, before[0][0], False)
    after = [(t.id, t.version, t.is_active) for t in tariffs.list_tariffs(admin, True)]
    assert after == before
    assert all(t.name != "Взлом" for t in tariffs.list_tariffs(admin, True))


def test_администратор_меняет_тариф_обработчиком(db, admin):
    from privet_manager_app.dev import demo_tariffs
    from privet_manager_app.domain.admin import tariffs
    from privet_manager_app.ui.pages.admin_tariffs import TariffsAdminState

    demo_tariffs.ensure_demo_tariffs()
    state = make_state(TariffsAdminState, token=_token(admin))
    _run(state, TariffsAdminState.open_page)
    assert len(state.rows) == 4
    base = next(row for row in state.rows if row["code"] == "basic")
    _run(state, TariffsAdminState.open_edit, base["id"])
    state.form = {**state.form, "extra_device_fee": "650.00"}
    state.counts = {"smartphone": "3"}
    _run(state, TariffsAdminState.update_preview)
    assert state.preview_total.startswith("1\u00a0300,00")
    _run(state, TariffsAdminState.save)
    assert state.form_error == ""
    updated = tariffs.get_tariff(admin, base["id"])
    assert (str(updated.extra_device_fee), updated.version) == ("650.00", 2)
