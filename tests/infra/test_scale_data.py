"""The benchmarks' data set (tests/support/scale_data.py) is what the app itself would have
written: the list, the search, the card, the dashboard and the export read it without a
complaint, and the mix of statuses and messy input is the one the benchmarks claim."""

from __future__ import annotations

import re

import psycopg
import pytest
import sqlalchemy as sa

from privet_manager_app.dev.demo_tariffs import ensure_demo_tariffs
from privet_manager_app.domain.admin import dashboard
from privet_manager_app.domain.clients import card as client_card
from privet_manager_app.domain.clients import export as exports
from privet_manager_app.domain.clients import listing as clients
from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.infra.db import get_engine
from tests.support import scale_data

SIZE = 3000


@pytest.fixture
def scale_set(db):
    ensure_demo_tariffs()
    url = sa.engine.make_url(db)
    dsn = f"host={url.host} port={url.port} user={url.username} dbname={url.database}"
    with psycopg.connect(dsn) as connection:
        data = scale_data.build(connection, SIZE)
    get_engine().dispose()  # the build ran VACUUM; start the app's pool afresh
    me = Actor(id=data.me_id, email=scale_data.manager_email(1), name="Мастер", role="manager")
    admin = Actor(id=data.admin_id, email=scale_data.ADMIN_EMAIL, name="Админ", role="admin")
    return data, me, admin


def test_набор_для_бенчмарка_выглядит_как_живая_база(scale_set):
    data, me, _admin = scale_set
    counts = data.counts
    assert sum(counts.values()) == SIZE
    assert 0.66 < counts["processed"] / SIZE < 0.74
    assert 0.17 < counts["new"] / SIZE < 0.23
    assert 0.06 < counts["in_progress"] / SIZE < 0.10

    new_page = clients.list_clients(me, tab="new", limit=100)
    phones = [card.phone for card in new_page.items if card.phone]
    assert any(phone.startswith("+7") for phone in phones)
    assert any(phone.startswith("8") for phone in phones), "старые номера в разных форматах"
    assert any(" " in phone or "(" in phone for phone in phones)
    assert all(card.registration_address is None for card in new_page.items)

    processed = clients.list_clients(me, tab="processed", limit=100).items
    assert all(card.phone and re.fullmatch(r"\+79\d{9}", card.phone) for card in processed)
    street_kinds = ("ул. ", "пр-т", "пер. ", "б-р", "ш.")
    assert all(
        any(kind in card.registration_address for kind in street_kinds) for card in processed
    )
    assert clients.list_clients(me, tab="mine", limit=5).items


def test_поиск_карточка_дашборд_и_выгрузка_читают_набор(scale_set):
    data, me, admin = scale_set
    found = clients.list_clients(me, tab="processed", query=scale_data.SURNAMES[0]).items
    assert found
    assert all(scale_data.SURNAMES[0].lower() in card.name.lower() for card in found)

    card = client_card.get_client(me, found[0].id)
    assert card.passport is not None
    assert card.devices
    assert all(device.photos for device in card.devices)
    assert card.tariff is not None
    assert card.contract is not None
    assert card.contract.status == "signed"

    board = dashboard.get_dashboard(admin)
    assert board.total_clients == SIZE
    assert board.signed_clients > 0
    assert len(board.managers) >= scale_data.MANAGERS

    csv_text = b"".join(exports.export_clients_csv(me, "processed")).decode("utf-8-sig")
    rows = csv_text.count("\r\n") - 1
    assert rows == data.counts["processed"]
