"""Passport data at rest: a dump of the raw tables holds no passport number in clear, while the
form, the card, the contract PDF and the duplicate warning work as before; the migration
encrypts existing rows in batches; `rotate-passport-key` moves everything to a new key and can
be stopped and run again."""

from __future__ import annotations

import io
import itertools
import subprocess

import pytest
import sqlalchemy as sa
from alembic.config import Config
from pypdf import PdfReader

from alembic import command
from privet_manager_app.cli import ALEMBIC_INI
from privet_manager_app.cli import main as cli
from privet_manager_app.dev.client_app_fixture import create_client_app_tables
from privet_manager_app.domain.history.audit_chain import GENESIS_HASH
from privet_manager_app.domain.inputs import PassportInput
from privet_manager_app.domain.wizard import contract as contracts
from privet_manager_app.domain.wizard import passport as passports
from privet_manager_app.domain.wizard import passport_vault
from privet_manager_app.infra import crypto
from privet_manager_app.infra.db import get_engine, transaction
from privet_manager_app.infra.storage import get_storage
from privet_manager_app.schema.tables import ManagerClient, ManagerContract, UserPassport
from privet_manager_app.settings import reset_settings_cache
from tests.support.factories import (
    add_passport,
    claimed_client,
    contract_row,
    signing_client,
    version_of,
)

SERIES, NUMBER = "4512", "987321"


def _dump(postgres, database_url: str) -> str:
    database = database_url.rsplit("/", 1)[1]
    return subprocess.run(
        [
            str(postgres.bin / "pg_dump"),
            "--data-only",
            "-h",
            "127.0.0.1",
            "-p",
            str(postgres.port),
            "-U",
            "postgres",
            database,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def test_дамп_таблиц_не_содержит_номера_паспорта_а_форма_карточка_и_pdf_работают(
    db, postgres, manager
):
    client = signing_client(manager)
    passports.save_passport(
        manager,
        client.id,
        PassportInput(
            last_name="Смирнова",
            first_name="Анна",
            middle_name="Сергеевна",
            birth_date="1985-03-12",
            birth_place="г. Москва",
            series=SERIES,
            number=NUMBER,
            issue_date="2010-02-01",
            issued_by="Отделением УФМС России по г. Москве по району Хамовники",
            division_code="770-001",
        ),
        version=version_of(client.id),
    )
    view = contracts.generate_contract(manager, client.id)

    dump = _dump(postgres, db)
    assert "users_passports" in dump
    assert "manager_contracts" in dump
    assert NUMBER not in dump
    assert f"{SERIES} {NUMBER}" not in dump
    assert "УФМС России по г. Москве по району Хамовники" not in dump  # the issuer as well
    assert "45** ****21" in dump  # the mask is what the list and the card show anyway

    with transaction() as session:
        form = passports.form_view(session, session.get(ManagerClient, client.id))
    assert (form.series, form.number, form.number_masked) == (SERIES, NUMBER, "45** ****21")
    revealed = passports.reveal_passport(manager, client.id)
    assert revealed.number_full == f"{SERIES} {NUMBER}"
    document = get_storage().get(contract_row(view.contract_id).pdf_key)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(document)).pages)
    assert NUMBER in text  # the contract itself carries the passport in full


def test_дубликат_паспорта_находится_по_слепому_индексу(db, manager):
    first = claimed_client(manager)
    add_passport(first, series=SERIES, number=NUMBER)
    second = claimed_client(manager)
    add_passport(second, series=SERIES, number="000001")
    with transaction() as session:
        warnings = passports.form_view(session, session.get(ManagerClient, second.id)).warnings
    assert not [w for w in warnings if w.code == "passport_duplicate"]
    third = claimed_client(manager)
    add_passport(third, series=SERIES, number=NUMBER)
    with transaction() as session:
        warnings = passports.form_view(session, session.get(ManagerClient, third.id)).warnings
        indexes = session.scalars(sa.select(UserPassport.passport_index)).all()
    assert [w.code for w in warnings if w.code == "passport_duplicate"] == ["passport_duplicate"]
    assert all(NUMBER not in index for index in indexes)


def test_смена_ключа_перешифровывает_порциями_и_продолжается_после_остановки(
    db, manager, monkeypatch, capsys
):
    first_key, index_key = crypto.new_key_text("k2026"), crypto.new_key_text("i2026")
    monkeypatch.setenv("PASSPORT_ENCRYPTION_KEY", first_key)
    monkeypatch.setenv("PASSPORT_BLIND_INDEX_KEY", index_key)
    reset_settings_cache()
    clients = [claimed_client(manager) for _ in range(5)]
    for index, client in enumerate(clients):
        add_passport(client, series=SERIES, number=f"{100000 + index}")
    contracts.generate_contract(manager, signing_client(manager).id)
    with transaction() as session:
        assert passport_vault.still_under_old_keys(session).total == 0

    # The operator adds a new key and keeps the old one to read with.
    monkeypatch.setenv("PASSPORT_ENCRYPTION_KEY", crypto.new_key_text("k2027"))
    monkeypatch.setenv("PASSPORT_ENCRYPTION_OLD_KEYS", first_key)
    reset_settings_cache()
    with transaction() as session:
        left = passport_vault.still_under_old_keys(session)
    assert (left.passports, left.contracts) == (6, 1)

    with transaction() as session:  # a run stopped after its first batch of two
        assert passport_vault.rotate_batch(session, limit=2).passports == 2
    with transaction() as session:
        assert passport_vault.still_under_old_keys(session).passports == 4
    cli(["rotate-passport-key", "--batch", "2"])  # run again: goes on from where it stopped
    assert "осталось под старыми ключами: 0" in capsys.readouterr().out
    with transaction() as session:
        tokens = session.scalars(sa.select(UserPassport.number_enc)).all()
        snapshots = session.scalars(sa.select(ManagerContract.data_snapshot)).all()
        row = session.scalar(
            sa.select(UserPassport).where(UserPassport.user_id == clients[0].user_id)
        )
        assert passport_vault.open_row(row).number == "100000"
    assert all(token.startswith("v1:k2027:") for token in tokens)
    assert all(
        s["client"]["passport"]["encrypted"]["number"].startswith("v1:k2027:") for s in snapshots
    )
    # The duplicate warning still finds the same passport (the index key did not change).
    twin = claimed_client(manager)
    add_passport(twin, series=SERIES, number="100000")
    with transaction() as session:
        warnings = passports.form_view(session, session.get(ManagerClient, twin.id)).warnings
    assert "passport_duplicate" in [w.code for w in warnings]
    monkeypatch.undo()
    reset_settings_cache()


def test_миграция_шифрует_существующие_паспорта_и_сцепляет_существующий_аудит(postgres, empty_db):
    config = Config(str(ALEMBIC_INI))
    with get_engine().begin() as connection:
        create_client_app_tables(connection, with_support_bridge=False)
    command.upgrade(config, "0003_one_invoice_per_contract")
    with get_engine().begin() as connection:
        for index in range(3):
            connection.execute(
                sa.text(
                    "INSERT INTO users (phone, email, name, is_active, created_at, updated_at) "
                    "VALUES (:phone, NULL, 'Клиент', true, now(), now())"
                ),
                {"phone": f"+7916000000{index}"},
            )
        connection.execute(
            sa.text(
                "INSERT INTO users_passports (user_id, last_name, first_name, birth_date, "
                "birth_place, series, number, issue_date, issued_by, division_code, created_at, "
                "updated_at) SELECT id, 'Петров', 'Иван', '1990-01-01', 'г. Москва', '4512', "
                "'55500' || id, '2015-01-01', 'ОВД', '770-001', now(), now() FROM users"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO manager_audit_log (action, entity_type, created_at) "
                "SELECT 'old_' || g, 'client', now() - g * interval '1 minute' "
                "FROM generate_series(1, 4) g"
            )
        )
    command.upgrade(config, "head")

    with transaction() as session:
        rows = session.scalars(sa.select(UserPassport).order_by(UserPassport.user_id)).all()
        assert [passport_vault.open_row(row).number for row in rows] == [
            f"55500{row.user_id}" for row in rows
        ]
        columns = {
            c["name"]
            for c in sa.inspect(session.connection()).get_columns(UserPassport.__tablename__)
        }
        assert not {"series", "number", "issued_by"} & columns
        entries = session.execute(
            sa.text("SELECT seq, prev_hash, row_hash, action FROM manager_audit_log ORDER BY seq")
        ).all()
    # Oldest first, linked one to the next.
    assert [entry.action for entry in entries] == ["old_4", "old_3", "old_2", "old_1"]
    assert entries[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.row_hash for a, b in itertools.pairwise(entries))
    # The hashes themselves are recomputed by verify-audit:
    with pytest.raises(SystemExit) as finished:
        cli(["verify-audit"])
    assert finished.value.code == 0
