"""Presentation helpers: times are stored in UTC and shown in Europe/Moscow; rubles in the
Russian way (the one format lives in domain/money.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from privet_manager_app.domain.money import format_rub
from privet_manager_app.infra.db import moscow_text


def moscow_datetime(value: dt.datetime | str | None) -> str:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value) if value else None
    return moscow_text(value)


def rubles(value: Decimal | str | None) -> str:
    """Decimal('12500.5') → '12 500,50 ₽'; empty for no amount."""
    if value is None or value == "":
        return ""
    return format_rub(Decimal(value))
