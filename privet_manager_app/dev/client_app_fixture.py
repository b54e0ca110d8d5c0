"""Dev/test stand-in for the client app: its tables and rows the way «Привет Супер» writes them.

Production never runs this: there the client app owns `users`/`devices` already.
"""

from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa
from sqlmodel import Session, SQLModel

from privet_manager_app.domain.common.clock import utcnow
from privet_manager_app.schema.client_app import (
    DEVICES_TABLE,
    SUPPORT_MESSAGES_TABLE,
    SUPPORT_TICKETS_TABLE,
    USERS_TABLE,
    ClientDevice,
    ClientUser,
    SupportMessage,
    SupportTicket,
)

CLIENT_APP_REVISION = "c1e7a9f0d2b4"

LAST_NAMES_M = [
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Петров",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
]
FIRST_NAMES_M = [
    "Александр",
    "Дмитрий",
    "Максим",
    "Сергей",
    "Андрей",
    "Алексей",
    "Артём",
    "Илья",
    "Кирилл",
    "Михаил",
    "Никита",
    "Матвей",
    "Роман",
    "Егор",
]
FIRST_NAMES_F = [
    "Анна",
    "Мария",
    "Елена",
    "Ольга",
    "Наталья",
    "Татьяна",
    "Ирина",
    "Екатерина",
    "Светлана",
    "Юлия",
    "Дарья",
    "Полина",
    "Ксения",
    "Алина",
]
STREETS = [
    ("Москва", "ул. Тверская"),
    ("Москва", "Ленинский пр-т"),
    ("Химки", "ул. Мира"),
    ("Санкт-Петербург", "Невский пр-т"),
    ("Казань", "ул. Баумана"),
    ("Екатеринбург", "ул. Малышева"),
    ("Новосибирск", "Красный пр-т"),
]
DEVICE_TYPES = [
    ("smartphone", "Apple", "iPhone 13"),
    ("smartphone", "Samsung", "Galaxy S23"),
    ("laptop", "Lenovo", "IdeaPad 5"),
    ("tv", "LG", "OLED55C3"),
    ("fridge", "Bosch", "KGN39VI25R"),
    ("washer", "Haier", "HW70-BP12929"),
    ("tablet", "Apple", "iPad Air"),
    ("smartphone", "Xiaomi", "Redmi Note 12"),
]


def create_client_app_tables(connection: sa.Connection, *, with_support_bridge: bool) -> None:
    """Create `users`, `devices` (and optionally the support bridge) plus the client app's own
    `alembic_version`, as the client app's migrations would have done."""
    names = [USERS_TABLE, DEVICES_TABLE]
    if with_support_bridge:
        names += [SUPPORT_TICKETS_TABLE, SUPPORT_MESSAGES_TABLE]
    tables = [SQLModel.metadata.tables[name] for name in names]
    SQLModel.metadata.create_all(connection, tables=tables, checkfirst=True)
    connection.execute(
        sa.text("CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) NOT NULL)")
    )
    if connection.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar() == 0:
        connection.execute(
            sa.text("INSERT INTO alembic_version (version_num) VALUES (:v)"),
            {"v": CLIENT_APP_REVISION},
        )


def _messy_phone(rng: random.Random) -> str | None:
    digits = "9" + "".join(str(rng.randint(0, 9)) for _ in range(9))
    formats = [
        f"+7{digits}",
        f"+7{digits}",
        f"+7{digits}",
        f"8{digits}",
        f"8 ({digits[:3]}) {digits[3:6]}-{digits[6:8]}-{digits[8:]}",
        f"+7 {digits[:3]} {digits[3:6]} {digits[6:8]} {digits[8:]}",
        f"7{digits}",
        None,
    ]
    return rng.choice(formats)


def add_client_app_users(session: Session, count: int, *, seed: int = 7) -> list[ClientUser]:
    """Rows as clients type them into the app: names in any case, phones in any format."""
    rng = random.Random(seed)
    now = utcnow()
    users = []
    for index in range(count):
        female = rng.random() < 0.5
        first = rng.choice(FIRST_NAMES_F if female else FIRST_NAMES_M)
        last = rng.choice(LAST_NAMES_M) + ("а" if female else "")
        name = rng.choice([f"{first} {last}", f"{last} {first}", first, f"{first.lower()}"])
        created = now - dt.timedelta(days=rng.randint(0, 90), minutes=rng.randint(0, 1440))
        user = ClientUser(
            phone=_messy_phone(rng),
            email=rng.choice([None, f"client{index + 1}@example.ru", f"User{index + 1}@Mail.ru"]),
            name=name,
            created_at=created,
            updated_at=created,
        )
        session.add(user)
        users.append(user)
    session.flush()
    for user in users:
        for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
            kind, brand, model = rng.choice(DEVICE_TYPES)
            session.add(
                ClientDevice(
                    user_id=user.id,
                    type=kind,
                    brand=brand,
                    model=model,
                    serial_number=rng.choice([None, f"SN{rng.randint(10**7, 10**8 - 1)}"]),
                    created_at=user.created_at,
                )
            )
        if rng.random() < 0.3:
            ticket = SupportTicket(user_id=user.id, subject="Вопрос по подписке")
            session.add(ticket)
            session.flush()
            session.add(
                SupportMessage(
                    ticket_id=ticket.id,
                    author_type="user",
                    author_id=user.id,
                    body="Здравствуйте! Когда придёт мастер?",
                )
            )
    session.flush()
    return users


def random_address(rng: random.Random) -> tuple[str, str, str, str]:
    """(postcode, city, street, house) for demo addresses."""
    city, street = rng.choice(STREETS)
    return f"{rng.randint(101000, 199999)}", city, street, str(rng.randint(1, 120))
