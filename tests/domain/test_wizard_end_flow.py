"""The wizard's end over REST, for three clients: nothing to pay, paid on the spot, invoiced
and paid later — with the tabs following every transition and the client's chat as the client
app reads it."""

from __future__ import annotations

import pytest

from privet_manager_app.domain.common.clock import moscow_today
from privet_manager_app.domain.inputs import PaymentInput
from privet_manager_app.domain.wizard import tariff_apply
from tests.support.factories import ready_client

YEAR = moscow_today().year


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
    from tests.support.factories import (
        contract_row,
        last_code,
        resend_interval_passed,
        tariff_id_by_code,
    )

    prepare_database(seed_demo=False)  # dev: the demo tariffs come with the schema
    row = auth.create_manager("sqlite@example.com", "Мастер Лайт", "Secret-Pass-1")
    manager = Actor(id=row.id, email=row.email, name=row.name, role=row.role)
    client = ready_client(
        manager, [("smartphone", "Apple", "iPhone 13"), ("fridge", "Bosch", "KGN39VI25R")]
    )
    tariff_apply.apply_tariff(manager, client.id, tariff_id_by_code("home"))
    first = contracts.generate_contract(manager, client.id)
    resend_interval_passed(client.id)
    view = contracts.generate_contract(manager, client.id)  # supersedes the first
    assert view.number == f"ПМ-{YEAR}-000002"
    assert contract_row(first.contract_id).status == "superseded"
    signed = signing.confirm_signature(manager, client.id, last_code(client.user_id), True)
    assert signed.status == "signed"
    invoice = payments.send_invoice(manager, client.id)
    assert invoice.invoice_number == f"СЧ-{YEAR}-000001"
    assert (
        payments.confirm_payment(
            manager, client.id, PaymentInput(amount="700.00", method="cash")
        ).status
        == "processed"
    )
    data = get_storage().get(contract_row(view.contract_id).pdf_key)
    assert verification.verify_pdf(data).valid is True
