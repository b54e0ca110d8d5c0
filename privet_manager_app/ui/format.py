"""Presentation helpers: times are stored in UTC and shown in Europe/Moscow."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

MOSCOW = ZoneInfo("Europe/Moscow")
NBSP = "\u00a0"


def moscow_datetime(value: dt.datetime | str | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.astimezone(MOSCOW).strftime("%d.%m.%Y %H:%M")


def rubles(value: Decimal | str | None) -> str:
    """Decimal('12500.5') → '12 500,50 ₽' (Russian grouping and decimal comma)."""
    if value is None or value == "":
        return ""
    amount = Decimal(value).quantize(Decimal("0.01"))
    whole, _, cents = f"{amount:,.2f}".partition(".")
    return f"{whole.replace(',', NBSP)},{cents}{NBSP}₽"
