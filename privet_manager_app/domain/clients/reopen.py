"""Admin: reopen a signed file. The signed contract stays a signed original (it still
verifies), but stops being the current one; the client goes back into work and the next
contract is a new version with a new number."""

from __future__ import annotations

import sqlalchemy as sa

from privet_manager_app.domain.clients.access import (
    check_version,
    is_frozen,
    lock_client,
    mark_changed,
)
from privet_manager_app.domain.clients.listing import load_card
from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.common.clock import utcnow
from privet_manager_app.domain.common.errors import Conflict, ValidationFailed
from privet_manager_app.domain.common.text import multiline_error
from privet_manager_app.domain.history import audit, journal
from privet_manager_app.domain.views import ClientCard
from privet_manager_app.domain.wizard.contract import latest_contract
from privet_manager_app.domain.wizard.support_chat import MessageType, post_to_client
from privet_manager_app.infra.db import transaction
from privet_manager_app.schema.enums import ClientStatus, InvoiceStatus
from privet_manager_app.schema.tables import ManagerInvoice

REOPEN_ADMIN_ONLY = "Переоткрыть дело может только администратор"
MIN_REASON = 5
MAX_REASON = 500


def reopen_client(
    actor: Actor, client_id: int, reason: str, *, version: int | None = None
) -> ClientCard:
    actor.require_admin(REOPEN_ADMIN_ONLY)
    cleaned, error = multiline_error(reason or "", "Причина", max_length=MAX_REASON)
    if error or len(cleaned) < MIN_REASON:
        message = error or f"Опишите причину (не короче {MIN_REASON} символов)"
        raise ValidationFailed("reopen_reason_required", message, fields={"reason": message})
    now = utcnow()
    with transaction() as session:
        client = lock_client(session, client_id)
        check_version(client, version)
        if not is_frozen(client):
            raise Conflict("not_signed", "Переоткрыть можно только клиента с подписанным договором")
        contract = latest_contract(session, client.id)
        before_status = client.status
        if contract is not None:
            # Still status «signed»: the document remains a valid original for /verify.
            contract.superseded_at = now
            contract.updated_at = now
            session.add(contract)
            session.execute(
                sa.update(ManagerInvoice)
                .where(
                    ManagerInvoice.contract_id == contract.id,
                    ManagerInvoice.status == InvoiceStatus.ISSUED,
                )
                .values(status=InvoiceStatus.CANCELLED)
            )
            post_to_client(
                session,
                client.user_id,
                f"Договор № {contract.number} будет переоформлен: менеджер подготовит новую "
                "редакцию и пришлёт новый код для подписания. Выставленный счёт отменён.",
                {"type": MessageType.CONTRACT_REOPENED, "contract_number": contract.number},
            )
        client.status = ClientStatus.IN_PROGRESS
        client.processed_at = None
        mark_changed(session, client, supersede_contract=False)
        audit.record(
            session,
            actor,
            "client_reopened",
            "client",
            client.id,
            client_id=client.id,
            changes={
                "status": {"before": before_status, "after": ClientStatus.IN_PROGRESS.value},
                "reason": {"before": None, "after": cleaned},
                "contract": {"before": contract.number if contract else None, "after": None},
            },
        )
        journal.log_event(
            session,
            client.id,
            actor,
            f"Дело переоткрыто администратором {actor.name}: {cleaned}",
        )
        session.flush()
        return load_card(session, client.id)
