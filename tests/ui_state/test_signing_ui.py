"""Signing on the page, called as the Reflex server calls its handlers: the consent tick is its
own recorded act; a spent wrong-code budget shows on the card, and only an admin unlocks it."""

from __future__ import annotations

from privet_manager_app.domain.admin import auth
from privet_manager_app.domain.wizard.otp_budget import UNLOCK_ADMIN_ONLY
from privet_manager_app.ui.client_card.state import ClientCardState
from privet_manager_app.ui.pages.step_contract import ContractState
from tests.conftest import DEFAULT_PASSWORD
from tests.support.factories import (
    audit_entries,
    contract_row,
    generated,
    spend_code_budget,
)
from tests.support.reflex_state import make_state
from tests.support.reflex_state import run_sync as _run


def _token(actor) -> str:
    return auth.login(actor.email, DEFAULT_PASSWORD, None, None).access_token


def test_галочка_согласия_записывается_сразу_своим_временем(db, manager):
    client, view = generated(manager)
    state = make_state(ContractState, token=_token(manager))
    state.cid = client.id
    _run(state, ContractState.set_pep_agreed, True)
    assert state.pep_agreed is True
    assert state.sign_error == ""
    agreed_at = contract_row(view.contract_id).pep_agreed_at
    assert agreed_at is not None  # before any code was typed
    assert len(audit_entries(client.id, "pep_consent_given")) == 1

    _run(state, ContractState.set_pep_agreed, False)
    assert state.pep_agreed is False
    assert contract_row(view.contract_id).pep_agreed_at is None


def test_карточка_показывает_блокировку_и_снимает_её_только_админ(db, manager, admin, monkeypatch):
    client, _ = generated(manager)
    spend_code_budget(manager, client, "10.2")

    monkeypatch.setattr(ClientCardState, "_route_client_id", lambda self: client.id)
    as_manager = make_state(ClientCardState, token=_token(manager))
    _run(as_manager, ClientCardState.open_page)
    assert as_manager.signing_locked_until != ""
    assert as_manager.signing_lock_text == "10 неверных кодов за 24 ч"
    as_manager.unlock_reason = "Хочу подписать сам"
    _run(as_manager, ClientCardState.unlock_signing)
    assert as_manager.unlock_error == UNLOCK_ADMIN_ONLY
    assert audit_entries(client.id, "signing_unlocked") == []

    as_admin = make_state(ClientCardState, token=_token(admin))
    _run(as_admin, ClientCardState.open_page)
    as_admin.unlock_reason = "Клиент диктовал код из старого сообщения"
    _run(as_admin, ClientCardState.unlock_signing)
    assert as_admin.unlock_error == ""
    assert as_admin.signing_locked_until == ""
    assert as_admin.unlock_message.startswith("Подписание разблокировано")
    assert len(audit_entries(client.id, "signing_unlocked")) == 1
