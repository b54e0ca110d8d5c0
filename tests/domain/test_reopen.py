"""Admin reopens a signed file: the old contract stays a valid original, a new version follows."""

from __future__ import annotations

import pytest
from sqlmodel import select

from privet_manager_app.domain.clients import reopen
from privet_manager_app.domain.common.errors import Conflict, Forbidden, ValidationFailed
from privet_manager_app.domain.wizard import contract as contracts
from privet_manager_app.domain.wizard import verification
from privet_manager_app.infra.db import transaction
from privet_manager_app.infra.storage import get_storage
from privet_manager_app.schema.enums import ClientStatus, InvoiceStatus
from privet_manager_app.schema.tables import ManagerInvoice
from tests.support.factories import (
    chat_messages,
    client_row,
    contract_row,
    invoiced_client,
    resend_interval_passed,
    sign_with_tariff,
)


@pytest.fixture
def invoiced(manager):
    return invoiced_client(manager)


def test_админ_переоткрывает_подписанное_дело_и_подписывается_новая_версия(
    manager, admin, invoiced
):
    client, old, tariff_id = invoiced
    card = reopen.reopen_client(admin, client.id, "Клиент принёс ещё один ноутбук")
    assert card.status == ClientStatus.IN_PROGRESS
    assert client_row(client.id).processed_at is None
    with transaction() as session:
        invoice = session.exec(
            select(ManagerInvoice).where(ManagerInvoice.contract_id == old.id)
        ).one()
    assert invoice.status == InvoiceStatus.CANCELLED
    assert chat_messages(client.user_id)[-1].payload == {
        "type": "contract_reopened",
        "contract_number": old.number,
    }
    # The old document is still a signed original…
    kept = contract_row(old.id)
    assert kept.status == "signed"
    assert verification.verify_pdf(get_storage().get(kept.pdf_key)).valid
    # …but no longer the current contract: the wizard starts a new version.
    with transaction() as session:
        assert contracts.current_contract_view(session, client.id) is None

    resend_interval_passed(client.id)
    new = sign_with_tariff(manager, client, tariff_id)
    assert new.number != old.number
    assert new.status == "signed"
    assert client_row(client.id).status == ClientStatus.SIGNED
    assert verification.verify_pdf(get_storage().get(new.pdf_key)).valid
    assert verification.verify_pdf(get_storage().get(kept.pdf_key)).valid


def test_переоткрыть_может_только_админ_с_причиной_и_только_подписанное(manager, admin, invoiced):
    client, _, _ = invoiced
    with pytest.raises(Forbidden) as not_admin:
        reopen.reopen_client(manager, client.id, "Потому что")
    assert not_admin.value.code == "admin_only"
    with pytest.raises(ValidationFailed) as no_reason:
        reopen.reopen_client(admin, client.id, "  ")
    assert no_reason.value.code == "reopen_reason_required"
    reopen.reopen_client(admin, client.id, "Ошибка в адресе")
    with pytest.raises(Conflict) as again:
        reopen.reopen_client(admin, client.id, "Ещё раз")
    assert again.value.code == "not_signed"
