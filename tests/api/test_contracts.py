"""Contracts over REST: what is missing before one, the fields a generated one returns, who may
open the documents."""

from __future__ import annotations

import pytest

from privet_manager_app.domain.common.clock import moscow_today
from privet_manager_app.domain.common.errors import Forbidden
from privet_manager_app.domain.wizard import contract as contracts
from tests.support.factories import (
    add_device,
    client_in_work,
    client_row,
    priced_client,
)

YEAR = moscow_today().year


def test_без_данных_шагов_1_3_договор_не_формируется_и_названо_чего_не_хватает(
    api, login_headers, manager
):
    client = client_in_work(manager, phone="123", address=None)
    add_device(client.id, photo=False)
    response = api.post(
        f"/api/manager/clients/{client.id}/contract/generate", headers=login_headers(manager)
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "contract_not_ready"
    assert body["missing"] == [
        "телефон клиента",
        "адрес регистрации",
        "паспортные данные",
        "фото устройств: Apple iPhone 13",
        "выбранный тариф",
    ]
    assert body["detail"].startswith("Не хватает: телефон клиента; адрес регистрации")
    readiness = api.get(
        f"/api/manager/clients/{client.id}/contract/readiness", headers=login_headers(manager)
    ).json()
    assert readiness == {"ready": False, "missing": body["missing"]}


def test_договор_открывают_только_ведущий_менеджер_и_админ(
    api, login_headers, manager, admin, make_manager
):
    client = priced_client(manager)
    contracts.generate_contract(manager, client.id)
    other = make_manager(name="Мастер Пётр")
    with pytest.raises(Forbidden):
        contracts.contract_pdf_url(other, client.id)
    assert contracts.contract_pdf_url(admin, client.id)

    url = f"/api/manager/clients/{client.id}/contract/pdf"
    denied = api.get(url, headers=login_headers(other))
    assert denied.status_code == 403
    assert denied.json()["code"] == "documents_forbidden"
    redirect = api.get(url, headers=login_headers(manager), follow_redirects=False)
    assert redirect.status_code == 307
    document = api.get(redirect.headers["location"])
    assert document.status_code == 200
    assert document.headers["content-type"] == "application/pdf"
    assert document.content.startswith(b"%PDF-")
    link = api.get(f"{url}?redirect=false", headers=login_headers(manager)).json()
    assert link["url"].startswith("/api/storage/file/")

    # The card: everyone sees the contract's state, only the assignee gets the links.
    mine = api.get(f"/api/manager/clients/{client.id}", headers=login_headers(manager)).json()
    theirs = api.get(f"/api/manager/clients/{client.id}", headers=login_headers(other)).json()
    assert mine["contract"]["number"] == theirs["contract"]["number"] == f"ПМ-{YEAR}-000001"
    assert mine["contract"]["pdf_url"]
    assert theirs["contract"]["pdf_url"] is None
    assert mine["contract"]["surcharge"] == "750.50"
    assert mine["tariff"]["surcharge"] == "750.50"
    assert mine["invoice"] is None


def test_rest_формирование_договора_отдаёт_поля_контракта(api, login_headers, manager):
    client = priced_client(manager)
    response = api.post(
        f"/api/manager/clients/{client.id}/contract/generate",
        json={"version": client_row(client.id).version},
        headers=login_headers(manager),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert {
        "contract_id",
        "number",
        "status",
        "surcharge",
        "pdf_url",
        "otp_expires_at",
        "otp_resend_available_at",
    } <= set(body)
    assert body["surcharge"] == "750.50"
    assert body["status"] == "otp_sent"
    stale = api.post(
        f"/api/manager/clients/{client.id}/contract/generate",
        json={"version": 1},
        headers=login_headers(manager),
    )
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_version"
    huge = api.post(
        "/api/manager/clients/99999999999999999999999/contract/generate",
        headers=login_headers(manager),
    )
    assert huge.status_code == 422
