"""Payment on the spot and the invoice over REST."""

from __future__ import annotations

import datetime as dt

from privet_manager_app.domain.common.clock import moscow_today
from tests.support.factories import (
    signed_client,
)

YEAR = moscow_today().year


def test_rest_оплата_и_счёт(api, login_headers, manager, make_manager):
    client = signed_client(manager)
    headers = login_headers(manager)
    base = f"/api/manager/clients/{client.id}"
    other = make_manager(name="Мастер Пётр")
    assert api.post(f"{base}/billing/notify", headers=login_headers(other)).status_code == 403

    notify = api.post(f"{base}/billing/notify", headers=headers)
    assert notify.status_code == 200, notify.text
    body = notify.json()
    assert body["invoice_number"] == f"СЧ-{YEAR}-000001"
    assert body["amount"] == "1500.00"
    assert body["status"] == "issued"
    assert body["due_date"] == (moscow_today() + dt.timedelta(days=5)).isoformat()
    again = api.post(f"{base}/billing/notify", headers=headers)
    assert again.status_code == 429
    assert again.json()["code"] == "invoice_reminder_too_soon"
    assert again.json()["retry_after_seconds"] > 0

    bad_method = api.post(
        f"{base}/payment/confirm", json={"amount": "1500.00", "method": "iou"}, headers=headers
    )
    assert bad_method.status_code == 422
    wrong_amount = api.post(
        f"{base}/payment/confirm", json={"amount": "15.00", "method": "cash"}, headers=headers
    )
    assert wrong_amount.status_code == 422
    assert wrong_amount.json()["code"] == "payment_amount_mismatch"
    not_a_number = api.post(
        f"{base}/payment/confirm", json={"amount": "много", "method": "cash"}, headers=headers
    )
    assert not_a_number.status_code == 422

    paid = api.post(
        f"{base}/payment/confirm",
        json={"amount": "1500.00", "method": "cash", "reference": "чек 5"},
        headers=headers,
    )
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "processed"
    assert paid.json()["amount"] == "1500.00"
    repeat = api.post(
        f"{base}/payment/confirm", json={"amount": "1500.00", "method": "cash"}, headers=headers
    )
    assert repeat.json()["paid_at"] == paid.json()["paid_at"]
    assert repeat.json()["already_confirmed"] is True

    invoice = api.get(f"{base}/invoice", headers=headers).json()
    assert invoice["status"] == "paid"
    card = api.get(base, headers=headers).json()
    assert card["status"] == "processed"
    assert card["invoice"]["invoice_number"] == f"СЧ-{YEAR}-000001"
    assert card["contract"]["paid_at"] == paid.json()["paid_at"]
