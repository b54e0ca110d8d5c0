"""The client list at scale: every tab, search, card, dashboard and export at 1M vs 10k clients,
against hand-written SQL on ideal indexes (the reference), side by side in one run.

    .venv/bin/python bench/list_at_scale.py                       # 10k and 1M (≈ 20 min today)
    .venv/bin/python bench/list_at_scale.py --sizes 10000,100000  # quick (≈ 3 min)
    .venv/bin/python bench/list_at_scale.py --no-rest --max-rounds 3

Starts its own throwaway PostgreSQL (tests/support/postgres.py) and builds one database per
size in SQL (tests/support/scale_data.py: 70 % processed, 20 % new, 8 % in progress, 2 % at the
contract/payment steps, 50 managers, Russian names, phones in mixed formats, e-mails, addresses
with streets, passports, devices with photos, tariffs, contracts, invoices). In each database a
separate schema `ref` holds the reference: a search projection with the ideal indexes (per-tab
keyset btrees, pg_trgm GIN for substrings, btree for phone digits) and hand-written SQL over it.

Each case is measured as a domain call, over REST (FastAPI TestClient, in process: JWT check,
validation and JSON included, no network) and as reference SQL, at every size, interleaved
round by round (a drift in machine load hits all of them alike). A case leaves the rotation
once it has --min-rounds samples and has used --budget seconds at one size. Then:
  * the generic-plan effect: the same search 20 times on one connection (domain, and the
    reference with psycopg's default auto-prepare and with prepare_threshold=None), and
    EXPLAIN ANALYZE under plan_cache_mode force_custom_plan / force_generic_plan;
  * diagnostics that back the phase-2 design (backfill with nothing to insert, the
    duplicate-phone check, projection build, dashboard parts).
Tables go to stdout; JSON and the EXPLAIN texts to bench/results/.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import os
import platform
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.update({"APP_ENV": "test", "BCRYPT_ROUNDS": "4", "SEED_DEMO_DATA": "false"})

from bench.support.common import (  # noqa: E402
    AppSchema,
    load_level,
    results_path,
    summary,
    timed,
    write_json,
)

# ---- Adapter: the only place that knows where the app's modules live -----------------------
# (with bench/support/common.py's AppSchema: after a move only these blocks change)


class App(AppSchema):
    """The app's functions this benchmark calls, imported lazily (after DATABASE_URL is set)."""

    def __init__(self) -> None:
        super().__init__()
        from privet_manager_app.api.app import create_api
        from privet_manager_app.domain.admin import dashboard
        from privet_manager_app.domain.clients import card
        from privet_manager_app.domain.clients import export as exports
        from privet_manager_app.domain.clients import listing as clients
        from privet_manager_app.domain.common.actors import Actor
        from privet_manager_app.domain.wizard import profile
        from privet_manager_app.infra.db import transaction

        self.clients, self.dashboard, self.exports, self.profile = (
            clients,
            dashboard,
            exports,
            profile,
        )
        self._card = card
        self.Actor = Actor
        self.create_api = create_api
        self.transaction = transaction

    def actor(self, manager_id: int, email: str, role: str = "manager"):
        return self.Actor(id=manager_id, email=email, name="Бенч", role=role)

    def list_page(self, actor, tab: str, query: str = "", cursor: str | None = None):
        page = self.clients.list_clients(actor, tab=tab, query=query, cursor=cursor, limit=20)
        return [card.id for card in page.items], page.next_cursor

    def card(self, actor, client_id: int):
        return self._card.get_client(actor, client_id)

    def get_dashboard(self, admin):
        return self.dashboard.get_dashboard(admin)

    def export(self, actor, tab: str, query: str = "") -> int:
        """Lines of the file, counted piece by piece as it streams (never held whole)."""
        lines = 0
        for piece in self.exports.export_clients_csv(actor, tab, query):
            lines += piece.count(b"\r\n")
        return lines

    def backfill(self) -> int:
        """What picks up new users now (the background job, every few seconds; no longer on
        the read path): nothing to insert at rest."""
        from privet_manager_app.domain.clients import sync

        with self.transaction() as session:
            return sync.pick_up_new_users(session)

    def phone_in_use(self, user_id: int, phone: str) -> int:
        with self.transaction() as session:
            return self.profile._phone_in_use(session, user_id, phone)

    @contextlib.contextmanager
    def captured_sql(self):
        """Statements the app sends while the block runs: [(sql, params)]."""
        import sqlalchemy as sa

        seen: list[tuple[str, object]] = []

        def listener(conn, cursor, statement, parameters, context, executemany):
            seen.append((statement, parameters))

        engine = self.get_engine()
        sa.event.listen(engine, "before_cursor_execute", listener)
        try:
            yield seen
        finally:
            sa.event.remove(engine, "before_cursor_execute", listener)


API = "/api/manager"
LOGIN_PATH = f"{API}/auth/login"
LIST_PATH = f"{API}/clients"
CARD_PATH = f"{API}/clients/{{id}}"
DASHBOARD_PATH = f"{API}/admin/dashboard"
EXPORT_PATH = f"{API}/clients/export.csv"

# ---- Targets (issue 11) --------------------------------------------------------------------
TARGET_DOMAIN_P95_MS = 20
TARGET_REST_P95_MS = 30
TARGET_SCALE_RATIO = 2
TARGET_DASHBOARD_MS = 200
TARGET_EXPORT_ROWS_S = 50_000

SURNAME = "Герасимов"  # the 57th most common in the set: ≈ 0.8 % of names
STREET = "Профсоюзная"
NO_HITS = "Шварценеггер"
TAB_STATUS = {
    "new": ("new",),
    "in_work": ("in_progress", "contract_sent", "signed", "awaiting_payment"),
    "processed": ("processed",),
}


@dataclass
class Case:
    name: str
    kind: str  # list | card | dashboard | export
    tab: str = "new"
    query: str = ""
    page: int = 1
    min_rounds: int | None = None


@dataclass
class Sample:
    seconds: list[float] = field(default_factory=list)
    rows: int = 0
    peak_mb: float | None = None


@dataclass
class Target:
    size: int
    url: str
    dsn: str
    data: object
    me: object = None
    admin: object = None
    headers: dict = field(default_factory=dict)
    admin_headers: dict = field(default_factory=dict)
    cursors: dict = field(default_factory=dict)
    ref_cursors: dict = field(default_factory=dict)
    card_ids: list = field(default_factory=list)
    ref_connection: object = None
    seconds_ref_build: float = 0.0


def build_cases(phone7: str) -> list[Case]:
    cases = []
    for tab in ("new", "in_work", "mine", "processed"):
        for page in (1, 2):
            cases.append(Case(f"«{tab}» page {page}", "list", tab, page=page))
    for tab, query, label in (
        ("new", SURNAME, "surname"),
        ("mine", SURNAME, "surname"),
        ("processed", SURNAME, "surname"),
        ("processed", phone7, "7 phone digits"),
        ("new", phone7, "7 phone digits"),
        ("processed", STREET, "street"),
        ("in_work", STREET, "street"),
        # New clients have no address yet: a street common elsewhere, on no row of this tab.
        ("new", STREET, "street (on no new client)"),
        ("new", NO_HITS, "no hits"),
        ("mine", NO_HITS, "no hits"),
        ("processed", NO_HITS, "no hits"),
    ):
        cases.append(Case(f"«{tab}» {label}", "list", tab, query))
    cases.append(Case("card", "card"))
    cases.append(Case("dashboard", "dashboard", min_rounds=2))
    cases.append(Case("export «new»", "export", "new", min_rounds=2))
    return cases


# ---- Reference: the projection on ideal indexes --------------------------------------------

REF_SCHEMA_SQL = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
DROP SCHEMA IF EXISTS ref CASCADE;
CREATE SCHEMA ref;
CREATE TABLE ref.client_search (
    client_id bigint PRIMARY KEY,
    user_id bigint NOT NULL UNIQUE,
    tab varchar(10) NOT NULL,
    status varchar(20) NOT NULL,
    assigned_manager_id integer,
    updated_at timestamptz NOT NULL,
    version integer NOT NULL,
    created_at timestamptz NOT NULL,
    claimed_at timestamptz,
    processed_at timestamptz,
    first_signed_at timestamptz,
    name varchar(255),
    phone varchar(20),
    email varchar(255),
    registration_address varchar(500),
    search_text text NOT NULL,
    phone_digits varchar(20),
    user_updated_at timestamptz NOT NULL
);
INSERT INTO ref.client_search
SELECT c.id, c.user_id,
       CASE WHEN c.status = 'new' THEN 'new' WHEN c.status = 'processed' THEN 'processed'
            ELSE 'in_work' END,
       c.status, c.assigned_manager_id, c.updated_at, c.version, c.created_at, c.claimed_at,
       c.processed_at, s.first_signed_at, u.name, u.phone, u.email, c.registration_address,
       lower(concat_ws(E'\\n', u.name, u.email, c.registration_address)),
       right(nullif(regexp_replace(u.phone, '[^0-9]', '', 'g'), ''), 10),
       u.updated_at
FROM manager_clients c
JOIN users u ON u.id = c.user_id
LEFT JOIN (SELECT client_id, min(signed_at) AS first_signed_at FROM manager_contracts
           WHERE status = 'signed' GROUP BY client_id) s ON s.client_id = c.id;
CREATE INDEX ix_ref_tab_order ON ref.client_search (tab, updated_at DESC, client_id DESC);
CREATE INDEX ix_ref_mine_order ON ref.client_search
    (assigned_manager_id, updated_at DESC, client_id DESC) WHERE tab <> 'processed';
CREATE INDEX ix_ref_text_trgm ON ref.client_search USING gin (search_text gin_trgm_ops);
CREATE INDEX ix_ref_phone_trgm ON ref.client_search USING gin (phone_digits gin_trgm_ops);
CREATE INDEX ix_ref_phone ON ref.client_search (phone_digits);
CREATE INDEX ix_ref_processed_at ON ref.client_search (processed_at) WHERE tab = 'processed';
CREATE INDEX ix_ref_first_signed ON ref.client_search (first_signed_at) INCLUDE (claimed_at)
    WHERE first_signed_at IS NOT NULL;
CREATE INDEX ix_ref_status_manager ON ref.client_search (status, assigned_manager_id);
CREATE INDEX ix_ref_user_updated ON ref.client_search (user_updated_at);
VACUUM ANALYZE ref.client_search;
"""

REF_COLUMNS = """s.client_id, s.user_id, s.name, s.phone, s.email, s.status,
       s.registration_address, s.assigned_manager_id, m.name AS manager_name, s.updated_at,
       s.version"""


def like_pattern(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def ref_list_sql(tab: str, query: str, after: bool) -> tuple[str, list[str]]:
    """The reference list query and the names of its parameters, in order."""
    names = []
    if tab == "mine":
        where = ["s.assigned_manager_id = %(me)s", "s.tab <> 'processed'"]
        names.append("me")
    else:
        where = ["s.tab = %(tab)s"]
        names.append("tab")
    for index, word in enumerate(query.split()):
        digits = re.sub(r"\D", "", word)
        text = f"s.search_text LIKE %(t{index})s"
        names.append(f"t{index}")
        if len(digits) >= 3:
            where.append(f"({text} OR s.phone_digits LIKE %(p{index})s)")
            names.append(f"p{index}")
        else:
            where.append(text)
    if after:
        where.append("(s.updated_at, s.client_id) < (%(after_at)s, %(after_id)s)")
        names += ["after_at", "after_id"]
    sql = (
        f"SELECT {REF_COLUMNS} FROM ref.client_search s "
        "LEFT JOIN manager_users m ON m.id = s.assigned_manager_id "
        f"WHERE {' AND '.join(where)} "
        "ORDER BY s.updated_at DESC, s.client_id DESC LIMIT 21"
    )
    return sql, names


def ref_list_params(target: Target, tab: str, query: str, after=None) -> dict:
    params: dict = {"tab": tab, "me": target.me.id}
    for index, word in enumerate(query.split()):
        params[f"t{index}"] = like_pattern(word)
        digits = re.sub(r"\D", "", word)
        if len(digits) >= 11 and digits[0] in "78":
            digits = digits[-10:]
        params[f"p{index}"] = f"%{digits}%"
    if after:
        params["after_at"], params["after_id"] = after
    return params


def ref_list(connection, target: Target, tab: str, query: str, after=None):
    sql, _ = ref_list_sql(tab, query, after is not None)
    rows = connection.execute(sql, ref_list_params(target, tab, query, after)).fetchall()
    next_after = (rows[19][9], rows[19][0]) if len(rows) > 20 else None
    return rows[:20], next_after


REF_CARD_SQL = (
    f"SELECT {REF_COLUMNS} FROM ref.client_search s "
    "LEFT JOIN manager_users m ON m.id = s.assigned_manager_id WHERE s.client_id = %(id)s",
    "SELECT postcode, region, city, street, house, building, apartment FROM manager_clients "
    "WHERE id = %(id)s",
    "SELECT last_name, first_name, middle_name, birth_date, series_enc, number_enc, "
    "issue_date_enc, division_code_enc, number_masked FROM users_passports "
    "WHERE user_id = %(user_id)s",
    "SELECT d.id, d.category, d.brand, d.model, d.serial_number, p.id, p.file_key, p.thumb_key, "
    "p.width, p.height FROM manager_devices d LEFT JOIN manager_device_photos p "
    "ON p.device_id = d.id WHERE d.client_id = %(id)s ORDER BY d.id, p.id",
    "SELECT id, tariff_snapshot, surcharge, breakdown, applied_at FROM manager_client_tariffs "
    "WHERE client_id = %(id)s ORDER BY applied_at DESC, id DESC LIMIT 1",
    "SELECT id, number, status, surcharge, signed_at, pdf_sha256, paid_at FROM "
    "manager_contracts WHERE client_id = %(id)s ORDER BY id DESC LIMIT 1",
    "SELECT i.number, i.amount, i.due_date, i.status FROM manager_invoices i JOIN "
    "manager_contracts k ON k.id = i.contract_id WHERE k.client_id = %(id)s "
    "ORDER BY i.id DESC LIMIT 1",
)


def ref_card(connection, client_id: int):
    row = connection.execute(REF_CARD_SQL[0], {"id": client_id}).fetchone()
    params = {"id": client_id, "user_id": row[1]}
    return [row] + [connection.execute(sql, params).fetchall() for sql in REF_CARD_SQL[1:]]


# One pass per figure: status × assignee counts give the funnel, the totals and every
# manager's load at once; the days and the median read their own partial indexes.
REF_DASHBOARD_SQL = {
    "status × assignee (funnel, totals, load)": (
        "SELECT status, assigned_manager_id, count(*) FROM ref.client_search "
        "GROUP BY status, assigned_manager_id"
    ),
    "processed per day, 30 days": (
        "SELECT (processed_at AT TIME ZONE 'Europe/Moscow')::date AS day, count(*) "
        "FROM ref.client_search WHERE tab = 'processed' AND processed_at >= %(since)s "
        "GROUP BY day"
    ),
    "median claim→first signature, 30 days": (
        "SELECT count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY "
        "extract(epoch FROM first_signed_at - claimed_at)) FROM ref.client_search "
        "WHERE first_signed_at >= %(since)s AND first_signed_at >= claimed_at"
    ),
    "managers": "SELECT id, name, is_active FROM manager_users",
}
REF_MEDIAN_ALL_TIME_SQL = (
    "SELECT count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY "
    "extract(epoch FROM first_signed_at - claimed_at)) FROM ref.client_search "
    "WHERE first_signed_at IS NOT NULL AND first_signed_at >= claimed_at"
)


def ref_dashboard(connection) -> dict[str, float]:
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
    parts = {}
    for name, sql in REF_DASHBOARD_SQL.items():
        started = time.perf_counter()
        connection.execute(sql, {"since": since}).fetchall()
        parts[name] = time.perf_counter() - started
    return parts


REF_EXPORT_SQL = """
SELECT s.client_id, s.name, s.phone, s.email, s.status, s.registration_address,
       p.number_masked, m.name, s.created_at, s.updated_at
FROM ref.client_search s
LEFT JOIN manager_users m ON m.id = s.assigned_manager_id
LEFT JOIN users_passports p ON p.user_id = s.user_id
WHERE s.tab = %(tab)s
ORDER BY s.updated_at DESC, s.client_id DESC
"""


class _CountingSink:
    """Where the streamed CSV goes: counted, not kept (a response body sent chunk by chunk)."""

    def __init__(self) -> None:
        self.bytes = 0

    def write(self, text: str) -> int:
        self.bytes += len(text.encode("utf-8"))
        return len(text)


def ref_export(connection, tab: str) -> int:
    """One query, a server-side cursor, rows written as they arrive: constant memory."""
    sink = _CountingSink()
    writer = csv.writer(sink, delimiter=";", lineterminator="\r\n")
    rows = 0
    with connection.transaction(), connection.cursor(name="export") as cursor:
        cursor.itersize = 2000
        cursor.execute(REF_EXPORT_SQL, {"tab": tab})
        for row in cursor:
            writer.writerow(["" if value is None else str(value) for value in row])
            rows += 1
    return rows


# ---- Measuring -----------------------------------------------------------------------------


class PeakMemory:
    """Peak RSS growth of this process during a block (Linux: VmHWM reset via clear_refs)."""

    def __enter__(self):
        try:
            Path("/proc/self/clear_refs").write_text("5")
            self.reset = True
        except OSError:
            self.reset = False
        self.before = self._read("VmRSS")
        return self

    def __exit__(self, *exc):
        self.peak_mb = (self._read("VmHWM") - self.before) / 1024 if self.reset else float("nan")

    @staticmethod
    def _read(key: str) -> int:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
        return 0


# ---- Set-up --------------------------------------------------------------------------------


def setup_target(app: App, server, size: int) -> Target:
    import psycopg

    from tests.support import scale_data

    name = f"scale_{size}"
    url = server.create_database(name)
    app.use(url)
    app.prepare_schema()
    dsn = f"host=127.0.0.1 port={server.port} user=postgres dbname={name}"
    print(f"  building {size:,} clients …", flush=True)
    with psycopg.connect(dsn) as connection:
        data = scale_data.build(connection, size)
        started = time.perf_counter()
        for statement in REF_SCHEMA_SQL.split(";\n"):
            if statement.strip():
                connection.execute(statement)
        ref_seconds = time.perf_counter() - started
    total = sum(data.seconds.values())
    steps = ", ".join(f"{name} {seconds:.1f}" for name, seconds in data.seconds.items())
    print(
        f"  built {size:,} in {total:.0f} s ({steps}); reference projection "
        f"{ref_seconds:.1f} s; {data.counts}",
        flush=True,
    )
    target = Target(size=size, url=url, dsn=dsn, data=data, seconds_ref_build=ref_seconds)
    target.me = app.actor(data.me_id, scale_data.manager_email(1))
    target.admin = app.actor(data.admin_id, scale_data.ADMIN_EMAIL, "admin")
    target.ref_connection = psycopg.connect(dsn, autocommit=True, prepare_threshold=None)
    return target


def login(api, email: str) -> dict:
    from tests.support import scale_data

    response = api.post(LOGIN_PATH, json={"email": email, "password": scale_data.MANAGER_PASSWORD})
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def pick_phone7(target: Target) -> str:
    """Seven digits from the middle of a processed client's phone present in every size (the
    first rows are drawn identically whatever the size)."""
    row = target.ref_connection.execute(
        "SELECT phone_digits FROM ref.client_search WHERE tab = 'processed' "
        "AND phone_digits IS NOT NULL AND client_id <= 5000 ORDER BY client_id LIMIT 1"
    ).fetchone()
    return row[0][2:9]


def prepare_cursors(app: App, target: Target, cases: list[Case]) -> None:
    """Page-2 cursors and card ids (each card read once), taken outside the timed calls."""
    app.use(target.url)
    for case in cases:
        if case.kind == "list" and case.page == 2:
            _, cursor = app.list_page(target.me, case.tab, case.query)
            target.cursors[case.name] = cursor
            _, after = ref_list(target.ref_connection, target, case.tab, case.query)
            target.ref_cursors[case.name] = after
    target.card_ids = [
        row[0]
        for row in target.ref_connection.execute(
            "SELECT client_id FROM ref.client_search WHERE tab = 'processed' "
            "ORDER BY hashint8(client_id) LIMIT 50"
        )
    ]
    # Every case but the card reads the same rows each round; the card a different client.
    # Read once here, each card is as warm as the lists are: otherwise the variant measured
    # first in a round (the domain) paid every cold read for the other two.
    for client_id in target.card_ids:
        app.card(target.me, client_id)


# ---- One measurement of one case -----------------------------------------------------------


def run_domain(app: App, target: Target, case: Case, round_no: int) -> tuple[float, int, float]:
    app.use(target.url)
    peak = None
    if case.kind == "list":
        cursor = target.cursors.get(case.name) if case.page == 2 else None
        (ids, _), seconds = timed(app.list_page, target.me, case.tab, case.query, cursor)
        rows = len(ids)
    elif case.kind == "card":
        client_id = target.card_ids[round_no % len(target.card_ids)]
        _, seconds = timed(app.card, target.me, client_id)
        rows = 1
    elif case.kind == "dashboard":
        _, seconds = timed(app.get_dashboard, target.admin)
        rows = 1
    else:
        with PeakMemory() as memory:
            lines, seconds = timed(app.export, target.me, case.tab, case.query)
        peak = memory.peak_mb
        rows = lines - 1
    return seconds, rows, peak


def run_rest(api, target: Target, case: Case, round_no: int) -> tuple[float, int, float]:
    peak = None
    if case.kind == "list":
        params = {"tab": case.tab, "q": case.query, "limit": 20}
        if case.page == 2:
            params["cursor"] = target.cursors.get(case.name)
        response, seconds = timed(lambda: api.get(LIST_PATH, params=params, headers=target.headers))
        rows = len(response.json()["items"]) if response.status_code == 200 else 0
    elif case.kind == "card":
        client_id = target.card_ids[round_no % len(target.card_ids)]
        response, seconds = timed(
            lambda: api.get(CARD_PATH.format(id=client_id), headers=target.headers)
        )
        rows = 1
    elif case.kind == "dashboard":
        response, seconds = timed(lambda: api.get(DASHBOARD_PATH, headers=target.admin_headers))
        rows = 1
    else:
        with PeakMemory() as memory:
            response, seconds = timed(
                lambda: api.get(
                    EXPORT_PATH, params={"tab": case.tab, "q": case.query}, headers=target.headers
                )
            )
        peak = memory.peak_mb
        rows = response.content.count(b"\r\n") - 1
    if response.status_code != 200:
        raise RuntimeError(f"{case.name}: HTTP {response.status_code} {response.text[:300]}")
    return seconds, rows, peak


def run_reference(target: Target, case: Case, round_no: int) -> tuple[float, int, float]:
    connection = target.ref_connection
    peak = None
    if case.kind == "list":
        after = target.ref_cursors.get(case.name) if case.page == 2 else None
        (rows, _), seconds = timed(ref_list, connection, target, case.tab, case.query, after)
        count = len(rows)
    elif case.kind == "card":
        client_id = target.card_ids[round_no % len(target.card_ids)]
        _, seconds = timed(ref_card, connection, client_id)
        count = 1
    elif case.kind == "dashboard":
        _, seconds = timed(ref_dashboard, connection)
        count = 1
    else:
        with PeakMemory() as memory:
            count, seconds = timed(ref_export, connection, case.tab)
        peak = memory.peak_mb
    return seconds, count, peak


# ---- The run -------------------------------------------------------------------------------


def measure(app, api, targets, cases, args) -> dict:
    results: dict = {}
    spent: dict = {}
    variants = ["domain"] + (["rest"] if api else []) + ["ref"]
    active = list(cases)
    for round_no in range(args.max_rounds):
        if not active:
            break
        started = time.perf_counter()
        for case in list(active):
            for variant in variants:
                for target in targets:
                    key = (case.name, variant, target.size)
                    if variant == "domain":
                        seconds, rows, peak = run_domain(app, target, case, round_no)
                    elif variant == "rest":
                        app.use(target.url)
                        seconds, rows, peak = run_rest(api, target, case, round_no)
                    else:
                        seconds, rows, peak = run_reference(target, case, round_no)
                    sample = results.setdefault(key, Sample())
                    sample.seconds.append(seconds)
                    sample.rows = rows
                    if peak is not None:
                        sample.peak_mb = max(sample.peak_mb or 0.0, peak)
                    spent[key] = spent.get(key, 0.0) + seconds
            needed = case.min_rounds or args.min_rounds
            done = round_no + 1 >= needed and any(
                spent[(case.name, variant, target.size)] >= args.budget
                for variant in variants
                for target in targets
            )
            if done or round_no + 1 >= args.max_rounds:
                active.remove(case)
        print(
            f"  round {round_no + 1}: {time.perf_counter() - started:.0f} s, "
            f"{len(active)} cases still rotating; {load_level()}",
            flush=True,
        )
    return results


def fmt_ms(value: float) -> str:
    if value >= 10_000:
        return f"{value / 1000:.1f} s"
    if value >= 1000:
        return f"{value / 1000:.2f} s"
    if value >= 10:
        return f"{value:.0f} ms"
    return f"{value:.1f} ms"


def fmt_ratio(value: float) -> str:
    if value >= 100:
        return f"×{value:,.0f}"
    if value >= 10:
        return f"×{value:.0f}"
    return f"×{value:.1f}"


def print_tables(results: dict, cases: list[Case], sizes: list[int], variants: list[str]) -> dict:
    big, small = max(sizes), min(sizes)
    label_big, label_small = human(big), human(small)
    table: dict = {}
    for variant in variants:
        if variant == "ref":
            continue
        title = "domain call" if variant == "domain" else "REST (TestClient, in process)"
        print()
        print(f"### {title}")
        print()
        print(
            f"| case | {label_big} p50 | {label_big} p95 | {label_small} p50 | {label_small} p95 "
            f"| {label_big}/{label_small} | ref {label_big} p50 | ÷ reference | n |"
        )
        print("|---|---|---|---|---|---|---|---|---|")
        for case in cases:
            got_big = results.get((case.name, variant, big))
            got_small = results.get((case.name, variant, small))
            ref_big = results.get((case.name, "ref", big))
            if not got_big or not got_small:
                continue
            sb, ss, sr = summary(got_big.seconds), summary(got_small.seconds), None
            if ref_big:
                sr = summary(ref_big.seconds)
            scale = sb["p50_ms"] / ss["p50_ms"] if ss["p50_ms"] else float("nan")
            vs_ref = sb["p50_ms"] / sr["p50_ms"] if sr and sr["p50_ms"] else float("nan")
            row = {
                "case": case.name,
                "variant": variant,
                big: sb,
                small: ss,
                "ratio_scale": round(scale, 2),
                "ref": sr,
                "ratio_ref": round(vs_ref, 1),
                "rows": got_big.rows,
            }
            extra = ""
            if case.kind == "export":
                rate_big = got_big.rows / statistics.median(got_big.seconds)
                rate_small = got_small.rows / statistics.median(got_small.seconds)
                rate_ref = ref_big.rows / statistics.median(ref_big.seconds) if ref_big else 0
                row.update(
                    rows_per_s={big: round(rate_big), small: round(rate_small)},
                    rows={big: got_big.rows, small: got_small.rows},
                    peak_mb={big: got_big.peak_mb, small: got_small.peak_mb},
                    ref_rows_per_s=round(rate_ref),
                    ref_rows=ref_big.rows if ref_big else None,
                    ref_peak_mb=ref_big.peak_mb if ref_big else None,
                )
                extra = (
                    f" — {got_big.rows:,} rows at {rate_big:,.0f} rows/s "
                    f"(peak +{got_big.peak_mb:.0f} MB)"
                    f" / {got_small.rows:,} rows at {rate_small:,.0f} rows/s "
                    f"(+{got_small.peak_mb:.0f} MB); reference {ref_big.rows:,} rows at "
                    f"{rate_ref:,.0f} rows/s (+{ref_big.peak_mb:.0f} MB)"
                )
            print(
                f"| {case.name}{extra} | {fmt_ms(sb['p50_ms'])} | {fmt_ms(sb['p95_ms'])} | "
                f"{fmt_ms(ss['p50_ms'])} | {fmt_ms(ss['p95_ms'])} | {fmt_ratio(scale)} | "
                f"{fmt_ms(sr['p50_ms']) if sr else '—'} | {fmt_ratio(vs_ref) if sr else '—'} | "
                f"{sb['n']}/{ss['n']} |"
            )
            table.setdefault(variant, []).append(row)
    print()
    print("### reference SQL (ideal indexes, prepare_threshold=None)")
    print()
    print(
        f"| case | {label_big} p50 | {label_big} p95 | {label_small} p50 "
        f"| {label_big}/{label_small} |"
    )
    print("|---|---|---|---|---|")
    for case in cases:
        ref_big = results.get((case.name, "ref", big))
        ref_small = results.get((case.name, "ref", small))
        if not ref_big or not ref_small:
            continue
        sb, ss = summary(ref_big.seconds), summary(ref_small.seconds)
        print(
            f"| {case.name} | {fmt_ms(sb['p50_ms'])} | {fmt_ms(sb['p95_ms'])} | "
            f"{fmt_ms(ss['p50_ms'])} | {fmt_ratio(sb['p50_ms'] / ss['p50_ms'])} |"
        )
        table.setdefault("ref", []).append({"case": case.name, big: sb, small: ss})
    return table


def human(size: int) -> str:
    if size >= 1_000_000 and size % 1_000_000 == 0:
        return f"{size // 1_000_000}M"
    if size >= 1000 and size % 1000 == 0:
        return f"{size // 1000}k"
    return str(size)


# ---- Plans: the generic-plan effect and EXPLAIN ANALYZE ------------------------------------

_NAMED = re.compile(r"%\((\w+)\)s")


def to_dollar(sql: str, params: dict) -> tuple[str, list]:
    """psycopg's %(name)s → $n for PREPARE; the values in $n order."""
    order: list[str] = []

    def replace(match):
        name = match.group(1)
        if name not in order:
            order.append(name)
        return f"${order.index(name) + 1}"

    return _NAMED.sub(replace, sql).replace("%%", "%"), [params[name] for name in order]


def _sql_type(value) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "bigint"
    if isinstance(value, dt.datetime):
        return "timestamptz"
    return "text"


def explain(connection, sql: str, params: dict, mode: str) -> tuple[float, str]:
    """EXPLAIN ANALYZE of the statement prepared server-side under a plan_cache_mode (what a
    psycopg auto-prepared statement gets once PostgreSQL settles on a generic plan)."""
    from psycopg import sql as psql

    text, values = to_dollar(sql, params)
    types = ", ".join(_sql_type(value) for value in values)
    connection.execute("DEALLOCATE ALL")
    connection.execute(f"SET plan_cache_mode = {mode}")
    try:
        header = f"PREPARE bench_q ({types}) AS " if values else "PREPARE bench_q AS "
        connection.execute(psql.SQL(header) + psql.SQL(text))
        arguments = psql.SQL(", ").join(psql.Literal(value) for value in values)
        execute = (
            psql.SQL("EXECUTE bench_q ({})").format(arguments)
            if values
            else psql.SQL("EXECUTE bench_q")
        )
        plan = connection.execute(psql.SQL("EXPLAIN (ANALYZE, BUFFERS) ") + execute).fetchall()
    finally:
        connection.execute("DEALLOCATE ALL")
        connection.execute("RESET plan_cache_mode")
    lines = [row[0] for row in plan]
    total = next(
        (
            float(line.split("Execution Time:")[1].split()[0])
            for line in lines
            if "Execution Time" in line
        ),
        float("nan"),
    )
    return total, "\n".join(lines)


def plan_shape(plan: str) -> str:
    """The plan's nodes and indexes in one line: enough to see whether two plans differ."""
    nodes = []
    for line in plan.splitlines():
        stripped = line.strip().removeprefix("->").strip()
        if "  (cost=" not in stripped:
            continue
        head = stripped.split("  (cost=")[0]
        node = re.split(r" using | on ", head)[0]
        index = re.search(r" using (\S+)", head)
        nodes.append(f"{node} {index.group(1)}" if index else node)
    return " → ".join(nodes[:7])


def domain_statement(app: App, target: Target, tab: str, query: str):
    """The SELECT the domain sends for a list page, as psycopg receives it."""
    app.use(target.url)
    with app.captured_sql() as seen:
        app.list_page(target.me, tab, query)
    for sql, params in reversed(seen):
        if sql.lstrip().upper().startswith("SELECT") and "ORDER BY" in sql:
            return sql, dict(params)
    raise RuntimeError("list statement not captured")


def generic_plan_effect(app: App, target: Target, repeats: int, out: list[str]) -> dict:
    import psycopg

    print()
    print(
        f"### generic-plan effect at {human(target.size)}: the same search {repeats}× on one "
        "connection"
    )
    print()
    result: dict = {}
    cases = (("mine", SURNAME), ("processed", SURNAME), ("new", NO_HITS))
    print("| search | run 1–5 p50 | run 6–10 p50 | run 11–20 p50 | worst | per run (ms) |")
    print("|---|---|---|---|---|---|")
    for tab, query in cases:
        runs = {}
        app.use(target.url)
        runs["domain (today: psycopg prepares after 5)"] = [
            timed(app.list_page, target.me, tab, query)[1] for _ in range(repeats)
        ]
        sql, _ = ref_list_sql(tab, query, False)
        params = ref_list_params(target, tab, query)
        for label, threshold in (
            ("reference, prepare_threshold=5 (default)", 5),
            ("reference, prepare_threshold=None", None),
        ):
            with psycopg.connect(target.dsn, autocommit=True, prepare_threshold=threshold) as c:
                runs[label] = [
                    timed(lambda c=c, sql=sql, params=params: c.execute(sql, params).fetchall())[1]
                    for _ in range(repeats)
                ]
        for label, values in runs.items():
            ms = [v * 1000 for v in values]
            groups = [ms[:5], ms[5:10], ms[10:]]
            p50s = [fmt_ms(statistics.median(group)) if group else "—" for group in groups]
            print(
                f"| «{tab}» {query}: {label} | {p50s[0]} | {p50s[1]} | {p50s[2]} | "
                f"{fmt_ms(max(ms))} | {' '.join(f'{v:.0f}' for v in ms)} |"
            )
            result[f"{tab} {query}: {label}"] = [round(v, 2) for v in ms]

    print()
    print(f"### EXPLAIN ANALYZE at {human(target.size)}: custom vs generic plan")
    print()
    print("| statement | custom ms | custom plan | generic ms | generic plan |")
    print("|---|---|---|---|---|")
    statements = []
    for tab, query in (("mine", SURNAME), ("processed", SURNAME), ("new", NO_HITS)):
        sql, params = domain_statement(app, target, tab, query)
        statements.append((f"today «{tab}» {query}", sql, params))
    phone = target.cursors.get("__phone7", "")
    for tab, query in (
        ("mine", SURNAME),
        ("new", SURNAME),
        ("processed", SURNAME),
        ("processed", "Иванов"),
        ("processed", phone),
        ("processed", STREET),
        ("new", NO_HITS),
        ("processed", NO_HITS),
        ("new", ""),
    ):
        sql, _ = ref_list_sql(tab, query, False)
        statements.append(
            (f"ref «{tab}» {query or '(no search)'}", sql, ref_list_params(target, tab, query))
        )
    # No auto-prepare on this connection: EXPLAIN uses its own PREPARE / DEALLOCATE.
    with psycopg.connect(target.dsn, autocommit=True, prepare_threshold=None) as connection:
        for label, sql, params in statements:
            custom_ms, custom_plan = explain(connection, sql, params, "force_custom_plan")
            generic_ms, generic_plan = explain(connection, sql, params, "force_generic_plan")
            print(
                f"| {label} | {custom_ms:.1f} | {plan_shape(custom_plan)} | {generic_ms:.1f} | "
                f"{plan_shape(generic_plan)} |"
            )
            out.append(f"==== {label}: custom plan\n{custom_plan}\n")
            out.append(f"==== {label}: generic plan\n{generic_plan}\n")
            result[f"explain {label}"] = {"custom_ms": custom_ms, "generic_ms": generic_ms}
    return result


WINDOW = 2000


def ref_two_phase(connection, target: Target, tab: str, query: str):
    """A search whose cost does not hang on the planner's guess of how common a word is:
    (1) the newest WINDOW rows of the tab in keyset order (a LIMIT subquery: the filter cannot
    be pushed into it), filtered — enough for any word in ≥ 1 % of rows; (2) only if that found
    less than a page: the tab's matches through the trigram index (a MATERIALIZED CTE with no
    order to exploit, so a bitmap scan is the plan), then sorted. Narrow rows in both phases;
    the page's display columns are read by primary key at the end."""
    sql, _ = ref_list_sql(tab, query, False)
    params = ref_list_params(target, tab, query)
    where = sql.split(" WHERE ", 1)[1].split(" ORDER BY ")[0]
    parts = where.split(" AND ", 2 if tab == "mine" else 1)
    scope, condition = " AND ".join(parts[:-1]), parts[-1]
    narrow = "s.client_id, s.updated_at, s.search_text, s.phone_digits"
    page = (
        f"SELECT {REF_COLUMNS} FROM ref.client_search s LEFT JOIN manager_users m "
        "ON m.id = s.assigned_manager_id WHERE s.client_id = ANY(%(ids)s) "
        "ORDER BY s.updated_at DESC, s.client_id DESC"
    )
    phase_one = (
        f"SELECT s.client_id FROM (SELECT {narrow} FROM ref.client_search s WHERE {scope} "
        f"ORDER BY s.updated_at DESC, s.client_id DESC LIMIT {WINDOW}) s WHERE {condition} "
        "ORDER BY s.updated_at DESC, s.client_id DESC LIMIT 21"
    )
    ids = [row[0] for row in connection.execute(phase_one, params)]
    phase = 1
    if len(ids) <= 20:
        phase = 2
        phase_two = (
            f"WITH hits AS MATERIALIZED (SELECT s.client_id, s.updated_at FROM "
            f"ref.client_search s WHERE {scope} AND {condition}) "
            "SELECT client_id FROM hits s ORDER BY s.updated_at DESC, s.client_id DESC LIMIT 21"
        )
        ids = [row[0] for row in connection.execute(phase_two, params)]
    return connection.execute(page, {"ids": ids}).fetchall(), phase


def diagnostics(app: App, target: Target, out: list[str]) -> dict:
    """Figures behind the phase-2 design choices, at one size."""
    import psycopg

    print()
    print(f"### diagnostics at {human(target.size)}")
    print()
    found: dict = {}
    app.use(target.url)
    samples = [timed(app.backfill)[1] for _ in range(3)]
    found["backfill_nothing_to_insert_ms"] = round(statistics.median(samples) * 1000, 1)
    print(
        f"- new-user pick-up with nothing to insert (background job; was the read path's "
        f"backfill on every «Новые» request): "
        f"{fmt_ms(found['backfill_nothing_to_insert_ms'])}"
    )
    with psycopg.connect(target.dsn, autocommit=True, prepare_threshold=None) as connection:
        user_id, digits = connection.execute(
            "SELECT user_id, phone_digits FROM ref.client_search WHERE phone_digits IS NOT NULL "
            "ORDER BY client_id LIMIT 1"
        ).fetchone()
        samples = [timed(app.phone_in_use, user_id, "+7" + digits)[1] for _ in range(3)]
        found["duplicate_phone_today_ms"] = round(statistics.median(samples) * 1000, 1)
        lookup = (
            "SELECT count(*) FROM ref.client_search WHERE phone_digits = %(d)s AND user_id <> %(u)s"
        )
        samples = [
            timed(lambda: connection.execute(lookup, {"d": digits, "u": user_id}).fetchone())[1]
            for _ in range(20)
        ]
        found["duplicate_phone_projection_ms"] = round(statistics.median(samples) * 1000, 2)
        _, plan = explain(connection, lookup, {"d": digits, "u": user_id}, "force_generic_plan")
        out.append(f"==== duplicate phone via projection (generic plan)\n{plan}\n")
        print(
            f"- duplicate-phone check in step 1: today {fmt_ms(found['duplicate_phone_today_ms'])}"
            f" (regexp_replace over all users); projection btree "
            f"{fmt_ms(found['duplicate_phone_projection_ms'])} ({plan_shape(plan)})"
        )
        found["projection_build_s"] = round(target.seconds_ref_build, 1)
        size = connection.execute(
            "SELECT pg_size_pretty(pg_total_relation_size('ref.client_search')), "
            "pg_size_pretty(pg_relation_size('ref.client_search'))"
        ).fetchone()
        print(
            f"- projection built from users + manager_clients + contracts with all indexes: "
            f"{target.seconds_ref_build:.1f} s; size {size[0]} (table {size[1]})"
        )
        parts = {}
        for _ in range(3):
            for name, seconds in ref_dashboard(connection).items():
                parts.setdefault(name, []).append(seconds)
        for name, values in parts.items():
            print(
                f"- reference dashboard part «{name}»: {fmt_ms(statistics.median(values) * 1000)}"
            )
        found["ref_dashboard_parts_ms"] = {
            name: round(statistics.median(values) * 1000, 1) for name, values in parts.items()
        }
        all_time = [
            timed(lambda: connection.execute(REF_MEDIAN_ALL_TIME_SQL).fetchone())[1]
            for _ in range(3)
        ]
        found["ref_median_all_time_ms"] = round(statistics.median(all_time) * 1000, 1)
        print(
            f"- median claim→first signature over ALL time from the stored column: "
            f"{fmt_ms(found['ref_median_all_time_ms'])}"
        )
        since = dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
        for name, sql in REF_DASHBOARD_SQL.items():
            _, plan = explain(connection, sql, {"since": since}, "force_custom_plan")
            out.append(f"==== reference dashboard: {name}\n{plan}\n")
        # How stale may the projection get? Rows the client app changed since a watermark.
        watermark = connection.execute(
            "SELECT max(user_updated_at) - interval '60 seconds' FROM ref.client_search"
        ).fetchone()[0]
        sync = (
            "SELECT u.id FROM users u WHERE u.updated_at > %(w)s ORDER BY u.updated_at, u.id "
            "LIMIT 1000"
        )
        samples = [
            timed(lambda: connection.execute(sync, {"w": watermark}).fetchall())[1]
            for _ in range(5)
        ]
        found["sync_scan_users_by_updated_at_ms"] = round(statistics.median(samples) * 1000, 1)
        _, plan = explain(connection, sync, {"w": watermark}, "force_custom_plan")
        out.append(f"==== sync: users changed since the watermark (no index on users)\n{plan}\n")
        print(
            f"- sync pick-up of users changed in the last 60 s by `users.updated_at` (no index "
            f"there — it is not our table): {fmt_ms(found['sync_scan_users_by_updated_at_ms'])} "
            f"({plan_shape(plan)})"
        )
        two_phase = {}
        for tab, query in (
            ("new", SURNAME),
            ("mine", SURNAME),
            ("processed", SURNAME),
            ("processed", STREET),
            ("in_work", STREET),
            ("processed", target.cursors.get("__phone7", "")),
            ("new", NO_HITS),
            ("processed", NO_HITS),
            ("processed", "Иванов"),
        ):
            runs = [timed(ref_two_phase, connection, target, tab, query) for _ in range(7)]
            single, _ = ref_list_sql(tab, query, False)
            params = ref_list_params(target, tab, query)
            plain = [
                timed(lambda q=single, p=params: connection.execute(q, p).fetchall())[1]
                for _ in range(7)
            ]
            two_phase[f"«{tab}» {query}"] = {
                "two_phase_p50_ms": round(statistics.median(r[1] for r in runs) * 1000, 1),
                "two_phase_max_ms": round(max(r[1] for r in runs) * 1000, 1),
                "phase": runs[0][0][1],
                "single_query_p50_ms": round(statistics.median(plain) * 1000, 1),
                "same_rows": [row[0] for row in runs[0][0][0][:20]]
                == [row[0] for row in connection.execute(single, params).fetchall()[:20]],
            }
        found["two_phase_search"] = two_phase
        print(f"- two-phase search (newest {WINDOW:,} of the tab, then the trigram index alone):")
        for name, got in two_phase.items():
            print(
                f"    {name}: {fmt_ms(got['two_phase_p50_ms'])} p50, max "
                f"{fmt_ms(got['two_phase_max_ms'])} (phase {got['phase']}, same rows: "
                f"{got['same_rows']}) vs one query {fmt_ms(got['single_query_p50_ms'])}"
            )
        # Without pg_trgm (a shared database that allows no extensions) the same projection
        # is searched by walking the per-tab keyset index with the LIKE as a filter: what the
        # planner does here once bitmap scans (the only way to use a GIN index) are off.
        connection.execute("SET enable_bitmapscan = off")
        fallback = {}
        for tab, query in (
            ("processed", NO_HITS),
            ("new", NO_HITS),
            ("mine", NO_HITS),
            ("processed", SURNAME),
            ("processed", target.cursors.get("__phone7", "")),
        ):
            sql, _ = ref_list_sql(tab, query, False)
            params = ref_list_params(target, tab, query)
            samples = [
                timed(lambda sql=sql, params=params: connection.execute(sql, params).fetchall())[1]
                for _ in range(3)
            ]
            fallback[f"«{tab}» {query}"] = round(statistics.median(samples) * 1000, 1)
        connection.execute("RESET enable_bitmapscan")
        found["fallback_without_trgm_ms"] = fallback
        print(
            "- fallback without pg_trgm (LIKE as a filter over the projection's keyset index): "
            + "; ".join(f"{name} {fmt_ms(ms)}" for name, ms in fallback.items())
        )
        top = connection.execute("SELECT max(user_id) FROM ref.client_search").fetchone()[0]
        pick_new = "SELECT id FROM users WHERE id > %(top)s ORDER BY id LIMIT 1000"
        samples = [
            timed(lambda: connection.execute(pick_new, {"top": top - 10}).fetchall())[1]
            for _ in range(20)
        ]
        found["pick_new_users_by_id_ms"] = round(statistics.median(samples) * 1000, 2)
        print(
            f"- incremental pick-up of new users by id above the last known (primary key): "
            f"{fmt_ms(found['pick_new_users_by_id_ms'])}"
        )
        # A digest per id slice, compared with the projection's: only differing slices are
        # re-read row by row.
        hashed = (
            "SELECT count(*), md5(string_agg(md5(concat_ws('|', id, name, phone, email, "
            "updated_at)), '' ORDER BY id)) FROM users WHERE id BETWEEN %(lo)s AND %(hi)s"
        )
        samples = [
            timed(lambda: connection.execute(hashed, {"lo": 1, "hi": min(target.size, 50_000)}))[1]
            for _ in range(3)
        ]
        found["reconcile_50k_ms"] = round(statistics.median(samples) * 1000, 1)
        print(
            f"- background reconciliation: hashing a 50,000-id slice of users by primary key: "
            f"{fmt_ms(found['reconcile_50k_ms'])} → a full pass over {human(target.size)} in "
            f"≈ {found['reconcile_50k_ms'] * target.size / 50_000 / 1000:.0f} s of one core"
        )
    return found


# ---- main ----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,1000000", help="comma-separated (default 10k,1M)")
    parser.add_argument("--min-rounds", type=int, default=3)
    parser.add_argument("--max-rounds", type=int, default=30)  # nearest-rank p95 of 12 is the max
    parser.add_argument(
        "--budget", type=float, default=8.0, help="seconds per case at one size before it stops"
    )
    parser.add_argument("--no-rest", action="store_true", help="domain and reference only")
    parser.add_argument("--repeats", type=int, default=20, help="generic-plan repeats (≥ 11)")
    parser.add_argument(
        "--diagnostics-only", action="store_true", help="build, then only the design figures"
    )
    args = parser.parse_args()
    sizes = sorted(int(size) for size in args.sizes.split(","))
    if len(sizes) < 2:
        parser.error("--sizes needs two sizes (small,big)")

    from tests.support.postgres import throwaway_postgres

    started = time.perf_counter()
    print(f"List at scale: sizes {', '.join(human(s) for s in sizes)}; {load_level()}", flush=True)
    with throwaway_postgres() as server:
        os.environ["DATABASE_URL"] = server.url("postgres")
        app = App()
        targets = [setup_target(app, server, size) for size in sizes]
        phone7 = pick_phone7(targets[0])
        cases = build_cases(phone7)
        for target in targets:
            prepare_cursors(app, target, cases)
            target.cursors["__phone7"] = phone7
        api_context = contextlib.nullcontext(None)
        if not args.no_rest:
            from fastapi.testclient import TestClient

            api_context = TestClient(app.create_api(), raise_server_exceptions=True)
        with api_context as api:
            if api:
                from tests.support import scale_data

                for target in targets:
                    app.use(target.url)
                    target.headers = login(api, scale_data.manager_email(1))
                    target.admin_headers = login(api, scale_data.ADMIN_EMAIL)
            print(f"Measuring {len(cases)} cases; {load_level()}", flush=True)
            results = {} if args.diagnostics_only else measure(app, api, targets, cases, args)
        variants = ["domain"] + ([] if args.no_rest else ["rest"]) + ["ref"]
        print()
        print(
            f"## List at scale — PostgreSQL 15 (throwaway), {human(sizes[-1])} vs "
            f"{human(sizes[0])} clients; {platform.python_version()}; {load_level()}"
        )
        print(
            f"search terms: surname «{SURNAME}», 7 digits «{phone7}», street «{STREET}», "
            f"no hits «{NO_HITS}»; «mine» = manager #1 of 50; p95 = nearest rank of n samples"
        )
        table = print_tables(results, cases, sizes, variants)
        plans: list[str] = []
        big = targets[-1]
        plan_result = (
            {} if args.diagnostics_only else generic_plan_effect(app, big, args.repeats, plans)
        )
        found = diagnostics(app, big, plans)
        for target in targets:
            target.ref_connection.close()
        from privet_manager_app.infra.db import dispose_engines

        dispose_engines()

    elapsed = time.perf_counter() - started
    print()
    print(f"Total {elapsed / 60:.1f} min; {load_level()}")
    write_json(
        "list_at_scale.json",
        {
            "sizes": sizes,
            "phone7": phone7,
            "python": platform.python_version(),
            "machine": f"{platform.machine()}, {os.cpu_count()} CPU",
            "build_seconds": {t.size: t.data.seconds for t in targets},
            "counts": {t.size: t.data.counts for t in targets},
            "table": table,
            "plans": plan_result,
            "diagnostics": found,
            "minutes": round(elapsed / 60, 1),
        },
    )
    results_path("list_at_scale_plans.txt").write_text("\n".join(plans))
    return 0


if __name__ == "__main__":
    sys.exit(main())
