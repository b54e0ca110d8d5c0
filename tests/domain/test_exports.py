"""CSV export of the list view: BOM for Excel, `;`, Russian headers, masked passports, all rows."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from privet_manager_app.domain.clients import export as exports
from privet_manager_app.domain.common.errors import ValidationFailed
from privet_manager_app.infra.db import transaction
from privet_manager_app.schema.tables import ManagerClient
from tests.support.factories import add_passport, claimed_client, new_client

EXPORT_URL = "/api/manager/clients/export.csv"


def _rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def test_экспорт_в_excel_bom_точка_с_запятой_русские_заголовки_паспорт_скрыт(manager):
    client = claimed_client(manager, name="Иван Петров", phone="8 916 123-45-67")
    add_passport(client)
    data = exports.export_clients_csv(manager, "in_work", "")
    assert b"123456" not in data
    assert b"4512" not in data
    header, row = _rows(data)
    assert header[:5] == ["№ карточки", "Клиент", "Телефон", "Email", "Статус"]
    assert "Паспорт" in header
    assert row[header.index("Клиент")] == "Иван Петров"
    assert row[header.index("Телефон")] == "+7 916 123-45-67"
    assert row[header.index("Статус")] == "В работе"
    assert row[header.index("Паспорт")] == "45** ****56"
    assert row[header.index("Менеджер")] == manager.name
    assert data.decode("utf-8-sig").splitlines()[0].count(";") == len(exports.HEADERS) - 1


def test_экспорт_выгружает_все_строки_вкладки_а_не_одну_страницу(manager, add_users):
    add_users(230)
    _, *rows = _rows(exports.export_clients_csv(manager, "new", ""))
    assert len(rows) == 230
    assert len({row[0] for row in rows}) == 230


def test_экспорт_учитывает_поиск_и_вкладку(manager):
    new_client(name="Зинаида Поиск", phone="+79031112233")
    new_client(name="Другой Человек", phone="+79035556677")
    claimed_client(manager, name="Зинаида В Работе", phone="+79037778899")
    _, *rows = _rows(exports.export_clients_csv(manager, "new", "зинаида"))
    assert [row[1] for row in rows] == ["Зинаида Поиск"]
    _, *mine = _rows(exports.export_clients_csv(manager, "mine", ""))
    assert [row[1] for row in mine] == ["Зинаида В Работе"]
    with pytest.raises(ValidationFailed):
        exports.export_clients_csv(manager, "everything", "")


def test_экспорт_ограничен_и_сообщает_об_этом(manager, add_users, monkeypatch):
    add_users(7)
    monkeypatch.setattr(exports, "MAX_EXPORT_ROWS", 5)
    _, *rows = _rows(exports.export_clients_csv(manager, "new", ""))
    assert len(rows) == 6
    assert "первые 5 строк" in rows[-1][0]
    monkeypatch.setattr(exports, "MAX_EXPORT_ROWS", 7)
    _, *rows = _rows(exports.export_clients_csv(manager, "new", ""))
    assert len(rows) == 7


def test_формулы_в_данных_не_исполняются_в_excel(manager):
    client = new_client(name='=HYPERLINK("http://evil")', phone="+79031112233")
    with transaction() as session:
        session.execute(
            sa.update(ManagerClient)
            .where(ManagerClient.id == client.id)
            .values(registration_address="@SUM(1+1)")
        )
    _, row = _rows(exports.export_clients_csv(manager, "new", ""))
    assert row[1].startswith("'=")
    assert row[5] == "'@SUM(1+1)"
    assert row[2] == "+7 903 111-22-33"
