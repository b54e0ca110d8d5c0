"""The audit log as a hash chain: whoever edits or deletes an old row with database access is
found out by recomputing the chain — and by the head printed in every sealed copy."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import hashlib
import json
import re
import threading

import pytest
import sqlalchemy as sa

from privet_manager_app.domain.history import audit_chain
from privet_manager_app.domain.history.audit_chain import (
    GENESIS_HASH,
    ChainFormatError,
    ChainLink,
    canonical_content,
    next_link,
    row_hash,
    verify_chain,
)
from tests.conftest import ROOT

T0 = dt.datetime(2026, 11, 27, 9, 15, 2, 123456, tzinfo=dt.UTC)


def event(index: int, **overrides) -> dict:
    row = {
        "id": 1000 + index,
        "created_at": T0 + dt.timedelta(seconds=index),
        "manager_id": 7,
        "action": "passport_saved" if index % 2 else "contract_signed",
        "entity_type": "passport",
        "entity_id": str(42 + index),
        "client_id": 42,
        "changes": {"number": {"before": None, "after": "****56"}, "series": {"after": "45**"}},
        "ip": "203.0.113.7",
        "user_agent": "Mozilla/5.0 (iPhone; Сафари)",
    }
    row.update(overrides)
    return row


def chain(count: int) -> list[dict]:
    rows, head = [], None
    for index in range(1, count + 1):
        row = event(index)
        seq, prev_hash, digest = next_link(head, row)
        rows.append({**row, "seq": seq, "prev_hash": prev_hash, "row_hash": digest})
        head = ChainLink(seq, digest)
    return rows


# ---- Canonical form ---------------------------------------------------------------------------


def test_каноническая_форма_строки_задокументирована_и_повторяема_вне_приложения():
    row = {**event(1), "seq": 1}
    text = canonical_content(row)
    assert text == (
        '{"action":"passport_saved","changes":{"number":{"after":"****56","before":null},'
        '"series":{"after":"45**"}},"client_id":42,"created_at":"2026-11-27T09:15:03.123456+00:00",'
        '"entity_id":"43","entity_type":"passport","ip":"203.0.113.7","manager_id":7,"seq":1,'
        '"user_agent":"Mozilla/5.0 (iPhone; Сафари)"}'
    )
    # what an auditor recomputes with nothing but a JSON export and SHA-256
    expected = hashlib.sha256(
        b"privet-audit-chain/v1\n" + GENESIS_HASH.encode() + b"\n" + text.encode()
    ).hexdigest()
    assert row_hash(GENESIS_HASH, row) == expected


def test_форма_не_зависит_от_порядка_ключей_и_часового_пояса_времени():
    moscow = dt.timezone(dt.timedelta(hours=3))
    row = {**event(1), "seq": 1}
    same = {
        **{key: row[key] for key in reversed(list(row))},
        "created_at": row["created_at"].astimezone(moscow),
        "changes": {"series": {"after": "45**"}, "number": {"after": "****56", "before": None}},
    }
    assert canonical_content(same) == canonical_content(row)
    as_text = {**row, "created_at": "2026-11-27T12:15:03.123456+03:00"}
    assert canonical_content(as_text) == canonical_content(row)
    assert "id" not in json.loads(canonical_content(row))  # the database id is not content


def test_время_без_пояса_и_не_json_значения_отклоняются():
    with pytest.raises(ChainFormatError):
        canonical_content({**event(1), "seq": 1, "created_at": dt.datetime(2026, 1, 1)})
    with pytest.raises(ChainFormatError):
        canonical_content({**event(1), "seq": 1, "changes": {"x": float("nan")}})
    with pytest.raises(ChainFormatError):
        canonical_content({**event(1), "seq": 1, "changes": {"x": object()}})


# ---- Verifying --------------------------------------------------------------------------------


def test_целая_цепочка_проверяется_без_ошибок():
    rows = chain(50)
    assert verify_chain(rows) is None
    assert verify_chain(rows, head=ChainLink(50, rows[-1]["row_hash"])) is None


def test_изменённая_старая_строка_обнаруживается_на_ней_самой():
    rows = chain(50)
    rows[9]["changes"] = {"number": {"before": None, "after": "****99"}}
    broken = verify_chain(rows)
    assert broken is not None
    assert (broken.seq, broken.row_id, broken.reason) == (10, 1010, "content_changed")


def test_изменённая_строка_с_пересчитанным_хешем_ломает_следующее_звено():
    rows = chain(50)
    rows[9]["ip"] = "198.51.100.1"
    rows[9]["row_hash"] = row_hash(rows[9]["prev_hash"], rows[9])
    broken = verify_chain(rows)
    assert (broken.seq, broken.reason) == (11, "link_broken")


def test_удалённая_строка_обнаруживается():
    rows = chain(50)
    del rows[20]
    broken = verify_chain(rows)
    assert (broken.seq, broken.reason) == (22, "sequence_gap")
    assert broken.expected == "21"


def test_удалённая_строка_с_перенумерацией_обнаруживается_по_звену():
    rows = chain(50)
    del rows[20]
    for row in rows[20:]:
        row["seq"] -= 1
    broken = verify_chain(rows)
    assert (broken.seq, broken.reason) == (21, "link_broken")


def test_отрезанный_хвост_виден_по_голове_и_по_штампу_в_заверенной_копии():
    rows = chain(50)
    head = ChainLink(50, rows[-1]["row_hash"])
    printed_in_a_sealed_copy = {45: rows[44]["row_hash"]}
    assert verify_chain(rows[:47]) is None  # on its own, a shorter chain looks whole…
    assert verify_chain(rows[:47], head=head).reason == "head_mismatch"  # …not to the head…
    broken = verify_chain(rows[:44], anchors=printed_in_a_sealed_copy)
    assert (broken.seq, broken.reason) == (45, "anchor_mismatch")  # …nor to a document


def test_переписанная_заново_цепочка_обнаруживается_по_штампу_в_документе():
    rows = chain(30)
    anchor = {20: rows[19]["row_hash"]}  # the head printed when contract X was sealed
    forged, head = [], None
    for row in rows:  # an insider rewrites row 5 and recomputes everything after it
        content = {**row, "action": "client_claimed"} if row["seq"] == 5 else row
        seq, prev_hash, digest = next_link(head, content)
        forged.append({**content, "seq": seq, "prev_hash": prev_hash, "row_hash": digest})
        head = ChainLink(seq, digest)
    assert verify_chain(forged) is None  # self-consistent…
    assert verify_chain(forged, anchors=anchor).reason == "anchor_mismatch"  # …but not ours


def test_проверку_можно_продолжить_с_проверенной_точки_потоком():
    rows = chain(40)
    checkpoint = ChainLink(25, rows[24]["row_hash"])
    assert verify_chain(iter(rows[25:]), start=checkpoint) is None
    assert verify_chain(iter(rows[26:]), start=checkpoint).reason == "sequence_gap"


def test_строки_могут_быть_объектами_модели():
    class Row:
        def __init__(self, values: dict) -> None:
            self.__dict__.update(values)

    assert verify_chain([Row(row) for row in chain(5)]) is None


# ---- The append protocol phase 2 uses, on real databases --------------------------------------
# One head row; the audit write first bumps it (`UPDATE … RETURNING`, which takes the row lock on
# PostgreSQL and the write lock on SQLite), computes the hash, inserts the row, stores the new
# head — all in the transaction that writes the audited change.

SCHEMA = """
CREATE TABLE chain_head (id INTEGER PRIMARY KEY, seq BIGINT NOT NULL, row_hash CHAR(64) NOT NULL);
CREATE TABLE chain_log (
    id {pk}, seq BIGINT NOT NULL UNIQUE, prev_hash CHAR(64) NOT NULL, row_hash CHAR(64) NOT NULL,
    created_at {ts} NOT NULL, manager_id INTEGER, action VARCHAR(50) NOT NULL,
    entity_type VARCHAR(50) NOT NULL, entity_id VARCHAR(50), client_id BIGINT,
    changes {json}, ip VARCHAR(45), user_agent VARCHAR(500)
);
INSERT INTO chain_head VALUES (1, 0, '{genesis}');
"""
FIELDS = [name for name in audit_chain.CHAIN_FIELDS if name != "seq"]


def _create(engine: sa.Engine) -> None:
    postgres = engine.dialect.name == "postgresql"
    ddl = SCHEMA.format(
        pk="BIGSERIAL PRIMARY KEY" if postgres else "INTEGER PRIMARY KEY",
        ts="TIMESTAMPTZ" if postgres else "VARCHAR(40)",
        json="JSONB" if postgres else "TEXT",
        genesis=GENESIS_HASH,
    )
    with engine.begin() as connection:
        for statement in filter(str.strip, ddl.split(";")):
            connection.exec_driver_sql(statement)


def _append(connection: sa.Connection, row: dict, *, locked: bool) -> None:
    if locked:
        seq, prev = connection.execute(
            sa.text("UPDATE chain_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, row_hash")
        ).one()
        head = ChainLink(seq - 1, prev)
    else:  # the naive writer: read the head, compute, write — races
        head = ChainLink(*connection.execute(sa.text("SELECT seq, row_hash FROM chain_head")).one())
    seq, prev_hash, digest = next_link(head, row)
    values = {**row, "seq": seq, "prev_hash": prev_hash, "row_hash": digest}
    values["changes"] = json.dumps(values["changes"], ensure_ascii=False)
    if connection.dialect.name != "postgresql":
        values["created_at"] = values["created_at"].isoformat()
    columns = ["seq", "prev_hash", "row_hash", *FIELDS]
    connection.execute(
        sa.text(
            f"INSERT INTO chain_log ({', '.join(columns)}) "
            f"VALUES ({', '.join(':' + name for name in columns)})"
        ),
        values,
    )
    connection.execute(
        sa.text("UPDATE chain_head SET seq = :seq, row_hash = :hash WHERE id = 1"),
        {"seq": seq, "hash": digest},
    )


def _write_concurrently(engine: sa.Engine, *, locked: bool, workers: int = 6, each: int = 15):
    """Each worker appends `each` rows, one transaction each; returns how many failed."""
    start = threading.Barrier(workers)

    def work(worker: int) -> int:
        start.wait()
        failed = 0
        for index in range(each):
            row = event(worker * 100 + index, created_at=dt.datetime.now(dt.UTC))
            try:
                with engine.begin() as connection:
                    _append(connection, row, locked=locked)
            except sa.exc.IntegrityError:
                failed += 1  # two writers took the same seq: the unique index refuses the fork
        return failed

    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        return sum(pool.map(work, range(workers)))


def _read(engine: sa.Engine) -> tuple[list[dict], ChainLink]:
    with engine.connect() as connection:
        rows = [
            dict(row._mapping)
            for row in connection.execute(sa.text("SELECT * FROM chain_log ORDER BY seq"))
        ]
        head = ChainLink(*connection.execute(sa.text("SELECT seq, row_hash FROM chain_head")).one())
    for row in rows:
        if isinstance(row["changes"], str):
            row["changes"] = json.loads(row["changes"])
    return rows, head


def _chain_written_concurrently(engine: sa.Engine, **writers) -> tuple[int, list[dict], ChainLink]:
    """(failed transactions, the rows that landed, the head) after concurrent writers ran on a
    fresh chain table; the engine is disposed of."""
    try:
        _create(engine)
        failed = _write_concurrently(engine, **writers)
        return failed, *_read(engine)
    finally:
        engine.dispose()


@pytest.mark.slow
def test_параллельные_записи_аудита_в_postgresql_выстраиваются_в_одну_цепочку(db):
    engine = sa.create_engine(db, pool_size=8)
    failed, rows, head = _chain_written_concurrently(engine, locked=True)
    assert failed == 0
    assert [row["seq"] for row in rows] == list(range(1, 6 * 15 + 1))
    # JSONB reorders keys and timestamptz returns its own zone: the canonical form survives both
    assert verify_chain(rows, head=head) is None


@pytest.mark.slow
def test_без_блокировки_головы_параллельные_записи_аудита_срываются(db):
    """The control: reading the head without the lock forks the chain; the unique seq turns
    each fork into a failed business transaction. The head lock is what makes them all land."""
    engine = sa.create_engine(db, pool_size=8)
    failed, rows, head = _chain_written_concurrently(engine, locked=False)
    assert failed > 0
    assert len(rows) == 6 * 15 - failed
    assert verify_chain(rows, head=head) is None  # what landed is still one chain


def test_параллельные_записи_аудита_в_sqlite_выстраиваются_в_одну_цепочку(tmp_path):
    engine = sa.create_engine(
        f"sqlite:///{tmp_path / 'audit.db'}", connect_args={"timeout": 30}, pool_size=8
    )

    @sa.event.listens_for(engine, "connect")
    def _no_pysqlite_transactions(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves

    @sa.event.listens_for(engine, "begin")
    def _begin_immediate(connection):
        # the write lock up front: a deferred transaction that has read cannot take it later
        # while another writer commits (SQLite answers "database is locked" at once)
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    failed, rows, head = _chain_written_concurrently(engine, locked=True, workers=4, each=10)
    assert failed == 0
    assert [row["seq"] for row in rows] == list(range(1, 41))
    assert verify_chain(rows, head=head) is None


def test_скрипт_проверки_из_readme_пересчитывает_цепочку_без_кода_приложения(tmp_path, monkeypatch):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Цепочка аудита") :]
    script = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    rows = [{**row, "created_at": row["created_at"].isoformat()} for row in chain(20)]
    export = tmp_path / "audit.json"
    monkeypatch.chdir(tmp_path)
    export.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    exec(script, {})
    rows[7]["action"] = "client_claimed"
    export.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(AssertionError, match="строка 8 изменена"):
        exec(script, {})
