"""What several test files and the wizard bench send the same way: a passport as the REST
request carries it, and a user registered as the client app does it. Imports nothing of the
app, so the bench may use it before its settings are read."""

from __future__ import annotations

import re

import sqlalchemy as sa

# An ISO 8601 time as JSON carries it: "2026-12-03T16:12:17.545128Z" holds "4512" by chance.
_ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?")

# PUT …/passport without the number and the version (each caller has its own).
PASSPORT_REQUEST = {
    "last_name": "Петров",
    "first_name": "Иван",
    "middle_name": "Сергеевич",
    "birth_date": "1990-03-15",
    "birth_place": "гор. Москва",
    "series": "4512",
    "issue_date": "2010-03-20",
    "issued_by": "ОВД района Хамовники г. Москвы",
    "division_code": "772-001",
}


def without_times(text: str) -> str:
    """`text` with its timestamps cut out, so that a check for passport digits in it cannot
    match the digits of a time (a 4-digit series turns up in one run of a few hundred)."""
    return _ISO_TIME.sub("<time>", text)


def register_in_client_app(database_url: str, name: str, phone: str) -> None:
    """As the client app does it: a row in its own `users` table, nothing of ours."""
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO users (name, phone, is_active, created_at, updated_at) "
                "VALUES (:name, :phone, true, now(), now())"
            ),
            {"name": name, "phone": phone},
        )
    engine.dispose()
