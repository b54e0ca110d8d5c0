"""The list's search projection (`manager_client_search`): the one place that writes it and the
one place that says how a search term matches it.

A row holds what a list row shows (name, phone, e-mail from `users`; status, assignee, address,
version from `manager_clients`) plus `search_text` = lower(name ⏎ e-mail ⏎ address) and
`phone_digits` (the phone's last 10 digits). It is written

- inside our own write transactions: `refresh(session, client_ids)` — every use case that
  changes a client ends in `access.mark_changed` (or the claim's conditional UPDATE), which
  calls it; fresh at commit;
- by the background sync for rows the client app inserted or changed (`domain/clients/sync.py`):
  new `users` within seconds, changed ones within `STALENESS_SECONDS`.

Searches are `LIKE '%term%'` on these two columns: PostgreSQL answers them from the pg_trgm GIN
indexes (migration 0006), or — where the extension is not allowed — by walking the tab's keyset
index with the LIKE as a filter; SQLite runs the same LIKE.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlmodel import Session

from privet_manager_app.infra.db import last_ten_digits, upsert
from privet_manager_app.schema.client_app import ClientUser
from privet_manager_app.schema.enums import ClientStatus, Labelled
from privet_manager_app.schema.tables import ManagerClient, ManagerClientSearch

# How old a name, phone or e-mail the client app changed may be in the list (README «Масштаб»):
# the changed-users poll runs every SYNC_CHANGED_EVERY seconds and looks back this far.
STALENESS_SECONDS = 60


class Tab(Labelled):
    """The list's tabs. A client is stored under one of «Новые», «В работе», «Обработанные»
    (`tab_of` its status); «Мои» is the manager's own clients of the first two."""

    NEW = "new", "Новые"
    IN_WORK = "in_work", "В работе"
    MINE = "mine", "Мои"
    PROCESSED = "processed", "Обработанные"


STORED_TABS = (Tab.NEW, Tab.IN_WORK, Tab.PROCESSED)


def tab_of(status: str) -> Tab:
    """«В работе» is every status between the claim and the end: in progress, contract sent,
    signed, awaiting payment."""
    if status == ClientStatus.NEW:
        return Tab.NEW
    if status == ClientStatus.PROCESSED:
        return Tab.PROCESSED
    return Tab.IN_WORK


_TAB = sa.case(
    *(
        (ManagerClient.status == status.value, sa.literal(tab_of(status).value))
        for status in ClientStatus
        if tab_of(status) is not Tab.IN_WORK
    ),
    else_=sa.literal(Tab.IN_WORK.value),
)
_NEWLINE = sa.literal("\n")


def _search_text(*parts) -> sa.ColumnElement:
    text = sa.func.coalesce(parts[0], "")
    for part in parts[1:]:
        text = text + _NEWLINE + sa.func.coalesce(part, "")
    # PostgreSQL's lower() folds Cyrillic under a UTF-8 locale; the app's SQLite connections
    # replace SQLite's ASCII-only lower() with Python's (infra/db.py).
    return sa.func.lower(text)


# (projection column, where it comes from) — in the order of the INSERT.
_SOURCE = (
    ("client_id", ManagerClient.id),
    ("user_id", ManagerClient.user_id),
    ("tab", _TAB),
    ("status", ManagerClient.status),
    ("assigned_manager_id", ManagerClient.assigned_manager_id),
    ("name", ClientUser.name),
    ("phone", ClientUser.phone),
    ("email", ClientUser.email),
    ("registration_address", ManagerClient.registration_address),
    (
        "search_text",
        _search_text(ClientUser.name, ClientUser.email, ManagerClient.registration_address),
    ),
    ("phone_digits", sa.func.nullif(last_ten_digits(ClientUser.phone), "")),
    ("created_at", ManagerClient.created_at),
    ("updated_at", ManagerClient.updated_at),
    ("version", ManagerClient.version),
    ("source_updated_at", ClientUser.updated_at),
)
COLUMNS = [name for name, _ in _SOURCE]
_TABLE = ManagerClientSearch.__table__


def _source(where) -> sa.Select:
    return (
        sa.select(*(value for _, value in _SOURCE))
        .select_from(ManagerClient)
        .join(ClientUser, ClientUser.id == ManagerClient.user_id)
        .where(where)
    )


def write(session: Session, where, *, only_changed: bool = False) -> int:
    """Upsert the projection rows of the clients `where` selects (a condition on
    `manager_clients`/`users`); `only_changed` leaves rows that already match untouched (the
    background sync looks at many rows and changes few). Returns the rows written.

    With `only_changed` the rows that already match are left out of the source, not only out
    of the update: ON CONFLICT DO UPDATE locks every conflicting row, even one its WHERE then
    skips, and a reconciliation slice holding fifty thousand row locks makes every manager's
    save of one of those clients wait for it."""
    if only_changed:
        current = _TABLE.alias("current")
        same = sa.and_(
            current.c.client_id == ManagerClient.id,
            *(current.c[name].is_not_distinct_from(value) for name, value in _SOURCE[1:]),
        )
        where = sa.and_(where, ~sa.exists().where(same))
    statement = upsert(session, _TABLE).from_select(COLUMNS, _source(where))
    excluded = statement.excluded
    changed = None
    if only_changed:  # a row changed since the source was read: still only a real change
        changed = sa.or_(*(_TABLE.c[name].is_distinct_from(excluded[name]) for name in COLUMNS[1:]))
    statement = statement.on_conflict_do_update(
        index_elements=["client_id"],
        set_={name: excluded[name] for name in COLUMNS[1:]},
        where=changed,
    )
    return len(session.execute(statement.returning(_TABLE.c.client_id)).all())


def add_missing(session: Session, where) -> int:
    """Projection rows for the clients `where` selects that have none yet."""
    missing = sa.and_(
        where,
        ~sa.exists().where(ManagerClientSearch.client_id == ManagerClient.id),
    )
    statement = (
        upsert(session, _TABLE)
        .from_select(COLUMNS, _source(missing))
        .on_conflict_do_nothing(index_elements=["client_id"])
        .returning(_TABLE.c.client_id)
    )
    return len(session.execute(statement).all())


def fill_statement() -> sa.Insert:
    """One INSERT of every client's row into an empty projection (bulk loads: the benchmark's
    data set builder compiles it to SQL)."""
    return sa.insert(_TABLE).from_select(COLUMNS, _source(sa.true()))


def refresh(session: Session, client_ids: list[int]) -> None:
    """The clients' rows as this transaction left them (pending ORM changes flushed first):
    what a manager changed is in the list the moment it commits."""
    if client_ids:
        session.flush()
        write(session, ManagerClient.id.in_(client_ids))


# ---- Matching ------------------------------------------------------------------------------

MAX_QUERY_LENGTH = 100
# A phone typed with spaces and dashes is one search term, not several words.
_PHONE_RUN = re.compile(r"\+?\d[\d\s()\-]*\d")


def search_terms(query: str) -> list[str]:
    phones = [run.strip() for run in _PHONE_RUN.findall(query)]
    rest = _PHONE_RUN.sub(" ", query)
    return phones + rest.split()


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def phone_fragments(term: str) -> set[str]:
    """What a typed phone fragment is among the stored last 10 digits: '8 916 12' → '91612';
    '+7916' → '916'; '9161234567' as it is. Fewer than 3 digits is not a phone search."""
    digits = re.sub(r"\D", "", term)
    if len(digits) < 3:
        return set()
    if len(digits) >= 11 and digits[0] in "78":
        return {digits[-10:]}
    fragments = {digits}
    if digits[0] in "78" and len(digits) > 3:
        fragments.add(digits[1:])  # the 7/8 in front may be the country prefix
    return fragments


def search_values(query: str) -> tuple[tuple[int, ...], dict[str, str]]:
    """(The search's shape — how many phone fragments each term has —, its values by the names
    `search_condition_of` gives them.)"""
    shape, values = [], {}
    for index, term in enumerate(search_terms(query)):
        values[f"term_{index}"] = _like_pattern(term.lower())
        fragments = sorted(phone_fragments(term))
        for number, fragment in enumerate(fragments):
            values[f"term_{index}_digits_{number}"] = f"%{fragment}%"
        shape.append(len(fragments))
    return tuple(shape), values


def bound(name: str, values: dict | None, type_=None) -> sa.BindParameter:
    """A bound parameter: its value from `values`, or given when the statement runs (None)."""
    if values is None:
        return sa.bindparam(name, type_=type_)
    return sa.bindparam(name, values[name], type_=type_)


def search_condition_of(
    shape: tuple[int, ...], rows=ManagerClientSearch, values: dict | None = None
) -> sa.ColumnElement:
    """Every term matches the name, e-mail or address (any case), or the phone's digits (of
    the projection, or of `rows`, a subquery of it) — bound parameters named by
    `search_values`: with `values`, or given when the statement runs, so that one statement
    serves every search of its shape."""
    conditions = []
    for index, fragments in enumerate(shape):
        term = f"term_{index}"
        alternatives = [rows.search_text.like(bound(term, values), escape="\\")]
        alternatives += [
            rows.phone_digits.like(bound(f"{term}_digits_{number}", values))
            for number in range(fragments)
        ]
        conditions.append(sa.or_(*alternatives))
    return sa.and_(sa.true(), *conditions)


def search_condition(query: str, rows=ManagerClientSearch) -> sa.ColumnElement:
    """`search_condition_of` with this query's values."""
    shape, values = search_values(query)
    return search_condition_of(shape, rows, values)


def other_clients_with_phone(session: Session, user_id: int, phone: str) -> int:
    """How many other clients carry this phone, typed any way (the btree on the last 10
    digits: a lookup, not a scan of `users`)."""
    ten = re.sub(r"\D", "", phone)[-10:]
    return session.execute(
        sa.select(sa.func.count())
        .select_from(ManagerClientSearch)
        .where(ManagerClientSearch.phone_digits == ten, ManagerClientSearch.user_id != user_id)
    ).scalar_one()
