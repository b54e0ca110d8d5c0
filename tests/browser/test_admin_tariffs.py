"""An admin edits a tariff in the browser: a new calculation uses the new figures, a contract
signed before keeps its own."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from sqlmodel import select

from privet_manager_app.domain.wizard import contract as contracts
from privet_manager_app.domain.wizard import signing, tariff_apply
from privet_manager_app.infra.db import transaction
from privet_manager_app.schema.tables import ManagerContract
from tests.conftest import ARTIFACTS, ui_login, use_database
from tests.support import factories

pytestmark = pytest.mark.browser

ADMIN = "admin@example.com"


def _signed_client(manager, tariff_id: int, phone: str):
    client = factories.ready_client(
        manager,
        (("smartphone", "Apple", "iPhone 14"), ("laptop", "Asus", "Zenbook")),
        name="Подписал Раньше",
        phone=phone,
        number=f"{uuid.uuid4().int % 10**6:06d}",
    )
    tariff_apply.apply_tariff(manager, client.id, tariff_id)
    contracts.generate_contract(manager, client.id)
    signing.confirm_signature(manager, client.id, factories.last_code(client.user_id), True)
    return client


def test_админ_меняет_тариф_новый_расчёт_по_новой_версии_подписанный_договор_прежний(
    live_server, phone
):
    use_database(live_server.env["DATABASE_URL"])
    manager = factories.demo_manager()
    name = f"Тест-тариф {uuid.uuid4().hex[:4]}"
    tariff_id = factories.make_tariff(
        name=name, included_devices=1, extra_device_fee="300.00", base_monthly_fee="990.00"
    )
    signed = _signed_client(manager, tariff_id, "+79035550101")
    assert factories.client_row(signed.id).status == "signed"

    ui_login(phone, ADMIN)
    phone.goto("/admin/tariffs")
    card = phone.locator(".tariff-card", has_text=name)
    card.wait_for()
    assert "v1" in card.inner_text()
    phone.screenshot(path=str(ARTIFACTS / "admin-tariffs-list.png"), full_page=True)
    card.locator(".edit-tariff").click()
    phone.wait_for_function(
        "() => document.querySelector('#field-extra_device_fee')?.value === '300.00'"
    )
    phone.fill("#field-extra_device_fee", "450.00")
    phone.fill("#count-smartphone", "1")
    phone.fill("#count-laptop", "2")
    phone.wait_for_function(
        "() => document.querySelector('#tariff-preview-total')?.innerText.startsWith('900,00')"
    )
    phone.screenshot(path=str(ARTIFACTS / "admin-tariffs-edit.png"), full_page=True)
    phone.click("#save-tariff")
    phone.wait_for_function(
        "name => [...document.querySelectorAll('.tariff-card')].some("
        "c => c.innerText.includes(name) && c.innerText.includes('v2'))",
        arg=name,
    )

    later = factories.ready_client(
        manager,
        (("smartphone", "Apple", "iPhone 15"), ("laptop", "HP", "Envy")),
        name="Считаю Позже",
        phone="+79035550102",
        number=f"{uuid.uuid4().int % 10**6:06d}",
    )
    applied = tariff_apply.apply_tariff(manager, later.id, tariff_id)
    assert applied.surcharge == Decimal("450.00")
    assert applied.tariff["version"] == 2

    with transaction() as session:
        signed_contract = session.exec(
            select(ManagerContract).where(ManagerContract.client_id == signed.id)
        ).one()
    assert signed_contract.surcharge == Decimal("300.00")
    assert signed_contract.data_snapshot["tariff"]["version"] == 1

    ui_login(phone)
    phone.goto(f"/clients/{signed.id}/step/success")
    phone.wait_for_selector("#final-heading")
    assert "300,00" in phone.inner_text("#final-heading")
