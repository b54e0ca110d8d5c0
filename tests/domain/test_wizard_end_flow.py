"""The wizard's end over REST, for three clients: nothing to pay, paid on the spot, invoiced
and paid later — with the tabs following every transition and the client's chat as the client
app reads it."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from privet_manager_app.domain.common.clock import moscow_today
from privet_manager_app.domain.wizard import tariff_apply
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


@pytest.fixture
def quickstart_sqlite(tmp_path, monkeypatch):
    from tests.conftest import use_database

    monkeypatch.setenv("STORAGE_DIR", str(tmp_path / "storage"))
    use_database(f"sqlite:///{tmp_path / 'quick.db'}")
    yield
    from privet_manager_app.infra.db import dispose_engines

    dispose_engines()


def test_финал_мастера_работает_и_на_sqlite_быстрого_старта(quickstart_sqlite):
    from privet_manager_app.cli import prepare_database
    from privet_manager_app.domain.admin import auth
    from privet_manager_app.domain.common.actors import Actor
    from privet_manager_app.domain.wizard import contract as contracts
    from privet_manager_app.domain.wizard import payment as payments
    from privet_manager_app.domain.wizard import signing, verification
    from privet_manager_app.infra.storage import get_storage
    from tests.support.factories import contract_row, last_code, tariff_id_by_code

    prepare_database(seed_demo=False)  # dev: the demo tariffs come with the schema
    row = auth.create_manager("sqlite@example.com", "Мастер Лайт", "Secret-Pass-1")
    manager = Actor(id=row.id, email=row.email, name=row.name, role=row.role)
    client = ready_client(
        manager, [("smartphone", "Apple", "iPhone 13"), ("fridge", "Bosch", "KGN39VI25R")]
    )
    tariff_apply.apply_tariff(manager, client.id, tariff_id_by_code("home"))
    first = contracts.generate_contract(manager, client.id)
    view = contracts.generate_contract(manager, client.id)  # supersedes the first
    assert view.number == f"ПМ-{YEAR}-000002"
    assert contract_row(first.contract_id).status == "superseded"
    signed = signing.confirm_signature(manager, client.id, last_code(client.user_id), True)
    assert signed.status == "signed"
    invoice = payments.send_invoice(manager, client.id)
    assert invoice.invoice_number == f"СЧ-{YEAR}-000001"
    assert payments.confirm_payment(manager, client.id, "700.00", "cash").status == "processed"
    data = get_storage().get(contract_row(view.contract_id).pdf_key)
    assert verification.verify_pdf(data).valid is True
