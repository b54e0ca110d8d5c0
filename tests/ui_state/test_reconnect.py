"""A websocket reconnect re-runs the page's on_load. A form the manager has changed is not
refilled from the database then: saving afterwards stores what is on the screen, and an open
device dialog stays open with what is typed in it."""

from __future__ import annotations

from sqlmodel import select

from privet_manager_app.domain.admin import auth
from privet_manager_app.domain.wizard import passport_vault
from privet_manager_app.infra.db import transaction
from privet_manager_app.schema.client_app import ClientUser
from privet_manager_app.schema.tables import UserPassport
from privet_manager_app.ui.pages.step_devices import DevicesState
from privet_manager_app.ui.pages.step_passport import PassportState
from privet_manager_app.ui.pages.step_profile import ProfileState
from tests.conftest import DEFAULT_PASSWORD
from tests.support.factories import add_passport, client_in_work, version_of
from tests.support.reflex_state import make_state
from tests.support.reflex_state import run_sync as _run


def _page(state_class, manager, client_id, monkeypatch):
    monkeypatch.setattr(state_class, "_route_client_id", lambda self: client_id)
    token = auth.login(manager.email, DEFAULT_PASSWORD, None, None).access_token
    state = make_state(state_class, token=token)
    _run(state, state_class.open_page)
    return state


def test_шаг_1_после_переподключения_сохраняет_набранное(db, manager, monkeypatch):
    client = client_in_work(manager, name="Анна Смирнова")
    state = _page(ProfileState, manager, client.id, monkeypatch)
    _run(state, ProfileState.set_field, "name", "Анна Кузнецова")
    _run(state, ProfileState.open_page)  # the reconnect
    assert state.form["name"] == "Анна Кузнецова"
    _run(state, ProfileState.save)
    assert state.form_error == ""
    with transaction() as session:
        assert session.get(ClientUser, client.user_id).name == "Анна Кузнецова"
    # Saved: the next visit shows the database again.
    _run(state, ProfileState.open_page)
    assert state.typed_for == 0


def test_шаг_1_набранное_поверх_чужой_правки_даёт_конфликт_а_не_затирание(db, manager, monkeypatch):
    from privet_manager_app.domain.inputs import ProfileInput
    from privet_manager_app.domain.wizard import profile

    client = client_in_work(manager)
    state = _page(ProfileState, manager, client.id, monkeypatch)
    _run(state, ProfileState.set_field, "email", "new@example.ru")
    # Meanwhile (in another tab) the client's data changed.
    profile.update_profile(
        manager,
        client.id,
        ProfileInput(name="Анна Смирнова", phone="+79161234567", email="tab@example.ru"),
        version=version_of(client.id),
    )
    _run(state, ProfileState.open_page)  # the reconnect keeps the form and its version
    assert state.form["email"] == "new@example.ru"
    _run(state, ProfileState.save)
    assert state.stale is True
    with transaction() as session:
        assert session.get(ClientUser, client.user_id).email == "tab@example.ru"


def _passport_typed(manager, monkeypatch):
    """Step 2 of a client with a passport, the number retyped in the form: (client, state)."""
    client = client_in_work(manager)
    add_passport(client, number="123456")
    state = _page(PassportState, manager, client.id, monkeypatch)
    _run(state, PassportState.start_editing)
    _run(state, PassportState.set_field, "number", "654321")
    return client, state


def test_шаг_2_после_переподключения_поля_не_стираются(db, manager, monkeypatch):
    client, state = _passport_typed(manager, monkeypatch)
    typed = dict(state.form)
    _run(state, PassportState.open_page)  # the reconnect
    assert state.form == typed
    assert state.editing is True
    _run(state, PassportState.save)
    assert state.form_error == ""
    with transaction() as session:
        stored = session.exec(
            select(UserPassport).where(UserPassport.user_id == client.user_id)
        ).one()
    assert passport_vault.open_row(stored).number == "654321"  # stored encrypted


def test_шаг_3_диалог_устройства_остаётся_открытым_с_набранным(db, manager, monkeypatch):
    client = client_in_work(manager)
    state = _page(DevicesState, manager, client.id, monkeypatch)
    _run(state, DevicesState.open_new)
    _run(state, DevicesState.set_field, "brand", "Apple")
    _run(state, DevicesState.set_field, "model", "iPhone 15")
    _run(state, DevicesState.open_page)  # the reconnect
    assert state.dialog_open is True
    assert (state.form["brand"], state.form["model"]) == ("Apple", "iPhone 15")


def _fresh_state_with_the_tabs_draft(state_class, old_state, manager):
    """A reconnect that comes back with a new token: a new state on the server, to which the
    browser hands back what the tab keeps in sessionStorage (the draft) before on_load."""
    token = auth.login(manager.email, DEFAULT_PASSWORD, None, None).access_token
    fresh = make_state(state_class, token=token)
    fresh.draft = old_state.draft
    _run(fresh, state_class.open_page)
    return fresh


def test_шаг_1_новый_токен_после_обрыва_набранное_возвращается_из_вкладки(db, manager, monkeypatch):
    client = client_in_work(manager, name="Анна Смирнова")
    state = _page(ProfileState, manager, client.id, monkeypatch)
    _run(state, ProfileState.set_field, "name", "Анна Кузнецова")
    fresh = _fresh_state_with_the_tabs_draft(ProfileState, state, manager)
    assert fresh.form["name"] == "Анна Кузнецова"
    _run(fresh, ProfileState.save)
    assert fresh.form_error == ""
    assert fresh.draft == ""  # saved: nothing is kept for the tab any more
    with transaction() as session:
        assert session.get(ClientUser, client.user_id).name == "Анна Кузнецова"


def test_черновик_другого_менеджера_или_клиента_не_подставляется(
    db, manager, make_manager, monkeypatch
):
    client = client_in_work(manager, name="Анна Смирнова")
    state = _page(ProfileState, manager, client.id, monkeypatch)
    _run(state, ProfileState.set_field, "name", "Чужой Черновик")
    # Another manager logs in on the same tab (an admin may open the step too).
    admin = make_manager("admin")
    fresh = _fresh_state_with_the_tabs_draft(ProfileState, state, admin)
    assert fresh.form["name"] == "Анна Смирнова"
    # The same manager, another client.
    other = client_in_work(manager, name="Борис Другой")
    monkeypatch.setattr(ProfileState, "_route_client_id", lambda self: other.id)
    again = _fresh_state_with_the_tabs_draft(ProfileState, state, manager)
    assert again.form["name"] == "Борис Другой"


def test_шаг_2_новый_токен_после_обрыва_поля_паспорта_возвращаются(db, manager, monkeypatch):
    _client, state = _passport_typed(manager, monkeypatch)
    typed = dict(state.form)
    fresh = _fresh_state_with_the_tabs_draft(PassportState, state, manager)
    assert fresh.form == typed
    assert fresh.editing is True


def test_шаг_3_новый_токен_после_обрыва_диалог_устройства_открыт(db, manager, monkeypatch):
    client = client_in_work(manager)
    state = _page(DevicesState, manager, client.id, monkeypatch)
    _run(state, DevicesState.open_new)
    _run(state, DevicesState.set_field, "brand", "Apple")
    fresh = _fresh_state_with_the_tabs_draft(DevicesState, state, manager)
    assert fresh.dialog_open is True
    assert fresh.form["brand"] == "Apple"
    _run(fresh, DevicesState.close_dialog)
    assert fresh.draft == ""
