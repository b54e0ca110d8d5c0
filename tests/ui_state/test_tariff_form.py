"""The admin's tariff editor, called as the Reflex server would call its handlers: the form is
`TariffInput`'s fields, a refusal lands under the field it names, an edit is a new edition."""

from __future__ import annotations

from decimal import Decimal

from privet_manager_app.domain.admin import auth, tariffs
from privet_manager_app.domain.inputs import TariffInput
from privet_manager_app.ui.pages.admin_tariffs import FEE_PREFIX, TariffsAdminState
from tests.conftest import DEFAULT_PASSWORD
from tests.support.factories import make_tariff
from tests.support.reflex_state import make_state
from tests.support.reflex_state import run_sync as _run


def _admin_state(admin) -> TariffsAdminState:
    token = auth.login(admin.email, DEFAULT_PASSWORD, None, None).access_token
    state = make_state(TariffsAdminState, token=token)
    _run(state, TariffsAdminState.open_page)
    return state


def test_форма_тарифа_это_поля_tariff_input_а_отказы_под_своими_полями(db, admin):
    state = _admin_state(admin)
    _run(state, TariffsAdminState.open_new)
    assert set(TariffInput.fields()) - {"category_fees"} <= set(state.form)
    state.form = {
        **state.form,
        "code": "ui-form",
        "name": "Из формы",
        "extra_device_fee": "abc",
        FEE_PREFIX + "tv": "-5",
    }
    _run(state, TariffsAdminState.save)
    assert state.editor_open
    assert state.errors["extra_device_fee"] == "Нужна сумма, например 1500.00"
    assert state.errors[FEE_PREFIX + "all"] == "Телевизор: Не меньше 0"
    assert "ui-form" not in [t.code for t in tariffs.catalogue(admin)]

    _run(state, TariffsAdminState.set_field, "extra_device_fee", "250,50")
    _run(state, TariffsAdminState.set_field, FEE_PREFIX + "tv", "400")
    _run(state, TariffsAdminState.save)
    assert not state.editor_open
    [created] = [t for t in tariffs.catalogue(admin) if t.code == "ui-form"]
    assert created.extra_device_fee == Decimal("250.50")
    assert created.category_fees == {"tv": Decimal("400.00")}


def test_правка_тарифа_заполняет_форму_из_тарифа_и_даёт_новую_редакцию(db, admin):
    tariff_id = make_tariff(code="ui-edit", name="Правка", extra_device_fee="300.00")
    state = _admin_state(admin)
    _run(state, TariffsAdminState.open_edit, tariff_id)
    assert state.form["code"] == "ui-edit"
    assert state.form["extra_device_fee"] == "300.00"
    assert state.form["description"] == ""
    state.form = {**state.form, "name": "   "}
    _run(state, TariffsAdminState.save)
    assert "name" in state.errors  # the use case's rule, under its field
    state.form = {**state.form, "name": "Правка 2", "extra_device_fee": "450"}
    _run(state, TariffsAdminState.save)
    edited = tariffs.get_tariff(admin, tariff_id)
    assert (edited.version, edited.name, edited.extra_device_fee) == (
        2,
        "Правка 2",
        Decimal("450.00"),
    )
