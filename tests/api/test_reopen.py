"""Reopening a signed file over REST: 403 for a manager, a new contract version for an admin."""

from __future__ import annotations

import pytest

from privet_manager_app.domain.wizard import payment as payments
from privet_manager_app.schema.enums import ClientStatus
from tests.support.factories import (
    client_row,
    make_tariff,
    ready_client,
    sign_with_tariff,
)

TWO_DEVICES = (("smartphone", "Apple", "iPhone 13"), ("laptop", "Lenovo", "IdeaPad"))


@pytest.fixture
def invoiced(manager):
    """A client who signed (surcharge 300,00 ₽) and got an invoice."""
    client = ready_client(manager, TWO_DEVICES)
    tariff_id = make_tariff(included_devices=1, extra_device_fee="300.00")
    contract = sign_with_tariff(manager, client, tariff_id)
    payments.send_invoice(manager, client.id)
    assert client_row(client.id).status == ClientStatus.AWAITING_PAYMENT
    return client, contract, tariff_id


def test_rest_переоткрытие_для_менеджера_403_для_админа_200(
    api, login_headers, manager, admin, invoiced
):
    client, _, _ = invoiced
    url = f"/api/manager/admin/clients/{client.id}/reopen"
    refused = api.post(url, json={"reason": "Хочу"}, headers=login_headers(manager))
    assert refused.status_code == 403
    assert refused.json()["code"] == "admin_only"
    assert client_row(client.id).status == ClientStatus.AWAITING_PAYMENT
    done = api.post(url, json={"reason": "Ошибка в паспорте"}, headers=login_headers(admin))
    assert done.status_code == 200
    assert done.json()["status"] == "in_progress"
