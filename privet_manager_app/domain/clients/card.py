"""One client: the card row (contacts, status, assignee) and everything the wizard shows."""

from __future__ import annotations

from sqlmodel import Session

from privet_manager_app.domain.clients.listing import card_query, to_card
from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.common.errors import NotFound
from privet_manager_app.domain.views import AddressView, ClientCard, ClientDetail
from privet_manager_app.domain.wizard import contract as contracts
from privet_manager_app.domain.wizard import devices, tariff_apply
from privet_manager_app.domain.wizard import passport as passports
from privet_manager_app.domain.wizard import payment as payments
from privet_manager_app.infra.db import transaction
from privet_manager_app.schema.tables import ManagerClient

ADDRESS_FIELDS = ("postcode", "region", "city", "street", "house", "building", "apartment")


def load_card(session: Session, client_id: int) -> ClientCard:
    row = session.execute(card_query().where(ManagerClient.id == client_id)).first()
    if row is None:
        raise NotFound("client_not_found", "Клиент не найден")
    return to_card(row)


def get_client(actor: Actor, client_id: int) -> ClientDetail:
    """The card plus everything the wizard needs; each part is read by the module that owns it."""
    with transaction() as session:
        card = load_card(session, client_id)
        client = session.get(ManagerClient, client_id)
        address = AddressView(**{name: getattr(client, name) for name in ADDRESS_FIELDS})
        return ClientDetail(
            **card.model_dump(),
            address=address,
            passport=passports.masked_view(session, card.user_id),
            devices=devices.device_views(session, client_id),
            tariff=tariff_apply.current_applied(session, client_id),
            contract=contracts.current_contract_view(session, client_id, viewer=actor),
            invoice=payments.current_invoice_view(session, client_id),
        )
