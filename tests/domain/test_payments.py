"""The final step: payment on the spot (idempotent), the invoice and its throttled reminders."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
from decimal import Decimal

import pytest
from sqlmodel import select

from privet_manager_app.domain.common.clock import moscow_today, utcnow
from privet_manager_app.domain.common.errors import Conflict, TooManyAttempts, ValidationFailed
from privet_manager_app.domain.inputs import PaymentInput
from privet_manager_app.domain.wizard import contract as contracts
from privet_manager_app.domain.wizard import payment as payments
from privet_manager_app.domain.wizard import tariff_apply
from privet_manager_app.infra.db import transaction
from privet_manager_app.schema.tables import ManagerInvoice
from tests.support.factories import (
    TWO_DEVICES,
    chat_messages,
    client_row,
    make_tariff,
    ready_client,
    signed_client,
)

YEAR = moscow_today().year


def cards(user_id: int, kind: str) -> list:
    return [m for m in chat_messages(user_id) if m.payload["type"] == kind]


def test_оплата_на_месте_подтверждается_один_раз(db, manager):
    client = signed_client(manager)
    first = payments.confirm_payment(
        manager, client.id, PaymentInput(amount="1500.00", method="card", reference="RRN 123456789")
    )
    assert first.status == "processed"
    assert first.amount == Decimal("1500.00")
    assert first.already_confirmed is False
    row = client_row(client.id)
    assert row.status == "processed"
    assert row.processed_at is not None

    again = payments.confirm_payment(manager, client.id, PaymentInput(amount="1500", method="cash"))
    assert again.already_confirmed is True
    assert again.paid_at == first.paid_at
    assert again.method == "card"  # the first confirmation, not a second payment
    received = cards(client.user_id, "payment_received")
    assert len(received) == 1
    assert received[0].author_type == "system"
    assert received[0].payload == {
        "type": "payment_received",
        "contract_number": f"ПМ-{YEAR}-000001",
        "invoice_number": None,
        "amount": "1500.00",
        "currency": "RUB",
        "method": "card",
        "paid_at": first.paid_at.isoformat(),
    }
    assert received[0].body == (
        f"Оплата получена: 1\u00a0500,00\u00a0₽ по договору ПМ-{YEAR}-000001. Спасибо!"
    )


def test_сумма_оплаты_должна_совпадать_с_доплатой(db, manager):
    client = signed_client(manager)
    with pytest.raises(ValidationFailed) as error:
        payments.confirm_payment(manager, client.id, PaymentInput(amount="1000.00", method="cash"))
    assert error.value.code == "payment_amount_mismatch"
    assert "1\u00a0500,00\u00a0₽" in error.value.message
    assert error.value.extra == {"expected_amount": "1500.00"}
    with pytest.raises(ValidationFailed) as method:  # refused by the input's type
        payments.confirm_payment(
            manager, client.id, PaymentInput(amount="1500.00", method="bitcoin")
        )
    assert method.value.code == "validation_error"
    assert method.value.fields == {"method": "Недопустимое значение"}
    assert client_row(client.id).status == "signed"


def test_одновременные_подтверждения_дают_одну_оплату(db, manager):
    client = signed_client(manager)
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        results = list(
            pool.map(
                lambda _: payments.confirm_payment(
                    manager, client.id, PaymentInput(amount="1500.00", method="cash")
                ),
                range(4),
            )
        )
    assert sorted(result.already_confirmed for result in results) == [False, True, True, True]
    assert len({result.paid_at for result in results}) == 1
    assert len(cards(client.user_id, "payment_received")) == 1


def test_до_подписания_оплату_не_подтвердить(db, manager):
    client = ready_client(manager, TWO_DEVICES)
    tariff_apply.apply_tariff(manager, client.id, make_tariff())
    contracts.generate_contract(manager, client.id)
    with pytest.raises(Conflict) as error:
        payments.confirm_payment(manager, client.id, PaymentInput(amount="300.00", method="cash"))
    assert error.value.code == "contract_not_signed"
    with pytest.raises(Conflict):
        payments.send_invoice(manager, client.id)


def test_при_нулевой_доплате_нет_ни_счёта_ни_оплаты(db, manager):
    client = signed_client(manager, extra_fee="0")
    assert client_row(client.id).status == "processed"
    with pytest.raises(Conflict) as invoice:
        payments.send_invoice(manager, client.id)
    assert invoice.value.code == "nothing_to_pay"
    with pytest.raises(Conflict) as payment:
        payments.confirm_payment(manager, client.id, PaymentInput(amount="0", method="cash"))
    assert payment.value.code == "nothing_to_pay"


def test_счёт_выставляется_один_раз_а_повтор_это_напоминание_не_чаще_часа(db, manager):
    client = signed_client(manager)
    invoice = payments.send_invoice(manager, client.id)
    assert invoice.invoice_number == f"СЧ-{YEAR}-000001"
    assert invoice.amount == Decimal("1500.00")
    assert invoice.due_date == moscow_today() + dt.timedelta(days=5)
    assert invoice.status == "issued"
    assert invoice.client_status == "awaiting_payment"
    assert client_row(client.id).status == "awaiting_payment"
    [card] = cards(client.user_id, "invoice")
    assert card.author_type == "system"
    assert card.payload["invoice_number"] == invoice.invoice_number
    assert card.payload["amount"] == "1500.00"
    assert card.payload["due_date"] == invoice.due_date.isoformat()
    assert card.payload["contract_number"] == f"ПМ-{YEAR}-000001"
    assert card.payload["recipient"]["inn"] == "7700000000"
    assert "на сумму 1\u00a0500,00\u00a0₽" in card.body

    with pytest.raises(TooManyAttempts) as too_soon:
        payments.send_invoice(manager, client.id)
    assert too_soon.value.code == "invoice_reminder_too_soon"
    assert 3500 < too_soon.value.extra["retry_after_seconds"] <= 3601

    with transaction() as session:
        row = session.exec(select(ManagerInvoice)).one()
        row.last_notified_at = utcnow() - dt.timedelta(hours=2)
        session.add(row)
    reminder = payments.send_invoice(manager, client.id)
    assert reminder.invoice_number == invoice.invoice_number
    assert reminder.notify_count == 2
    [reminder_card] = cards(client.user_id, "invoice_reminder")
    assert reminder_card.body.startswith(f"Напоминаем об оплате счёта {invoice.invoice_number}")
    with transaction() as session:
        assert len(session.exec(select(ManagerInvoice)).all()) == 1

    paid = payments.confirm_payment(
        manager, client.id, PaymentInput(amount="1500.00", method="transfer", reference="п/п 77")
    )
    assert paid.invoice_number == invoice.invoice_number
    assert paid.status == "processed"
    view = payments.current_invoice(manager, client.id)
    assert view.status == "paid"
    assert view.paid_at == paid.paid_at
    with pytest.raises(Conflict) as after_payment:
        payments.send_invoice(manager, client.id)
    assert after_payment.value.code == "already_paid"
