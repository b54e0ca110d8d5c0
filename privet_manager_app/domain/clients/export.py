"""CSV export of a list view (tab + search), for Excel: UTF-8 with BOM, `;`, Russian headers.

Rows come from the list's own keyset pages (`clients.list_clients`), so the export shows exactly
what the tab and the search show. Passport numbers are masked, as everywhere outside the form.
"""

from __future__ import annotations

import csv
import io
import re

from sqlmodel import select

from privet_manager_app.domain.clients import listing as clients
from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.common.clock import MOSCOW, moscow_text, utcnow
from privet_manager_app.domain.views import ClientCard
from privet_manager_app.infra.db import transaction
from privet_manager_app.schema.tables import UserPassport

# Moscow has kept UTC+3 all year since 2014; a fixed offset needs no tz database in the image.
MAX_EXPORT_ROWS = 10_000
BOM = "\ufeff"  # Excel reads a BOM-less CSV as the local ANSI code page and garbles Cyrillic
HEADERS = (
    "№ карточки",
    "Клиент",
    "Телефон",
    "Email",
    "Статус",
    "Адрес регистрации",
    "Паспорт",
    "Менеджер",
    "Создан",
    "Обновлён",
)
TAB_FILE_NAMES = {
    clients.Tab.NEW: "novye",
    clients.Tab.IN_WORK: "v-rabote",
    clients.Tab.MINE: "moi",
    clients.Tab.PROCESSED: "obrabotannye",
}
# A cell Excel would run as a formula (CSV injection). A phone like «+7 916 123-45-67» is only
# digits and punctuation — nothing to call — so it stays readable.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_HARMLESS = re.compile(r"^[+\-]?[\d\s().\-]*$")


def _safe(value: str) -> str:
    if value.startswith(_FORMULA_START) and not _HARMLESS.match(value):
        return "'" + value
    return value


def _masked_passports(user_ids: list[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    with transaction() as session:
        rows = session.exec(
            select(UserPassport.user_id, UserPassport.number_masked).where(
                UserPassport.user_id.in_(user_ids)
            )
        ).all()
    return dict(rows)


def _line(card: ClientCard, passport: str) -> list[str]:
    return [
        str(card.id),
        card.name or "",
        card.phone_display,
        card.email or "",
        card.status_label,
        card.registration_address or "",
        passport,
        card.assigned_manager.name if card.assigned_manager else "",
        moscow_text(card.created_at),
        moscow_text(card.updated_at),
    ]


def export_clients_csv(actor: Actor, tab: str = clients.Tab.NEW, query: str = "") -> bytes:
    """Every row of the tab + search (up to MAX_EXPORT_ROWS, then a closing note)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(HEADERS)
    written = 0
    cursor: str | None = None
    truncated = False
    while True:
        page = clients.list_clients(
            actor, tab=tab, query=query, cursor=cursor, limit=clients.MAX_PAGE
        )
        items = page.items
        if written + len(items) > MAX_EXPORT_ROWS:
            items = items[: MAX_EXPORT_ROWS - written]
            truncated = True
        passports = _masked_passports([card.user_id for card in items])
        for card in items:
            writer.writerow([_safe(cell) for cell in _line(card, passports.get(card.user_id, ""))])
        written += len(items)
        if truncated or not page.next_cursor:
            break
        if written == MAX_EXPORT_ROWS:
            truncated = True
            break
        cursor = page.next_cursor
    if truncated:
        writer.writerow(
            [f"Выгружены первые {MAX_EXPORT_ROWS} строк — уточните поиск, чтобы получить остальные"]
        )
    return (BOM + buffer.getvalue()).encode("utf-8")


def export_filename(tab: str) -> str:
    """clients-v-rabote-2026-11-27-1430.csv (Latin letters: every browser and WebView keeps it)."""
    name = TAB_FILE_NAMES.get(clients.parse_tab(tab), "spisok")
    return f"clients-{name}-{utcnow().astimezone(MOSCOW):%Y-%m-%d-%H%M}.csv"
