"""CSV export of the list view: BOM for Excel, `;`, Russian headers, masked passports, all rows."""

from __future__ import annotations

import csv
import io
import threading

import pytest
import sqlalchemy as sa

from privet_manager_app.domain.clients import export as exports
from privet_manager_app.domain.clients import projection
from privet_manager_app.domain.common.errors import ValidationFailed
from privet_manager_app.infra.db import get_engine, transaction
from privet_manager_app.schema.client_app import ClientUser
from privet_manager_app.schema.tables import ManagerClient
from tests.support.factories import add_passport, claimed_client, new_client
from tests.support.statements import captured_sql

EXPORT_URL = "/api/manager/clients/export.csv"


def _rows(pieces) -> list[list[str]]:
    data = pieces if isinstance(pieces, bytes) else b"".join(pieces)
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def test_экспорт_в_excel_bom_точка_с_запятой_русские_заголовки_паспорт_скрыт(manager):
    client = claimed_client(manager, name="Иван Петров", phone="8 916 123-45-67")
    add_passport(client)
    data = b"".join(exports.export_clients_csv(manager, "in_work", ""))
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


def test_экспорт_одним_запросом_через_серверный_курсор_кусками_и_без_предела(
    manager, add_users, monkeypatch
):
    add_users(230)
    monkeypatch.setattr(exports, "CHUNK_ROWS", 50)
    with captured_sql() as statements:
        pieces = list(exports.export_clients_csv(manager, "new", ""))
    reads = [s for s in statements if s.sql.lstrip().upper().startswith("SELECT")]
    rows = [s for s in reads if "manager_client_search" in s.sql and "users_passports" in s.sql]
    # One query for the whole file, read by a named (server-side) cursor: the rows arrive in
    # pieces instead of all at once, so memory does not grow with the tab.
    assert len(rows) == 1
    assert rows[0].server_side
    assert not any(" users " in f" {s.sql} " or "FROM users" in s.sql for s in rows)
    assert len(pieces) == 5  # 230 rows in pieces of 50
    _, *lines = _rows(pieces)
    assert len(lines) == 230  # no cut-off: the whole tab


def _export_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "csv-export"]


def test_брошенная_на_середине_выгрузка_отпускает_поток_и_соединение(
    manager, add_users, monkeypatch
):
    """The rows are fetched by a reader thread one chunk ahead of the file: a download the
    browser drops after the first piece ends that thread and its transaction too."""
    add_users(230)
    monkeypatch.setattr(exports, "CHUNK_ROWS", 50)
    pool = get_engine().pool
    before = pool.checkedout()
    pieces = exports.export_clients_csv(manager, "new", "")
    first = next(pieces)
    assert first.startswith(exports.BOM.encode())
    assert len(_export_threads()) == 1
    pieces.close()  # what the server does when the client goes away
    assert _export_threads() == []
    assert pool.checkedout() == before


def test_ошибка_базы_на_чтении_выгрузки_поднимается_у_того_кто_её_читает(
    manager, add_users, monkeypatch
):
    add_users(3)

    def failing(condition, in_sql):
        return sa.select(sa.cast(sa.literal("не число"), sa.Integer))

    monkeypatch.setattr(exports, "_export_rows", failing)
    with pytest.raises(sa.exc.DataError):
        list(exports.export_clients_csv(manager, "new", ""))
    assert _export_threads() == []


def test_экспорт_подбирает_новых_пользователей_один_раз(manager, add_users):
    add_users(230)
    with transaction() as session:
        session.add(ClientUser(name="Зарегистрировался Только Что"))
    with captured_sql() as statements:
        _, *lines = _rows(exports.export_clients_csv(manager, "new", ""))
    pick_ups = [s for s in statements if "INSERT INTO manager_clients" in s.sql]
    assert len(pick_ups) == 1
    assert "Зарегистрировался Только Что" in {line[1] for line in lines}
    assert len(lines) == 231


def test_число_строк_выгрузки_совпадает_с_файлом(manager, add_users):
    add_users(12)
    new_client(name="Зинаида Поиск", phone="+79031112233")
    assert exports.export_row_count(manager, "new", "") == 13
    assert exports.export_row_count(manager, "new", "зинаида") == 1
    _, *lines = _rows(exports.export_clients_csv(manager, "new", "зинаида"))
    assert len(lines) == 1


def test_формулы_в_данных_не_исполняются_в_excel(manager):
    client = new_client(name='=HYPERLINK("http://evil")', phone="+79031112233")
    with transaction() as session:
        session.execute(
            sa.update(ManagerClient)
            .where(ManagerClient.id == client.id)
            .values(registration_address="@SUM(1+1)")
        )
        projection.refresh(session, [client.id])
    _, row = _rows(exports.export_clients_csv(manager, "new", ""))
    assert row[1].startswith("'=")
    assert row[5] == "'@SUM(1+1)"
    assert row[2] == "+7 903 111-22-33"


def test_время_в_выгрузке_пишет_postgresql_так_же_как_moscow_text(db):
    """The export lets PostgreSQL write the Moscow time text: the same text as moscow_text
    (Python's zoneinfo) gives, across the offsets Moscow has had (+3, +4 in 2011–2014)."""
    import datetime as dt
    import random

    import sqlalchemy as sa

    from privet_manager_app.domain.clients.export import _moscow_time
    from privet_manager_app.domain.common.clock import moscow_text
    from privet_manager_app.infra.db import transaction

    draw = random.Random(7)
    start = dt.datetime(2009, 1, 1, tzinfo=dt.UTC)
    moments = [start + dt.timedelta(seconds=draw.randrange(18 * 365 * 86400)) for _ in range(300)]
    moments += [dt.datetime(2014, 10, 25, 22, 30, tzinfo=dt.UTC)]  # the last clock change
    value = sa.bindparam("moment", type_=sa.DateTime(timezone=True))
    with transaction() as session:
        for moment in moments:
            text = session.execute(sa.select(_moscow_time(value, True)), {"moment": moment})
            assert text.scalar_one() == moscow_text(moment), moment
