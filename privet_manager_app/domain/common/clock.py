"""The one clock: times are aware UTC inside, Moscow time for people and business dates.

The UI, documents and business dates (contract date, number year, invoice due date, passport
age) use Moscow time. The IANA zone comes with the pinned `tzdata` package, so a slim image
without /usr/share/zoneinfo has it too.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

UTC = dt.UTC
MOSCOW = ZoneInfo("Europe/Moscow")


def utcnow() -> dt.datetime:
    return dt.datetime.now(UTC)


def moscow_today(now: dt.datetime | None = None) -> dt.date:
    return (now or utcnow()).astimezone(MOSCOW).date()


def moscow_text(value: dt.datetime | None, pattern: str = "%d.%m.%Y %H:%M") -> str:
    return value.astimezone(MOSCOW).strftime(pattern) if value else ""
