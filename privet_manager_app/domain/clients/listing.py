"""The client list: tabs, search, keyset paging, and the backfill of `manager_clients` rows."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.common.clock import utcnow
from privet_manager_app.domain.common.errors import NotFound, ValidationFailed
from privet_manager_app.domain.common.rows import CLIENT_NOT_FOUND
from privet_manager_app.domain.inputs import MAX_BIGINT, search_text
from privet_manager_app.domain.views import ClientCard, ClientPage, ManagerRef
from privet_manager_app.domain.wizard.phones import display_phone
from privet_manager_app.infra.db import digits_only, transaction, upsert
from privet_manager_app.schema.client_app import ClientUser
from privet_manager_app.schema.enums import STATUS_LABELS, ClientStatus, Labelled
from privet_manager_app.schema.tables import ManagerClient, ManagerUser

MAX_PAGE = 100
DEFAULT_PAGE = 20
MAX_QUERY_LENGTH = 100


class Tab(Labelled):
    NEW = "new", "Новые"
    IN_WORK = "in_work", "В работе"
    MINE = "mine", "Мои"
    PROCESSED = "processed", "Обработанные"


TAB_LABELS = Tab.labels()

IN_WORK_STATUSES = (
    ClientStatus.IN_PROGRESS,
    ClientStatus.CONTRACT_SENT,
    ClientStatus.SIGNED,
    ClientStatus.AWAITING_PAYMENT,
)

_Assignee = aliased(ManagerUser)


def backfill_manager_clients(session: Session) -> int:
    """A `manager_clients` row for every `users` row that has none. Idempotent, race-safe."""
    now = utcnow()
    missing = (
        select(
            ClientUser.id,
            sa.literal(ClientStatus.NEW.value),
            sa.literal(1),
            sa.literal(now, type_=ManagerClient.__table__.c.created_at.type),
            sa.literal(now, type_=ManagerClient.__table__.c.updated_at.type),
        )
        .outerjoin(ManagerClient, ManagerClient.user_id == ClientUser.id)
        .where(ManagerClient.id.is_(None))
    )
    statement = (
        upsert(session, ManagerClient)
        .from_select(["user_id", "status", "version", "created_at", "updated_at"], missing)
        .on_conflict_do_nothing(index_elements=["user_id"])
        .returning(ManagerClient.id)
    )
    return len(session.execute(statement).all())


def backfill_all() -> int:
    with transaction() as session:
        return backfill_manager_clients(session)


def card_query():
    return (
        select(ManagerClient, ClientUser, _Assignee.id, _Assignee.name)
        .join(ClientUser, ClientUser.id == ManagerClient.user_id)
        .outerjoin(_Assignee, _Assignee.id == ManagerClient.assigned_manager_id)
    )


def to_card(row) -> ClientCard:
    client, user, manager_id, manager_name = row
    return ClientCard(
        id=client.id,
        user_id=user.id,
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


def _like_pattern(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def _phone_candidates(word: str) -> set[str]:
    """Digits typed any way: '8 916 12', '+7916', '916-12' all find '+7916…' and '8(916)…'."""
    digits = re.sub(r"\D", "", word)
    if len(digits) < 3:
        return set()
    candidates = {digits}
    if len(digits) >= 11 and digits[0] in "78":
        candidates = {digits[-10:]}
    elif digits[0] in "78" and len(digits) > 3:
        candidates.add(digits[1:])
    return candidates


# A phone typed with spaces and dashes is one search term, not several words.
_PHONE_RUN = re.compile(r"\+?\d[\d\s()\-]*\d")


def _search_terms(query: str) -> list[str]:
    phones = [run.strip() for run in _PHONE_RUN.findall(query)]
    rest = _PHONE_RUN.sub(" ", query)
    return phones + rest.split()


def _search_condition(query: str):
    """Every term must match a name, e-mail, address or phone (digits only, any format)."""
    conditions = []
    for word in _search_terms(query):
        pattern = _like_pattern(word)
        alternatives = [
            sa.func.lower(ClientUser.name).like(pattern, escape="\\"),
            sa.func.lower(ClientUser.email).like(pattern, escape="\\"),
            sa.func.lower(ManagerClient.registration_address).like(pattern, escape="\\"),
        ]
        alternatives += [
            digits_only(ClientUser.phone).contains(candidate)
            for candidate in _phone_candidates(word)
        ]
        conditions.append(sa.or_(*alternatives))
    return sa.and_(*conditions)


def parse_tab(tab: str) -> Tab:
    try:
        return Tab(tab)
    except ValueError:
        raise ValidationFailed(
            "invalid_tab",
            f"Неизвестная вкладка: {', '.join(Tab)}",
            fields={"tab": " | ".join(Tab)},
        ) from None


def list_clients(
    actor: Actor,
    tab: str = Tab.NEW,
    query: str = "",
    cursor: str | None = None,
    limit: int = DEFAULT_PAGE,
) -> ClientPage:
    tab = parse_tab(tab)
    query = search_text(query)
    if len(query) > MAX_QUERY_LENGTH:
        raise ValidationFailed(
            "query_too_long", f"Поисковый запрос длиннее {MAX_QUERY_LENGTH} символов"
        )
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationFailed("invalid_limit", f"limit должен быть от 1 до {MAX_PAGE}")
    after = _decode_cursor(cursor) if cursor else None

    statement = card_query()
    if tab is Tab.NEW:
        statement = statement.where(ManagerClient.status == ClientStatus.NEW)
    elif tab is Tab.IN_WORK:
        statement = statement.where(ManagerClient.status.in_(IN_WORK_STATUSES))
    elif tab is Tab.MINE:
        statement = statement.where(
            ManagerClient.assigned_manager_id == actor.id,
            ManagerClient.status != ClientStatus.PROCESSED,
        )
    else:
        statement = statement.where(ManagerClient.status == ClientStatus.PROCESSED)
    if query:
        statement = statement.where(_search_condition(query))
    if after:
        statement = statement.where(
            sa.tuple_(ManagerClient.updated_at, ManagerClient.id) < sa.tuple_(*after)
        )
    statement = statement.order_by(ManagerClient.updated_at.desc(), ManagerClient.id.desc())

    with transaction() as session:
        if tab is Tab.NEW:
            # Clients who registered since the last backfill appear without waiting for it.
            backfill_manager_clients(session)
        rows = session.execute(statement.limit(limit + 1)).all()
    cards = [to_card(row) for row in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = cards[-1]
        next_cursor = _encode_cursor(last.updated_at, last.id)
    return ClientPage(items=cards, next_cursor=next_cursor)


def load_card(session: Session, client_id: int) -> ClientCard:
    row = session.execute(card_query().where(ManagerClient.id == client_id)).first()
    if row is None:
        raise NotFound("client_not_found", CLIENT_NOT_FOUND)
    return to_card(row)
