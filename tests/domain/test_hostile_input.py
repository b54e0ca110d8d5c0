"""Hostile values typed into the pages reach the same input rules as REST bodies: a clear Russian
refusal under the field, never a database error (issue 9, item 4). The UI builds the same input
types from what was typed (`Input.from_form`) and passes them to these use cases."""

from __future__ import annotations

import base64
import json

import pytest

from privet_manager_app.domain.admin import auth, tariffs
from privet_manager_app.domain.clients import export, listing
from privet_manager_app.domain.common.errors import ValidationFailed
from privet_manager_app.domain.common.money import parse_money
from privet_manager_app.domain.inputs import PaymentInput, TariffInput
from privet_manager_app.domain.wizard import payment, tariff_apply
from tests.support import factories

HUGE = ["1e30", "1E+999999", "1E+9999999999", "9" * 40]


def _refusal(call, *args, **kwargs) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as error:
        call(*args, **kwargs)
    text = json.dumps(error.value.to_dict(), ensure_ascii=False)
    assert "class" not in text  # no exception's own text («[<class 'decimal…'>]»)
    assert "Invalid" not in text
    return error.value


def test_nul_в_email_при_входе_отказ_у_поля(db):
    error = _refusal(auth.login, "boss\x00@example.com", "whatever-pass", "127.0.0.1", None)
    assert error.fields == {"email": "Недопустимые невидимые символы"}


def test_nul_в_поиске_и_выгрузке_просто_выбрасывается(manager, add_users):
    add_users(3)
    assert listing.list_clients(manager, query="\x00").items
    csv_bytes = b"".join(export.export_clients_csv(manager, query="Ив\x00"))
    assert csv_bytes.startswith("\ufeff".encode())


def test_курсор_с_огромным_id_отказ_а_не_ошибка_базы(manager):
    for client_id in (10**29, -1, 0, True, 2**63):
        raw = json.dumps(["2026-01-01T00:00:00+00:00", client_id]).encode()
        cursor = base64.urlsafe_b64encode(raw).decode()
        assert _refusal(listing.list_clients, manager, cursor=cursor).code == "invalid_cursor"


def test_управляющие_символы_в_названии_и_описании_тарифа(admin):
    base = {"code": "bad-text", "base_monthly_fee": "990", "extra_device_fee": "300"}
    error = _refusal(lambda: tariffs.create_tariff(admin, TariffInput(name="Семейный\x00", **base)))
    assert "невидимые символы" in error.fields["name"]
    error = _refusal(
        lambda: tariffs.create_tariff(admin, TariffInput(name="Ок", description="а\x00б", **base))
    )
    assert "невидимые символы" in error.fields["description"]


@pytest.mark.parametrize("amount", HUGE)
def test_огромные_суммы_отклоняются_до_арифметики(amount):
    assert _refusal(parse_money, amount).fields == {"amount": "Сумма: слишком большое число"}


def test_сумма_больше_10_миллионов_отклоняется():
    assert parse_money("10000000.00") == parse_money("10 000 000,00")
    error = _refusal(parse_money, "10000000.01")
    assert error.fields == {"amount": "Сумма: не больше 10\u00a0000\u00a0000,00\u00a0₽"}


@pytest.mark.parametrize("fee", HUGE)
def test_огромная_плата_и_скидка_в_форме_тарифа(admin, fee):
    error = _refusal(
        lambda: tariffs.create_tariff(
            admin,
            TariffInput(
                code="huge",
                name="Огромный",
                base_monthly_fee=fee,
                extra_device_fee="1",
                max_discount_pct=fee,
            ),
        )
    )
    assert set(error.fields) == {"base_monthly_fee", "max_discount_pct"}


@pytest.mark.parametrize("discount", HUGE)
def test_огромная_скидка_при_расчёте_доплаты(manager, discount):
    client = factories.ready_client(manager, factories.TWO_DEVICES)
    tariff_id = factories.make_tariff()
    error = _refusal(tariff_apply.preview_surcharge, manager, client.id, tariff_id, discount, "x")
    assert set(error.fields) == {"discount_pct"}
    error = _refusal(tariff_apply.apply_tariff, manager, client.id, tariff_id, discount, "x")
    assert set(error.fields) == {"discount_pct"}


def test_nul_в_причине_скидки(manager):
    client = factories.ready_client(manager, factories.TWO_DEVICES)
    error = _refusal(
        tariff_apply.apply_tariff, manager, client.id, factories.make_tariff(), "5", "друг\x00"
    )
    assert set(error.fields) == {"discount_reason"}


def test_nul_в_номере_операции_оплаты(manager):
    client = factories.signed_client(manager)
    error = _refusal(
        lambda: payment.confirm_payment(
            manager, client.id, PaymentInput(amount="1500.00", method="card", reference="№1\x00")
        )
    )
    assert error.fields == {"reference": "Недопустимые невидимые символы"}


@pytest.mark.parametrize("amount", HUGE)
def test_огромная_сумма_оплаты(manager, amount):
    client = factories.signed_client(manager)
    error = _refusal(
        lambda: payment.confirm_payment(
            manager, client.id, PaymentInput(amount=amount, method="cash")
        )
    )
    assert set(error.fields) == {"amount"}
