"""The client list: tabs, search and keyset paging over the search projection, the tab counts,
and the card row of one client.

Every list, search and count reads `manager_client_search` (projection.py) alone — never
`users`, and nothing is written on the way: new `users` rows reach the projection through the
background sync (sync.py), not through a read.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import json

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from privet_manager_app.domain.clients import projection
from privet_manager_app.domain.clients.projection import (
    MAX_QUERY_LENGTH,
    STORED_TABS,
    Tab,
    bound,
    tab_of,
)
from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.common.errors import NotFound, ValidationFailed
from privet_manager_app.domain.common.rows import CLIENT_NOT_FOUND
from privet_manager_app.domain.inputs import MAX_BIGINT, search_text
from privet_manager_app.domain.views import ClientCard, ClientPage, ManagerRef, View
from privet_manager_app.domain.wizard.phones import display_phone
from privet_manager_app.infra import shared_cache
from privet_manager_app.infra.db import transaction
from privet_manager_app.schema.client_app import ClientUser
from privet_manager_app.schema.enums import STATUS_LABELS, ClientStatus
from privet_manager_app.schema.tables import ManagerClient, ManagerClientSearch, ManagerUser

MAX_PAGE = 100
DEFAULT_PAGE = 20

TAB_LABELS = Tab.labels()
IN_WORK_STATUSES = tuple(status for status in ClientStatus if tab_of(status) is Tab.IN_WORK)
# The counts of «Новые», «В работе», «Обработанные» are shared by every manager and replica
# for this long (one index-only count per tab, ≈ 0.1 s at a million clients); «Мои» is
# counted on every call from the manager's own partial index.
TAB_COUNTS_MAX_AGE = dt.timedelta(seconds=10)

_Assignee = aliased(ManagerUser)
_Search = ManagerClientSearch


def card_query():
    return (
        select(ManagerClient, ClientUser, _Assignee.id, _Assignee.name)
        .join(ClientUser, ClientUser.id == ManagerClient.user_id)
        .outerjoin(_Assignee, _Assignee.id == ManagerClient.assigned_manager_id)
    )


def to_card(row) -> ClientCard:
    """(client, user, manager id, manager name) as `client_query` selects them → a card."""
    client, user, manager_id, manager_name = row
    return _card(client, user, (client.id, user.id), manager_id, manager_name)


def _row_card(row) -> ClientCard:
    """A row of the list's own SELECT (flat columns) → a card."""
    ids = (row.client_id, row.user_id)
    return _card(row, row, ids, row.assigned_manager_id, row.manager_name)


def _card(client, user, ids: tuple[int, int], manager_id, manager_name) -> ClientCard:
    """`client` gives the manager_clients columns (status, address, times, version), `user` the
    client app's (name, phone, e-mail); `ids` are (client id, user id)."""
    client_id, user_id = ids
    return ClientCard(
        id=client_id,
        user_id=user_id,
        name=user.name,
        phone=user.phone,
        phone_display=display_phone(user.phone),
        email=user.email,
        status=client.status,
        status_label=STATUS_LABELS.get(client.status, client.status),
        registration_address=client.registration_address,
        assigned_manager=ManagerRef(id=manager_id, name=manager_name) if manager_id else None,
        created_at=client.created_at,
        updated_at=client.updated_at,
        version=client.version,
    )


def _encode_cursor(updated_at: dt.datetime, client_id: int) -> str:
    raw = json.dumps([updated_at.isoformat(), client_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        stamp, client_id = json.loads(raw)
        updated_at = dt.datetime.fromisoformat(stamp)
        if (
            updated_at.tzinfo is None
            or type(client_id) is not int
            or not 0 < client_id <= MAX_BIGINT
        ):
            raise ValueError
        return updated_at, client_id
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError):
        raise ValidationFailed(
            "invalid_cursor", "Некорректный курсор страницы: обновите список"
        ) from None


def parse_tab(tab: str) -> Tab:
    try:
        return Tab(tab)
    except ValueError:
        raise ValidationFailed(
            "invalid_tab",
            f"Неизвестная вкладка: {', '.join(Tab)}",
            fields={"tab": " | ".join(Tab)},
        ) from None


def parse_query(query: str | None) -> str:
    query = search_text(query)
    if len(query) > MAX_QUERY_LENGTH:
        raise ValidationFailed(
            "query_too_long", f"Поисковый запрос длиннее {MAX_QUERY_LENGTH} символов"
        )
    return query


def _scope_values(actor: Actor, tab: Tab) -> dict:
    return {"manager_id": actor.id} if tab is Tab.MINE else {"tab": tab.value}


def _tab_condition(actor: Actor, tab: Tab) -> sa.ColumnElement:
    return _scope_condition(tab is Tab.MINE, False, _scope_values(actor, tab))


def view_condition(actor: Actor, tab: str, query: str) -> sa.ColumnElement:
    """Which clients a tab + search shows (the list, its export and its count alike)."""
    tab = parse_tab(tab)
    query = parse_query(query)
    condition = _tab_condition(actor, tab)
    return sa.and_(condition, projection.search_condition(query)) if query else condition


# Newest first; the projection's (tab, updated_at, client_id) index read backwards.
VIEW_ORDER = (_Search.updated_at.desc(), _Search.client_id.desc())


def view_rows(condition, rows=_Search) -> sa.Select:
    """A list row per client: the projection (or `rows`, a subquery of it) and the assignee's
    name, nothing from `users`."""
    return (
        sa.select(
            rows.client_id,
            rows.user_id,
            rows.name,
            rows.phone,
            rows.email,
            rows.status,
            rows.registration_address,
            rows.assigned_manager_id,
            _Assignee.name.label("manager_name"),
            rows.created_at,
            rows.updated_at,
            rows.version,
        )
        .outerjoin(_Assignee, _Assignee.id == rows.assigned_manager_id)
        .where(condition)
        .order_by(rows.updated_at.desc(), rows.client_id.desc())
    )


# How a search page is found (`_page_rows`): FIRST_WINDOW of the tab's newest rows (after the
# cursor), read in list order, hold the page of a very common term; a term they showed
# COMMON_SEEN times or more is looked for next in as many newest rows as should hold its page
# twice over, at that rate; a stored tab's trigram index is asked for at most RARE_MATCHES
# matches — fewer means they are all, sorted in full; past that the term is common, and
# SEARCH_WINDOW newest rows hold its page. At a million clients each step is a few ms
# (bench/list_at_scale.py); a window is read from the index alone (migration 0009).
FIRST_WINDOW = 800
COMMON_SEEN = 3
RARE_MATCHES = 2000
SEARCH_WINDOW = 10_000


def _sized_window(seen: int, limit: int) -> int:
    """Newest rows that should hold `limit` matches twice over, at the rate the first window
    showed (`seen` in FIRST_WINDOW): at least twice the first window, at most SEARCH_WINDOW."""
    wanted = -(-2 * limit * FIRST_WINDOW // seen)
    return min(SEARCH_WINDOW, max(2 * FIRST_WINDOW, wanted))


# ---- The page's statements: built once per shape, run with the values ---------------------
#
# A search page takes up to five statements, each assembled from a dozen SQLAlchemy constructs
# — a few ms of Python per call, as much as the database spends at a million clients. Each is
# built once per shape (the scope: «Мои» or a tab, after a cursor or not; the search: how many
# phone fragments each term has) with bound parameters, and run with this call's values.

_INT = sa.Integer()


def _scope_condition(mine: bool, after: bool, values: dict | None = None) -> sa.ColumnElement:
    """The rows of the page's scope: parameters `manager_id` or `tab`, `after_at` + `after_id`
    (from `values`, or given when the statement runs)."""
    if mine:
        # The partial index of «Мои» carries exactly this condition.
        condition = sa.and_(
            _Search.assigned_manager_id == bound("manager_id", values),
            _Search.tab != Tab.PROCESSED.value,
        )
    else:
        condition = _Search.tab == bound("tab", values)
    if after:
        cursor = sa.tuple_(
            bound("after_at", values, _Search.updated_at.type),
            bound("after_id", values, sa.BigInteger()),
        )
        condition = sa.and_(condition, sa.tuple_(_Search.updated_at, _Search.client_id) < cursor)
    return condition


@functools.lru_cache(maxsize=256)
def _scan_page(mine: bool, after: bool, search: tuple[int, ...]) -> sa.Select:
    """The page as one query over the whole scope (`limit`): a page without a search, SQLite,
    and the last step of a search, as the planner sees fit."""
    condition = sa.and_(_scope_condition(mine, after), projection.search_condition_of(search))
    return view_rows(condition).limit(sa.bindparam("limit", type_=_INT))


@functools.lru_cache(maxsize=256)
def _rare_term_page(mine: bool, after: bool, search: tuple[int, ...]) -> sa.Select:
    """All of the scope's matches, at most `rare_matches` (materialized first, so they come
    from the tab's own trigram index, migration 0008, whatever the planner guesses of the
    term's frequency over all tabs), sorted, the page (`limit`) taken, with their count."""
    matches = (
        sa.select(_Search)
        .where(_scope_condition(mine, after), projection.search_condition_of(search))
        .limit(sa.bindparam("rare_matches", type_=_INT))
        .cte("matches")
        .prefix_with("MATERIALIZED")
    )
    found = aliased(_Search, matches)
    total = sa.func.count().over().label("total")
    return view_rows(sa.true(), found).add_columns(total).limit(sa.bindparam("limit", type_=_INT))


@functools.lru_cache(maxsize=256)
def _newest_rows_page(mine: bool, after: bool, search: tuple[int, ...]) -> sa.Select:
    """The matches among the scope's `window_rows` newest rows (at most `picked`). A
    subquery with its own LIMIT, which PostgreSQL cannot fold into the outer query: always the
    same walk of the tab's (updated_at, client_id) index, and only of the index — it includes
    what the search compares (migration 0009); the table is read for the rows shown. Its last
    row comes back too, matching or not, to tell a full window from the end of the tab."""
    window_rows = sa.bindparam("window_rows", type_=_INT)
    position = sa.func.row_number().over(order_by=VIEW_ORDER).label("position")
    window = (
        sa.select(_Search.client_id, projection.search_condition_of(search).label("hit"), position)
        .where(_scope_condition(mine, after))
        .order_by(*VIEW_ORDER)
        .limit(window_rows)
        .subquery()
    )
    last = window.c.position == window_rows
    # At most `picked` of them, said before the join: the table is probed for those alone.
    picked = (
        sa.select(window.c.client_id, window.c.hit, last.label("last"))
        .where(sa.or_(window.c.hit, last))
        .order_by(window.c.position)
        .limit(sa.bindparam("picked", type_=_INT))
        .subquery()
    )
    return (
        view_rows(sa.true())
        .join(picked, picked.c.client_id == _Search.client_id)
        .add_columns(picked.c.hit, picked.c.last)
    )


def _window_rows(
    session: Session, shape, values: dict, window_rows: int
) -> tuple[list | None, int]:
    """(The page out of the scope's `window_rows` newest rows if they hold it, or are the whole
    rest of the scope — None otherwise; how many of them matched)."""
    limit = values["limit"]
    rows = session.execute(
        _newest_rows_page(*shape), {**values, "window_rows": window_rows, "picked": limit + 1}
    ).all()
    hits = [row for row in rows if row.hit][:limit]
    if len(hits) == limit or not any(row.last for row in rows):
        return hits, len(hits)
    return None, len(hits)


def _rare_rows(session: Session, shape, values: dict) -> list | None:
    """Every match of the scope, sorted, the page taken — None when there are RARE_MATCHES
    or more."""
    rows = session.execute(_rare_term_page(*shape), {**values, "rare_matches": RARE_MATCHES}).all()
    if rows and rows[0].total >= RARE_MATCHES:
        return None
    return rows


def _page_rows(
    session: Session,
    actor: Actor,
    tab: Tab,
    after: tuple[dt.datetime, int] | None,
    query: str,
    limit: int,
) -> list:
    """A page of the tab (after the cursor `after`), exactly the one the full condition gives,
    by the cheapest way that is sure to find it. A search:

    1. a very common term (a frequent surname): the tab's newest FIRST_WINDOW rows hold it;
    2. a rare term (a stored tab): all its matches from the tab's own trigram index, sorted —
       whatever the planner would guess of the term's frequency over all tabs (a street on
       14,000 processed clients and on no new one);
    3. a common term (a surname, a street): the tab's newest SEARCH_WINDOW rows hold it — the
       trigram index would fetch and sort every match, tens of thousands at a million;
    4. otherwise: the whole tab, as the planner sees fit.
    When the first window already held COMMON_SEEN matches (a term on ≥ 0.4 % of the newest
    rows, thousands of matches in a big tab), a window sized by that rate goes first, then 3,
    then 2. «Мои» starts with 3, then 4: the manager's partial index holds few rows (a few
    thousand at a million clients). Every step answers only when it is sure (a whole page, the
    whole rest of the tab, or every match): the tests compare page after page with one query
    over the whole tab (tests/domain/test_list_search.py).
    """
    mine = tab is Tab.MINE
    search, values = projection.search_values(query)
    values.update(_scope_values(actor, tab), limit=limit)
    if after:
        values.update(after_at=after[0], after_id=after[1])
    shape = (mine, after is not None, search)
    if query and session.get_bind().dialect.name == "postgresql":
        rows = _search_steps(session, shape, values)
        if rows is not None:
            return rows
    return session.execute(_scan_page(*shape), values).all()


def _search_steps(session: Session, shape, values: dict) -> list | None:
    """Steps 1–3 of `_page_rows`: the page, or None when none of them is sure of it."""

    def window(rows: int):
        return lambda: _window_rows(session, shape, values, rows)[0]

    wide = window(SEARCH_WINDOW)
    mine = shape[0]
    if mine:
        # The manager's own clients in work: a few thousand at most — one window holds them.
        steps = (wide,)
    else:
        rows, seen = _window_rows(session, shape, values, FIRST_WINDOW)
        if rows is not None:
            return rows

        def rare():
            return _rare_rows(session, shape, values)

        if seen >= COMMON_SEEN:  # seen often already: too common for «every match»
            sized = _sized_window(seen, values["limit"])
            steps = (window(sized),) if sized < SEARCH_WINDOW else ()
            steps += (wide, rare)
        else:
            steps = (rare, wide)
    for step in steps:
        if (rows := step()) is not None:
            return rows
    return None


def list_clients(
    actor: Actor,
    tab: str = Tab.NEW,
    query: str = "",
    cursor: str | None = None,
    limit: int = DEFAULT_PAGE,
) -> ClientPage:
    tab, query = parse_tab(tab), parse_query(query)
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationFailed("invalid_limit", f"limit должен быть от 1 до {MAX_PAGE}")
    after = _decode_cursor(cursor) if cursor else None
    with transaction() as session:
        rows = _page_rows(session, actor, tab, after, query, limit + 1)
    cards = [_row_card(row) for row in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = cards[-1]
        next_cursor = _encode_cursor(last.updated_at, last.id)
    return ClientPage(items=cards, next_cursor=next_cursor)


def count_view(actor: Actor, tab: str, query: str = "") -> int:
    """How many clients the tab + search shows (what the export will write)."""
    condition = view_condition(actor, tab, query)
    with transaction() as session:
        return session.execute(
            sa.select(sa.func.count()).select_from(_Search).where(condition)
        ).scalar_one()


class TabCounts(View):
    new: int
    in_work: int
    mine: int
    processed: int
    counted_at: dt.datetime  # when the shared tabs were counted (≤ TAB_COUNTS_MAX_AGE ago)


def _count_stored_tabs(session: Session) -> dict[str, int]:
    # One index-only count per tab (the keyset index starts with `tab`).
    return {
        tab.value: session.execute(
            sa.select(sa.func.count()).select_from(_Search).where(_Search.tab == tab.value)
        ).scalar_one()
        for tab in STORED_TABS
    }


def tab_counts(actor: Actor) -> TabCounts:
    """The number on each tab. Cost: a read of one cached row plus the actor's «Мои» count
    (their open clients in the partial index: a few thousand entries at most); once per
    TAB_COUNTS_MAX_AGE one replica recounts the shared tabs."""
    with transaction() as session:
        shared, counted_at = shared_cache.cached(
            session,
            "tab_counts",
            TAB_COUNTS_MAX_AGE,
            _count_stored_tabs,
            accept=lambda value: all(tab.value in value for tab in STORED_TABS),
        )
        mine = session.execute(
            sa.select(sa.func.count()).select_from(_Search).where(_tab_condition(actor, Tab.MINE))
        ).scalar_one()
    return TabCounts(
        new=shared[Tab.NEW.value],
        in_work=shared[Tab.IN_WORK.value],
        mine=mine,
        processed=shared[Tab.PROCESSED.value],
        counted_at=counted_at,
    )


def load_client_and_card(session: Session, client_id: int) -> tuple[ManagerClient, ClientCard]:
    """The client row and its card from one query. Keep the row while the session needs it:
    the session's identity map holds rows weakly, so a later `session.get` of a row nobody
    references any more goes back to the database."""
    row = session.execute(card_query().where(ManagerClient.id == client_id)).first()
    if row is None:
        raise NotFound("client_not_found", CLIENT_NOT_FOUND)
    return row[0], to_card(row)


def load_card(session: Session, client_id: int) -> ClientCard:
    return load_client_and_card(session, client_id)[1]
