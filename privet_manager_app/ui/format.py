"""Presentation helpers: times are stored in UTC and shown in Europe/Moscow; rubles in the
Russian way (the one format lives in domain/money.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from privet_manager_app.domain.common.clock import moscow_text
from privet_manager_app.domain.common.money import format_rub


def moscow_datetime(value: dt.datetime | str | None) -> str:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value) if value else None
    return moscow_text(value)


def rubles(value: Decimal | str | None) -> str:
    """Decimal('12500.5') → '12 500,50 ₽'; empty for no amount."""
    if value is None or value == "":
        return ""
    return format_rub(Decimal(value))


def passport_card(passport) -> dict[str, str]:
    """The passport as a card shows it (number masked): step 2 and the client card."""
    full_name = (passport.last_name, passport.first_name, passport.middle_name)
    return {
        "full_name": " ".join(part for part in full_name if part),
        "birth": f"{passport.birth_date:%d.%m.%Y}, {passport.birth_place}",
        "number": passport.number_masked,
        "issued": f"{passport.issue_date:%d.%m.%Y}, {passport.issued_by}",
        "division_code": passport.division_code,
    }


def passport_views_line(row) -> str:
    """One manager's full passport reads (domain/history/passport_reads.PassportViews)."""
    clients = f" · клиентов: {row.clients}" if row.clients > 1 else ""
    return f"{row.manager_name}: {row.views} просм.{clients}"
