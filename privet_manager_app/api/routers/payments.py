"""/api/manager/clients/{id}: payment on the spot, the invoice and its reminders."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from privet_manager_app.api.deps import current_actor
from privet_manager_app.api.openapi import raises
from privet_manager_app.api.params import ClientId
from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.inputs import PaymentInput
from privet_manager_app.domain.views import InvoiceView, PaymentResult
from privet_manager_app.domain.wizard import payment as payments

router = APIRouter(prefix="/clients/{client_id:int}", tags=["Оплата"])


class PaymentRequest(PaymentInput):
    pass


@router.post(
    "/payment/confirm",
    response_model=PaymentResult,
    summary="Оплата получена (идемпотентно: повтор вернёт первое подтверждение)",
)
def confirm_payment(
    client_id: ClientId, body: PaymentRequest, actor: Actor = Depends(current_actor)
) -> PaymentResult:
    return payments.confirm_payment(actor, client_id, body)


@router.post(
    "/billing/notify",
    response_model=InvoiceView,
    summary="Счёт в чат клиента; повтор — напоминание (не чаще INVOICE_REMINDER_SECONDS)",
    responses=raises(s429="invoice_reminder_too_soon (Retry-After)"),
)
def notify(client_id: ClientId, actor: Actor = Depends(current_actor)) -> InvoiceView:
    return payments.send_invoice(actor, client_id)


@router.get("/invoice", response_model=InvoiceView, summary="Счёт по договору клиента")
def invoice(client_id: ClientId, actor: Actor = Depends(current_actor)) -> InvoiceView:
    return payments.current_invoice(actor, client_id)
