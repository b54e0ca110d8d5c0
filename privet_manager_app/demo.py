"""Demo data for the quick start: managers, clients typed the client app's way."""

from __future__ import annotations

import random

from sqlmodel import select

from privet_manager_app.client_app_fixture import add_client_app_users, random_address
from privet_manager_app.domain import auth, clients
from privet_manager_app.domain.tariffs import ensure_demo_tariffs
from privet_manager_app.infra.db import transaction, utcnow
from privet_manager_app.models import ClientStatus, ManagerClient, ManagerRole, ManagerUser

DEMO_PASSWORD = "ChangeMe123"  # noqa: S105 - the original README's demo password, dev only
DEMO_MANAGERS = (
    ("manager@example.com", "Главный мастер", ManagerRole.MANAGER),
    ("admin@example.com", "Администратор", ManagerRole.ADMIN),
    ("master2@example.com", "Мастер Пётр Соколов", ManagerRole.MANAGER),
)
DEMO_IN_PROGRESS = 6


def has_managers() -> bool:
    with transaction() as session:
        return session.exec(select(ManagerUser.id).limit(1)).first() is not None


def existing_demo_managers() -> list[tuple[str, str, str]]:
    with transaction() as session:
        existing = set(session.exec(select(ManagerUser.email)).all())
    return [spec for spec in DEMO_MANAGERS if spec[0] in existing]


def ensure_demo_managers() -> list[str]:
    created = []
    with transaction() as session:
        existing = set(session.exec(select(ManagerUser.email)).all())
    for email, name, role in DEMO_MANAGERS:
        if email not in existing:
            auth.create_manager(email, name, DEMO_PASSWORD, role)
            created.append(email)
    return created


def seed_demo(client_count: int, *, seed: int | None = None) -> dict[str, int]:
    """Add `client_count` clients; a few are already in work with a registration address."""
    ensure_demo_managers()
    ensure_demo_tariffs()
    rng = random.Random(seed)
    with transaction() as session:
        users = add_client_app_users(session, client_count, seed=rng.randint(0, 10**6))
        clients.backfill_manager_clients(session)
        managers = session.exec(
            select(ManagerUser).where(ManagerUser.role == ManagerRole.MANAGER)
        ).all()
        user_ids = [user.id for user in users]
        in_work = session.exec(
            select(ManagerClient).where(ManagerClient.user_id.in_(user_ids[:DEMO_IN_PROGRESS]))
        ).all()
        now = utcnow()
        for index, client in enumerate(in_work):
            postcode, city, street, house = random_address(rng)
            client.status = ClientStatus.IN_PROGRESS
            client.assigned_manager_id = managers[index % len(managers)].id
            client.claimed_at = now
            client.postcode, client.city, client.street, client.house = (
                postcode,
                city,
                street,
                house,
            )
            client.registration_address = f"{postcode}, г. {city}, {street}, д. {house}"
            client.updated_at = now
            client.version += 1
            session.add(client)
    return {"clients": len(users), "in_progress": len(in_work)}
