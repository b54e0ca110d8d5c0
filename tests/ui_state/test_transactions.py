"""One user action, one use case: opening a wizard step or saving the passport costs the
session check plus ONE transaction of the use case (opening step 2 used to take up to five:
read, claim, read again, the passport, the session)."""

from __future__ import annotations

from privet_manager_app.domain.admin import auth
from privet_manager_app.ui.pages.step_passport import PassportState
from privet_manager_app.ui.pages.wizard import WizardState
from tests.conftest import DEFAULT_PASSWORD
from tests.support.factories import claimed_client, new_client, version_of
from tests.support.reflex_state import make_state
from tests.support.reflex_state import run_sync as _run
from tests.support.statements import counted_transactions

PASSPORT = {
    "last_name": "Петров",
    "first_name": "Иван",
    "middle_name": "Сергеевич",
    "birth_date": "1985-03-12",
    "birth_place": "г. Москва",
    "series": "4512",
    "number": "123456",
    "issue_date": "2010-02-01",
    "issued_by": "ОВД Хамовники",
    "division_code": "770-001",
}


def _step_2(manager, client_id, monkeypatch) -> PassportState:
    token = auth.login(manager.email, DEFAULT_PASSWORD, None, None).access_token
    state = make_state(PassportState, token=token)
    monkeypatch.setattr(WizardState, "_route_client_id", lambda self: client_id)
    return state


def test_открыть_шаг_2_нового_клиента_это_проверка_сессии_и_одна_транзакция(
    db, manager, monkeypatch
):
    client = new_client()
    state = _step_2(manager, client.id, monkeypatch)
    with counted_transactions() as begun:
        _run(state, PassportState.open_page)
    assert state.client_status == "in_progress"  # claimed on the way, in the same transaction
    assert state.editing
    assert len(begun) == 2


def test_сохранить_паспорт_со_страницы_и_по_rest_это_одна_транзакция_сценария(
    db, manager, monkeypatch, api, login_headers
):
    client = claimed_client(manager)
    state = _step_2(manager, client.id, monkeypatch)
    state.cid = client.id
    state.version = version_of(client.id)
    state.form = dict(PASSPORT)
    with counted_transactions() as begun:
        _run(state, PassportState.save)
    assert state.form_error == ""
    assert len(begun) == 2  # the session, the save

    other = claimed_client(manager, phone="+79035550001")
    headers = login_headers(manager)
    body = {**PASSPORT, "number": "654321", "version": version_of(other.id)}
    with counted_transactions() as begun:
        response = api.put(f"/api/manager/clients/{other.id}/passport", json=body, headers=headers)
    assert response.status_code == 200, response.text
    assert len(begun) == 2  # the token's session, the save
