"""The client card reads each row once: at a million clients every statement is a round trip
and a few random pages, and the card used to send 12 (the client twice — the first row was
dropped from the session's weak identity map before `session.get` asked for it again —, the
current contract and the signing budget twice each, the devices twice). Now: the client with
its card, the devices with their photos, the signing budget, the contract, the passport, the
tariff, the invoice."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from privet_manager_app.domain.clients import card as client_card
from privet_manager_app.infra.db import transaction
from privet_manager_app.schema.tables import ManagerDevice
from tests.support.factories import add_device, add_photo_row, invoiced_client
from tests.support.statements import captured_sql

CARD_STATEMENTS = 7


def _tables(statement: str) -> str:
    return statement.split(" FROM ", 1)[1].split(" WHERE ", 1)[0]


def test_карточка_со_всеми_шагами_читает_каждую_строку_один_раз(manager):
    client, contract, _ = invoiced_client(manager)
    add_device(client.id, "tablet", "Samsung", "Tab S9", photo=False)  # a device with no photo

    with captured_sql() as seen:
        detail = client_card.get_client(manager, client.id)

    texts = [" ".join(statement.sql.split()) for statement in seen]
    selects = [text for text in texts if text.upper().startswith("SELECT")]
    assert len(selects) <= CARD_STATEMENTS, "\n".join(selects)
    read_twice = [
        table
        for table in {_tables(s) for s in selects}
        if sum(_tables(s) == table for s in selects) > 1
    ]
    assert read_twice == []
    # Everything the card shows is still there and consistent.
    assert detail.passport is not None
    assert [(device.brand, len(device.photos)) for device in detail.devices] == [
        ("Apple", 1),
        ("Lenovo", 1),
        ("Samsung", 0),
    ]
    assert detail.contract.contract_id == contract.id
    assert detail.invoice is not None
    assert detail.invoice.amount == Decimal("300.00")
    # A third device after the calculation: the tariff is stale, seen from the devices read once.
    assert detail.tariff.needs_recalculation is True
    assert detail.signing_lock.wrong_codes == 0


def test_устройство_с_несколькими_фото_показывает_все_по_порядку(manager):
    client, _, _ = invoiced_client(manager)
    with transaction() as session:
        device_id = session.execute(
            sa.select(sa.func.min(ManagerDevice.id)).where(ManagerDevice.client_id == client.id)
        ).scalar_one()
        add_photo_row(session, device_id)
    detail = client_card.get_client(manager, client.id)
    assert [len(device.photos) for device in detail.devices] == [2, 1]
    assert detail.devices[0].photos[0].id < detail.devices[0].photos[1].id
    assert detail.tariff.needs_recalculation is False

    page = client_card.open_card(manager, client.id)
    assert page.detail.devices == detail.devices
