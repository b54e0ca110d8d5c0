"""One client, everything about it: the detail every part of the wizard contributes to, and the
client card page (detail + journal + chat + audit + whom an admin may hand the client to, with
the viewer's permissions) read in one transaction. Opening the card never claims the client."""

from __future__ import annotations

from sqlmodel import Session

from privet_manager_app.domain.admin.managers import active_manager_refs
from privet_manager_app.domain.clients.access import Permissions, permissions
from privet_manager_app.domain.clients.listing import load_client_and_card
from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.history import audit, journal, passport_reads
from privet_manager_app.domain.views import AddressView, ClientDetail, ManagerRef, View
from privet_manager_app.domain.wizard import contract as contracts
from privet_manager_app.domain.wizard import devices, otp_budget, tariff_apply
from privet_manager_app.domain.wizard import passport as passports
from privet_manager_app.domain.wizard import payment as payments
from privet_manager_app.infra.db import transaction
from privet_manager_app.schema.tables import ManagerClient


class ClientCardPage(View):
    detail: ClientDetail
    permissions: Permissions
    log: list[journal.LogEntry]
    chat: list[journal.ChatMessage]
    trail: list[audit.AuditEntry]
    managers: list[ManagerRef]  # whom the client can be handed to (admins only)
    # Who read this client's full passport in the last 24 h, and how often.
    passport_views: list[passport_reads.PassportViews]


def _client_detail(
    session: Session, actor: Actor, client_id: int
) -> tuple[ManagerClient, ClientDetail]:
    # Each part is read by the module that owns it, and each row once: the client and its card
    # in one query, the current contract and the signing budget once for the contract, the
    # invoice and the lock, the devices once for their list and the tariff's staleness
    # (tests/domain/test_card_reads.py counts the statements).
    client, card = load_client_and_card(session, client_id)
    device_list = devices.device_views(session, client_id)
    lock = otp_budget.client_lock(session, client_id)
    contract = contracts.latest_contract(session, client_id)
    detail = ClientDetail(
        **card.model_dump(),
        address=AddressView.model_validate(client),
        passport=passports.masked_view(session, card.user_id),
        devices=device_list,
        tariff=tariff_apply.current_applied(
            session, client_id, categories=[device.category for device in device_list]
        ),
        contract=(
            contracts.contract_view(contract, client, actor, lock) if contract is not None else None
        ),
        invoice=(
            payments.contract_invoice_view(session, contract, client, actor)
            if contract is not None
            else None
        ),
        signing_lock=lock,
    )
    return client, detail


def client_detail(session: Session, actor: Actor, client_id: int) -> ClientDetail:
    """The card plus every part of the wizard."""
    return _client_detail(session, actor, client_id)[1]


def get_client(actor: Actor, client_id: int) -> ClientDetail:
    with transaction() as session:
        return client_detail(session, actor, client_id)


def open_card(actor: Actor, client_id: int) -> ClientCardPage:
    """What the client card shows to this viewer."""
    with transaction() as session:
        client, detail = _client_detail(session, actor, client_id)
        allowed = permissions(actor, client, has_passport=detail.passport is not None)
        return ClientCardPage(
            detail=detail,
            permissions=allowed,
            log=journal.log_entries(session, client_id),
            chat=journal.chat_messages(session, client.user_id),
            trail=audit.trail(session, client_id),
            managers=active_manager_refs(session) if allowed.can_reassign else [],
            passport_views=passport_reads.passport_views(session, client_id=client_id),
        )
