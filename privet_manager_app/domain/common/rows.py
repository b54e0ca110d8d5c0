"""Finding the row a use case is about, or refusing with the domain's «not found» (one message
for every surface)."""

from __future__ import annotations

from sqlmodel import Session, select

from privet_manager_app.domain.common.errors import NotFound
from privet_manager_app.schema.tables import ManagerClient

CLIENT_NOT_FOUND = "Клиент не найден"


def find_client(session: Session, client_id: int, *, lock: bool = False) -> ManagerClient:
    """`lock`: the row stays locked until the transaction ends (writes, serialised)."""
    statement = select(ManagerClient).where(ManagerClient.id == client_id)
    client = session.exec(statement.with_for_update() if lock else statement).first()
    if client is None:
        raise NotFound("client_not_found", CLIENT_NOT_FOUND)
    return client
