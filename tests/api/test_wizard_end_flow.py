"""Three clients through step 4 and the final step over REST: nothing to pay, paid on the
spot, invoiced and paid later."""

from __future__ import annotations

import io

from pypdf import PdfReader

from privet_manager_app.dev import demo_tariffs
from privet_manager_app.domain.common.clock import moscow_today
from tests.support.factories import chat_messages, ready_client

YEAR = moscow_today().year


class Wizard:
    def __init__(self, api, headers, client):
        self.api = api
        self.headers = headers
        self.client = client
        self.base = f"/api/manager/clients/{client.id}"

    def post(self, path: str, json=None, expect: int = 200):
        response = self.api.post(f"{self.base}{path}", json=json, headers=self.headers)
        assert response.status_code == expect, response.text
        return response.json()

    def card(self):
        return self.api.get(self.base, headers=self.headers).json()

    def tabs(self) -> set[str]:
        found = set()
        for tab in ("new", "in_work", "mine", "processed"):
            items = self.api.get(
                f"/api/manager/clients?tab={tab}&limit=100", headers=self.headers
            ).json()["items"]
            if any(item["id"] == self.client.id for item in items):
                found.add(tab)
        return found

    def choose(self, code: str, **discount) -> dict:
        listed = self.api.get("/api/manager/tariffs", headers=self.headers).json()
        tariff_id = next(item["id"] for item in listed if item["code"] == code)
        preview = self.post("/tariff/preview", {"tariff_id": tariff_id, **discount})
        applied = self.post(
            "/tariff/apply", {"tariff_id": tariff_id, "version": self.card()["version"], **discount}
        )
        assert applied["surcharge"] == preview["surcharge"]
        return applied

    def sign(self) -> dict:
        contract = self.post("/contract/generate", {"version": self.card()["version"]})
        assert self.tabs() == {"in_work", "mine"}
        card = chat_messages(self.client.user_id)[-1]
        assert card.author_type == "system"
        assert card.payload["type"] == "contract_otp"
        assert card.payload["contract_number"] == contract["number"]
        assert card.payload["amount"] == contract["surcharge"]
        # the manager previews the PDF before the client reads the code out
        pdf = self.api.get(f"{self.base}/contract/pdf", headers=self.headers)
        assert pdf.status_code == 200
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
        assert contract["number"] in text
        signed = self.post("/contract/confirm", {"code": card.payload["code"], "pep_agreed": True})
        assert signed["pdf_sha256"] == contract["pdf_sha256"]
        verified = self.api.post(
            "/api/verify", files={"file": ("d.pdf", pdf.content, "application/pdf")}
        ).json()
        assert verified["valid"] is True
        assert verified["number"] == contract["number"]
        return signed


def test_три_клиента_проходят_финал_мастера(api, login_headers, manager):
    demo_tariffs.ensure_demo_tariffs()
    headers = login_headers(manager)

    # 1. One smartphone on «Базовый»: nothing to pay, processed right after signing.
    zero = Wizard(api, headers, ready_client(manager, [("smartphone", "Apple", "iPhone 13")]))
    assert zero.tabs() == {"in_work", "mine"}
    assert zero.choose("basic")["surcharge"] == "0.00"
    signed = zero.sign()
    assert signed["status"] == "processed"
    assert zero.tabs() == {"processed"}
    assert zero.post("/billing/notify", expect=409)["code"] == "nothing_to_pay"
    assert zero.card()["invoice"] is None
    assert [m.payload["type"] for m in chat_messages(zero.client.user_id)] == [
        "contract_otp",
        "contract_signed",
    ]

    # 2. A household on «Дом целиком» with a discount, paid on the spot.
    spot = Wizard(
        api,
        headers,
        ready_client(
            manager,
            [("smartphone", "Apple", "iPhone 13"), ("fridge", "Bosch", "KGN39VI25R")],
            name="Пётр Иванов",
            last_name="Иванов",
            first_name="Пётр",
            middle_name="Алексеевич",
            phone="+79031234567",
            number="654321",
        ),
    )
    applied = spot.choose("home", discount_pct="10", discount_reason="постоянный клиент")
    assert applied["surcharge"] == "630.00"  # fridge 700 − 10 %
    assert spot.sign()["status"] == "signed"
    assert spot.tabs() == {"in_work", "mine"}
    paid = spot.post("/payment/confirm", {"amount": "630.00", "method": "card"})
    assert paid["status"] == "processed"
    assert spot.post("/payment/confirm", {"amount": "630.00", "method": "card"}) == {
        **paid,
        "already_confirmed": True,
    }
    assert spot.tabs() == {"processed"}

    # 3. A family on «Семейный» with an extra laptop: invoiced, paid later.
    later = Wizard(
        api,
        headers,
        ready_client(
            manager,
            [
                ("smartphone", "Samsung", "Galaxy S23"),
                ("smartphone", "Xiaomi", "Redmi Note 12"),
                ("tablet", "Apple", "iPad Air"),
                ("laptop", "Lenovo", "IdeaPad 5"),
            ],
            name="Мария Кузнецова",
            last_name="Кузнецова",
            first_name="Мария",
            middle_name=None,
            phone="+79261112233",
            number="111222",
        ),
    )
    assert later.choose("family")["surcharge"] == "500.00"  # 1 extra × 300 + laptop 200
    assert later.sign()["status"] == "signed"
    invoice = later.post("/billing/notify")
    assert invoice["invoice_number"] == f"СЧ-{YEAR}-000001"
    assert invoice["amount"] == "500.00"
    assert later.card()["status"] == "awaiting_payment"
    assert later.tabs() == {"in_work", "mine"}
    assert later.post("/billing/notify", expect=429)["code"] == "invoice_reminder_too_soon"
    later.post("/payment/confirm", {"amount": "500.00", "method": "transfer", "reference": "п/п 1"})
    assert later.tabs() == {"processed"}
    final = later.card()
    assert final["invoice"]["status"] == "paid"
    assert final["contract"]["status"] == "signed"
    assert [m.payload["type"] for m in chat_messages(later.client.user_id)] == [
        "contract_otp",
        "contract_signed",
        "invoice",
        "payment_received",
    ]
    numbers = {zero.card()["contract"]["number"], spot.card()["contract"]["number"]}
    numbers.add(final["contract"]["number"])
    assert numbers == {f"ПМ-{YEAR}-00000{index}" for index in (1, 2, 3)}
