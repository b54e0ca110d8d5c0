"""Helpers for wizard tests: a client-app user with a known phone/name, taken into work."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import sqlalchemy as sa

from privet_manager_app.client_app_schema import ClientDevice, ClientUser
from privet_manager_app.domain import claims
from privet_manager_app.domain.clients import backfill_manager_clients
from privet_manager_app.infra.db import transaction
from privet_manager_app.models import ManagerClient


@dataclasses.dataclass(frozen=True)
class ClientRef:
    id: int  # manager_clients.id — what the wizard works with
    user_id: int  # users.id — the client app's row
    legacy_device_ids: tuple[int, ...] = ()


def new_client(
    name: str | None = "иван петров",
    phone: str | None = "8 916 123-45-67",
    email: str | None = None,
    legacy_devices: tuple[tuple[str, str | None, str | None], ...] = (),
) -> ClientRef:
    """A «Новый» client as the client app left it (messy phone, name in lower case)."""
    with transaction() as session:
        user = ClientUser(name=name, phone=phone, email=email)
        session.add(user)
        session.flush()
        device_ids = []
        for kind, brand, model in legacy_devices:
            device = ClientDevice(user_id=user.id, type=kind, brand=brand, model=model)
            session.add(device)
            session.flush()
            device_ids.append(device.id)
        backfill_manager_clients(session)
        client_id = session.execute(
            sa.select(ManagerClient.id).where(ManagerClient.user_id == user.id)
        ).scalar_one()
        return ClientRef(client_id, user.id, tuple(device_ids))


def claimed_client(actor, **kwargs) -> ClientRef:
    client = new_client(**kwargs)
    claims.claim_client(actor, client.id)
    return client


def version_of(client_id: int) -> int:
    with transaction() as session:
        return session.get(ManagerClient, client_id).version


def set_status(client_id: int, status: str) -> None:
    with transaction() as session:
        session.execute(
            sa.update(ManagerClient).where(ManagerClient.id == client_id).values(status=status)
        )


def count(model, *conditions) -> int:
    with transaction() as session:
        statement = sa.select(sa.func.count()).select_from(model)
        if conditions:
            statement = statement.where(*conditions)
        return session.execute(statement).scalar_one()


def files_under(root: Path, prefix: str = "") -> list[str]:
    """Stored object keys of the local backend (temporary `.part` files count too) — all but
    the empty markers used upload links leave at their keys (photos._spend_upload)."""
    base = root / prefix if prefix else root
    if not base.exists():
        return []
    return sorted(
        str(path.relative_to(root))
        for path in base.rglob("*")
        if path.is_file() and path.stat().st_size > 0
    )
