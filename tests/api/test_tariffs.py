"""Tariffs over REST: only admins edit them; a preview writes nothing; a new client is taken
into work before its tariff is applied."""

from __future__ import annotations

from sqlmodel import select

from privet_manager_app.infra.db import transaction
from privet_manager_app.schema.tables import ManagerClientTariff
from tests.support.factories import (
    make_tariff,
    ready_client,
)


def test_rest_тарифы_правит_только_админ(api, login_headers, manager, admin):
    body = {
        "code": "rest-tariff",
        "name": "REST",
        "base_monthly_fee": "1990.00",
        "included_devices": 2,
        "extra_device_fee": "250.00",
        "category_fees": {"fridge": "700.00"},
        "max_discount_pct": "15",
    }
    as_manager = api.post("/api/manager/tariffs", json=body, headers=login_headers(manager))
    assert as_manager.status_code == 403
    assert as_manager.json()["code"] == "admin_only"
    assert as_manager.json()["detail"]

    created = api.post("/api/manager/tariffs", json=body, headers=login_headers(admin))
    assert created.status_code == 201, created.text
    tariff = created.json()
    assert tariff["base_monthly_fee"] == "1990.00"
    assert tariff["category_fees"] == {"fridge": "700.00"}
    assert tariff["max_discount_pct"] == "15.00"

    patch_url = f"/api/manager/tariffs/{tariff['id']}"
    assert (
        api.patch(patch_url, json={"name": "X"}, headers=login_headers(manager)).status_code == 403
    )
    patched = api.patch(
        patch_url,
        json={"version": 1, "extra_device_fee": "300", "is_active": False},
        headers=login_headers(admin),
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["version"] == 2
    assert patched.json()["extra_device_fee"] == "300.00"

    listed = api.get("/api/manager/tariffs", headers=login_headers(manager)).json()
    assert all(item["code"] != "rest-tariff" for item in listed)
    everything = api.get(
        "/api/manager/tariffs?include_inactive=true", headers=login_headers(admin)
    ).json()
    assert any(item["code"] == "rest-tariff" for item in everything)

    bad = api.post(
        "/api/manager/tariffs",
        json={**body, "code": "bad", "base_monthly_fee": "-5"},
        headers=login_headers(admin),
    )
    assert bad.status_code == 422
    # Refused by the body's schema (0 … 10 000 000.00) before the use case sees it.
    assert bad.json()["code"] == "validation_error"
    assert "base_monthly_fee" in bad.json()["fields"]
    missing = api.patch("/api/manager/tariffs/999999", json={}, headers=login_headers(admin))
    assert missing.status_code == 404


def test_rest_предпросмотр_ничего_не_пишет_а_применение_сохраняет(api, login_headers, manager):
    client = ready_client(manager, [("smartphone", "Apple", "iPhone"), ("fridge", "Bosch", "K")])
    tariff_id = make_tariff(category_fees={"fridge": "700.00"}, max_discount_pct="10")
    headers = login_headers(manager)
    preview = api.post(
        f"/api/manager/clients/{client.id}/tariff/preview",
        json={"tariff_id": tariff_id, "discount_pct": "5", "discount_reason": "акция"},
        headers=headers,
    )
    assert preview.status_code == 200, preview.text
    assert preview.json()["surcharge"] == "950.00"
    assert preview.json()["subtotal"] == "1000.00"
    with transaction() as session:
        assert session.exec(select(ManagerClientTariff)).all() == []

    applied = api.post(
        f"/api/manager/clients/{client.id}/tariff/apply",
        json={"tariff_id": tariff_id},
        headers=headers,
    )
    assert applied.status_code == 200, applied.text
    data = applied.json()
    assert data["surcharge"] == "1000.00"
    assert data["base_monthly_fee"] == "990.00"
    assert data["breakdown"][0] == {
        "kind": "extra_devices",
        "label": "Дополнительные устройства: 1 × 300,00\u00a0₽",
        "amount": "300.00",
        "quantity": 1,
        "unit_price": "300.00",
        "category": None,
    }
    assert data["tariff"]["id"] == tariff_id

    too_much = api.post(
        f"/api/manager/clients/{client.id}/tariff/apply",
        json={"tariff_id": tariff_id, "discount_pct": "50", "discount_reason": "?"},
        headers=headers,
    )
    assert too_much.status_code == 422
    assert too_much.json()["code"] == "invalid_discount"
    assert "discount_pct" in too_much.json()["fields"]

    card = api.get(f"/api/manager/clients/{client.id}", headers=headers).json()
    assert card["tariff"]["surcharge"] == "1000.00"


def test_rest_новый_клиент_сначала_берётся_в_работу(api, login_headers, manager, add_users):
    user = add_users(1)[0]
    with transaction() as session:
        from privet_manager_app.schema.tables import ManagerClient

        client_id = session.exec(
            select(ManagerClient.id).where(ManagerClient.user_id == user.id)
        ).one()
    response = api.post(
        f"/api/manager/clients/{client_id}/tariff/apply",
        json={"tariff_id": make_tariff()},
        headers=login_headers(manager),
    )
    assert response.status_code == 409
    assert response.json()["code"] == "not_claimed"
