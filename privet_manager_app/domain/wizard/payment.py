"""After signing: the surcharge paid on the spot, or an invoice in the client's chat.

Payment confirmation is idempotent (a repeat returns the first confirmation, never a second
payment); an invoice is issued once per contract, a repeat «notify» is a throttled reminder.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Session, select

from privet_manager_app.domain.clients.access import (
    check_assignee,
    is_holder,
    lock_client,
    mark_changed,
)
from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.common.clock import moscow_today, utcnow
from privet_manager_app.domain.common.errors import (
    Conflict,
    NotFound,
    TooManyAttempts,
    ValidationFailed,
)
from privet_manager_app.domain.common.money import format_rub, parse_money
from privet_manager_app.domain.common.text import line_error
from privet_manager_app.domain.history import audit
from privet_manager_app.domain.history.journal import log_event
from privet_manager_app.domain.inputs import PAYMENT_METHODS, PaymentInput
from privet_manager_app.domain.views import InvoiceView, PaymentResult
from privet_manager_app.domain.wizard.contract import latest_contract, signed_contract
from privet_manager_app.domain.wizard.contract_text import short_date
from privet_manager_app.domain.wizard.numbering import INVOICE_PREFIX, next_number
from privet_manager_app.domain.wizard.support_chat import MessageType, post_to_client
from privet_manager_app.infra.db import transaction
from privet_manager_app.schema.enums import INVOICE_STATUS_LABELS, ClientStatus, InvoiceStatus
from privet_manager_app.schema.tables import ManagerClient, ManagerContract, ManagerInvoice
from privet_manager_app.settings import get_settings

MAX_REFERENCE_LENGTH = 255


def _invoice_for(session: Session, contract_id: int) -> ManagerInvoice | None:
    return session.exec(
        select(ManagerInvoice)
        .where(
            ManagerInvoice.contract_id == contract_id,
            ManagerInvoice.status != InvoiceStatus.CANCELLED,
        )
        .order_by(ManagerInvoice.id.desc())
        .limit(1)
    ).first()


def invoice_view(
    invoice: ManagerInvoice,
    contract: ManagerContract,
    client: ManagerClient,
    viewer: Actor | None,
) -> InvoiceView:
    reminder_at = None
    issued = invoice.status == InvoiceStatus.ISSUED
    if issued and invoice.last_notified_at:
        reminder_at = invoice.last_notified_at + dt.timedelta(
            seconds=get_settings().INVOICE_REMINDER_SECONDS
        )
    return InvoiceView(
        invoice_number=invoice.number,
        amount=invoice.amount,
        due_date=invoice.due_date,
        status=invoice.status,
        status_label=INVOICE_STATUS_LABELS.get(invoice.status, invoice.status),
        notify_count=invoice.notify_count,
        last_notified_at=invoice.last_notified_at,
        contract_number=contract.number,
        paid_at=invoice.paid_at,
        reminder_available_at=reminder_at,
        client_status=client.status,
        # Only the holder takes payment or reminds the client of the invoice.
        can_notify=issued and is_holder(viewer, client),
    )


def current_invoice_view(
    session: Session, client_id: int, viewer: Actor | None
) -> InvoiceView | None:
    contract = latest_contract(session, client_id)
    if contract is None:
        return None
    return contract_invoice_view(session, contract, session.get(ManagerClient, client_id), viewer)


def contract_invoice_view(
    session: Session, contract: ManagerContract, client: ManagerClient, viewer: Actor | None
) -> InvoiceView | None:
    """The invoice of a contract the caller has already read (the card reads it once)."""
    invoice = _invoice_for(session, contract.id)
    if invoice is None:
        return None
    return invoice_view(invoice, contract, client, viewer)


def current_invoice(actor: Actor, client_id: int) -> InvoiceView:
    """The invoice of the client's current contract."""
    with transaction() as session:
        view = current_invoice_view(session, client_id, actor)
    if view is None:
        raise NotFound("invoice_not_found", "Счёт не выставлялся")
    return view


def _payment_result(
    contract: ManagerContract,
    client: ManagerClient,
    invoice: ManagerInvoice | None,
    *,
    repeat: bool,
) -> PaymentResult:
    return PaymentResult(
        status=client.status,
        paid_at=contract.paid_at,
        amount=contract.payment_amount,
        method=contract.payment_method,
        reference=contract.payment_reference,
        contract_number=contract.number,
        invoice_number=invoice.number if invoice else None,
        already_confirmed=repeat,
    )


def _signed_for_payment(session: Session, client: ManagerClient) -> ManagerContract:
    contract = signed_contract(session, client.id)
    if contract is None:
        raise Conflict("contract_not_signed", "Сначала клиент должен подписать договор")
    return contract


def confirm_payment(actor: Actor, client_id: int, payment: PaymentInput) -> PaymentResult:
    """The manager confirms the surcharge was paid. A repeat returns the first confirmation.

    The method is one of PAYMENT_METHODS and the amount within bounds (the input's types)."""
    method = payment.method
    paid = parse_money(payment.amount, "amount", "Сумма оплаты")
    reference, message = line_error(
        payment.reference or "", "Номер операции", max_length=MAX_REFERENCE_LENGTH, min_length=0
    )
    if message:
        raise ValidationFailed("invalid_reference", message, fields={"reference": message})
    reference = reference or None
    with transaction() as session:
        client = lock_client(session, client_id)  # serialises concurrent confirmations
        check_assignee(session, actor, client)
        contract = _signed_for_payment(session, client)
        invoice = _invoice_for(session, contract.id)
        if contract.paid_at is not None:
            return _payment_result(contract, client, invoice, repeat=True)
        if contract.surcharge == 0:
            raise Conflict("nothing_to_pay", "По этому договору доплата не требуется")
        if paid != contract.surcharge:
            message = (
                f"Сумма оплаты должна быть равна доплате по договору {contract.number}: "
                f"{format_rub(contract.surcharge)}"
            )
            raise ValidationFailed(
                "payment_amount_mismatch",
                message,
                fields={"amount": message},
                extra={"expected_amount": str(contract.surcharge)},
            )
        now = utcnow()
        # Paid once, in one conditional statement: a confirmation that raced past the checks
        # above (were the client's row lock ever missing) becomes a repeat, not a payment.
        recorded = session.execute(
            sa.update(ManagerContract)
            .where(ManagerContract.id == contract.id, ManagerContract.paid_at.is_(None))
            .values(paid_at=now, payment_amount=paid, updated_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if recorded != 1:
            session.refresh(contract)
            session.refresh(client)
            return _payment_result(contract, client, invoice, repeat=True)
        contract.paid_at = now
        contract.payment_amount = paid
        contract.payment_method = method
        contract.payment_reference = reference
        contract.payment_confirmed_by = actor.id
        contract.updated_at = now
        session.add(contract)
        if invoice is not None and invoice.status == InvoiceStatus.ISSUED:
            invoice.status = InvoiceStatus.PAID
            invoice.paid_at = now
            session.add(invoice)
        before_status = client.status
        client.status = ClientStatus.PROCESSED
        client.processed_at = now
        mark_changed(session, client, supersede_contract=False)
        post_to_client(
            session,
            client.user_id,
            f"Оплата получена: {format_rub(paid)} по договору {contract.number}. Спасибо!",
            {
                "type": MessageType.PAYMENT_RECEIVED,
                "contract_number": contract.number,
                "invoice_number": invoice.number if invoice else None,
                "amount": str(paid),
                "currency": "RUB",
                "method": method,
                "paid_at": now.isoformat(),
            },
        )
        audit.record(
            session,
            actor,
            "payment_confirmed",
            "contract",
            contract.id,
            client_id=client.id,
            changes={
                "status": {"before": before_status, "after": client.status},
                "payment_amount": {"before": None, "after": str(paid)},
                "payment_method": {"before": None, "after": method},
                "payment_reference": {"before": None, "after": reference},
            },
        )
        log_event(
            session,
            client.id,
            actor,
            f"Оплата {format_rub(paid)} ({PAYMENT_METHODS[method]}) по договору "
            f"{contract.number} подтверждена; клиент обработан",
        )
        return _payment_result(contract, client, invoice, repeat=False)


def _invoice_message(
    invoice: ManagerInvoice, contract: ManagerContract, *, reminder: bool
) -> tuple[str, dict]:
    settings = get_settings()
    lead = "Напоминаем об оплате счёта" if reminder else "Выставлен счёт"
    body = (
        f"{lead} {invoice.number} на сумму {format_rub(invoice.amount)} по договору "
        f"{contract.number}. Оплатите до {short_date(invoice.due_date)}. Получатель: "
        f"{settings.COMPANY_NAME}, ИНН {settings.COMPANY_INN}, р/с {settings.COMPANY_ACCOUNT}, "
        f"{settings.COMPANY_BANK}. Назначение платежа: «Оплата по счёту {invoice.number}»."
    )
    payload = {
        "type": MessageType.INVOICE_REMINDER if reminder else MessageType.INVOICE,
        "invoice_number": invoice.number,
        "contract_number": contract.number,
        "amount": str(invoice.amount),
        "currency": "RUB",
        "due_date": invoice.due_date.isoformat(),
        "recipient": {
            "name": settings.COMPANY_NAME,
            "inn": settings.COMPANY_INN,
            "kpp": settings.COMPANY_KPP,
            "account": settings.COMPANY_ACCOUNT,
            "bank": settings.COMPANY_BANK,
        },
        "purpose": f"Оплата по счёту {invoice.number}",
    }
    return body, payload


def send_invoice(actor: Actor, client_id: int) -> InvoiceView:
    """First call: the invoice СЧ-… in the client's chat. Later: a throttled reminder."""
    settings = get_settings()
    with transaction() as session:
        client = lock_client(session, client_id)
        check_assignee(session, actor, client)
        contract = _signed_for_payment(session, client)
        if contract.surcharge == 0:
            raise Conflict("nothing_to_pay", "По этому договору доплата не требуется")
        if contract.paid_at is not None:
            raise Conflict("already_paid", "Доплата по договору уже получена")
        now = utcnow()
        invoice = _invoice_for(session, contract.id)
        if invoice is not None:
            available_at = invoice.last_notified_at + dt.timedelta(
                seconds=settings.INVOICE_REMINDER_SECONDS
            )
            if now < available_at:
                wait = int((available_at - now).total_seconds()) + 1
                raise TooManyAttempts(
                    "invoice_reminder_too_soon",
                    f"Счёт {invoice.number} уже отправлен. Напомнить можно через "
                    f"{max(1, round(wait / 60))} мин.",
                    extra={"retry_after_seconds": wait},
                )
            body, payload = _invoice_message(invoice, contract, reminder=True)
            post_to_client(session, client.user_id, body, payload)
            invoice.notify_count += 1
            invoice.last_notified_at = now
            session.add(invoice)
            log_event(
                session,
                client.id,
                actor,
                f"Напоминание об оплате счёта {invoice.number} отправлено в чат клиента",
            )
            return invoice_view(invoice, contract, client, actor)

        invoice = ManagerInvoice(
            number=next_number(session, INVOICE_PREFIX, moscow_today(now).year),
            contract_id=contract.id,
            amount=contract.surcharge,
            due_date=moscow_today(now) + dt.timedelta(days=settings.INVOICE_DUE_DAYS),
            status=InvoiceStatus.ISSUED,
            notify_count=1,
            last_notified_at=now,
            created_by=actor.id,
            created_at=now,
        )
        body, payload = _invoice_message(invoice, contract, reminder=False)
        invoice.support_message_id = post_to_client(session, client.user_id, body, payload)
        session.add(invoice)
        try:
            session.flush()
        except sa.exc.IntegrityError:
            # one live invoice per contract (a unique index): a parallel request issued it
            raise Conflict(
                "invoice_already_issued", "Счёт по этому договору уже выставлен"
            ) from None
        before_status = client.status
        client.status = ClientStatus.AWAITING_PAYMENT
        mark_changed(session, client, supersede_contract=False)
        audit.record(
            session,
            actor,
            "invoice_issued",
            "invoice",
            invoice.id,
            client_id=client.id,
            changes={
                "status": {"before": before_status, "after": client.status},
                "invoice_number": {"before": None, "after": invoice.number},
                "amount": {"before": None, "after": str(invoice.amount)},
            },
        )
        log_event(
            session,
            client.id,
            actor,
            f"Счёт {invoice.number} на {format_rub(invoice.amount)} отправлен в чат клиента, "
            f"срок оплаты {short_date(invoice.due_date)}",
        )
        return invoice_view(invoice, contract, client, actor)
