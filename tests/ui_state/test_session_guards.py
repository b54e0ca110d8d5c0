"""Page markup is public; the handlers themselves refuse to work without a valid session."""

from __future__ import annotations

from privet_manager_app.domain.admin import auth
from privet_manager_app.ui.pages.clients import ClientsState
from privet_manager_app.ui.state import SessionState
from tests.conftest import DEFAULT_PASSWORD
from tests.support.reflex_state import assert_each_leads_to_login, make_state, redirect_path
from tests.support.reflex_state import run_sync as _run


def test_обработчик_списка_без_сессии_отказывает_и_ведёт_на_вход(db, add_users):
    add_users(3)
    state = make_state(ClientsState)
    events = _run(state, ClientsState.open_page)
    assert redirect_path(events) == "/login"
    assert state.rows == []
    assert _run(state, ClientsState.search, "а")
    assert state.rows == []


def test_обработчик_с_поддельным_или_завершённым_токеном_отказывает(db, manager, add_users):
    add_users(3)
    forged = make_state(ClientsState, token="eyJhbGciOiJIUzI1NiJ9.e30.forged")
    assert redirect_path(_run(forged, ClientsState.open_page)) == "/login"
    assert forged.rows == []
    issued = auth.login(manager.email, DEFAULT_PASSWORD, None, None)
    auth.logout(auth.authenticate_token(issued.access_token))
    ended = make_state(ClientsState, token=issued.access_token)
    assert redirect_path(_run(ended, ClientsState.open_page)) == "/login"
    assert ended.rows == []
    assert ended.token == ""


def test_обработчик_с_действующей_сессией_загружает_список(db, manager, add_users):
    add_users(3)
    token = auth.login(manager.email, DEFAULT_PASSWORD, None, None).access_token
    state = make_state(ClientsState, token=token)
    events = _run(state, ClientsState.open_page)
    assert redirect_path(events) is None
    assert len(state.rows) == 3
    assert state.manager_name == manager.name


def test_выход_завершает_сессию_на_сервере(db, manager):
    token = auth.login(manager.email, DEFAULT_PASSWORD, None, None).access_token
    state = make_state(SessionState, token=token)
    assert redirect_path(_run(state, SessionState.logout)) == "/login"
    assert state.token == ""
    reused = make_state(ClientsState, token=token)
    assert redirect_path(_run(reused, ClientsState.open_page)) == "/login"


def test_шаги_мастера_без_сессии_ничего_не_меняют(db, manager):
    from privet_manager_app.ui.pages.step_contract import ContractState
    from privet_manager_app.ui.pages.step_devices import DevicesState
    from privet_manager_app.ui.pages.step_final import FinalState
    from privet_manager_app.ui.pages.step_passport import PassportState
    from privet_manager_app.ui.pages.step_profile import ProfileState
    from tests.support.factories import claimed_client, version_of

    client = claimed_client(manager)
    before = version_of(client.id)

    def on_the_clients_step(state) -> None:
        state.cid = client.id
        state.version = before

    assert_each_leads_to_login(
        (
            (ProfileState, ProfileState.save),
            (PassportState, PassportState.save),
            (DevicesState, DevicesState.save_device),
            (ContractState, ContractState.generate),
            (ContractState, ContractState.sign),
            (FinalState, FinalState.confirm_payment),
            (FinalState, FinalState.send_invoice),
        ),
        prepare=on_the_clients_step,
    )
    assert version_of(client.id) == before


def test_чужой_менеджер_не_меняет_данные_клиента_обработчиком(db, manager, make_manager):
    from privet_manager_app.ui.pages.step_profile import ProfileState
    from tests.support.factories import claimed_client, version_of

    client = claimed_client(manager)
    other = make_manager(name="Чужой Мастер")
    state = make_state(
        ProfileState, token=auth.login(other.email, DEFAULT_PASSWORD, None, None).access_token
    )
    state.cid = client.id
    state.version = version_of(client.id)
    state.form = {"name": "Подменённое Имя", "phone": "+79160000000", "email": ""}
    _run(state, ProfileState.save)
    assert "Клиента ведёт" in state.form_error
    assert version_of(client.id) == state.version
