"""Final screen: nothing to pay, or confirm payment on the spot, or send an invoice to the
client's chat (a repeat is a throttled reminder), then back to the list."""

from __future__ import annotations

from typing import ClassVar

import reflex as rx

from privet_manager_app.domain.clients.open_step import Step, StepView
from privet_manager_app.domain.inputs import PAYMENT_METHODS, PaymentInput
from privet_manager_app.domain.wizard import payment as payments
from privet_manager_app.ui import routes
from privet_manager_app.ui.components import forms, layout, signed_copy
from privet_manager_app.ui.format import moscow_datetime, rubles
from privet_manager_app.ui.pages.wizard import WizardState, wizard_page
from privet_manager_app.ui.state import guard, run_domain

METHOD_OPTIONS = [(method, label.capitalize()) for method, label in PAYMENT_METHODS.items()]


class FinalState(forms.FormMixin, WizardState):
    STEP: ClassVar[Step] = Step.FINAL

    contract_number: str = ""
    surcharge: str = ""
    surcharge_raw: str = ""
    signed: bool = False
    paid_text: str = ""
    invoice_text: str = ""
    invoice_reminders: int = 0
    message: str = ""
    error: str = ""
    busy: str = ""
    copy_error: str = ""
    copy_busy: bool = False

    def _show_step(self, view: StepView) -> None:
        contract = view.contract
        self.signed = contract is not None and contract.signed_at is not None
        self.contract_number = contract.number if contract else ""
        amount = contract.surcharge if contract else None
        self.surcharge = rubles(amount) if amount is not None else ""
        self.surcharge_raw = str(amount) if amount is not None else ""
        if contract is not None and contract.paid_at is not None:
            method = PAYMENT_METHODS.get(contract.payment_method or "", "")
            self.paid_text = (
                f"Оплата {rubles(contract.payment_amount)} получена "
                f"{moscow_datetime(contract.paid_at)} ({method})"
            )
        else:
            self.paid_text = ""
        invoice = view.invoice
        if invoice is not None:
            self.invoice_text = (
                f"Счёт {invoice.invoice_number} на {rubles(invoice.amount)}, "
                f"оплатить до {invoice.due_date:%d.%m.%Y}"
            )
            self.invoice_reminders = max(0, invoice.notify_count - 1)
        else:
            self.invoice_text = ""
        self.form = {"amount": self.surcharge_raw, "method": "card", "reference": ""}

    @rx.event
    @guard(error="page_error")
    async def open_page(self, actor):
        self.message = ""
        self.error = ""
        self.errors = {}
        await self._reload(actor)

    @rx.event
    @guard(error="copy_error", busy="copy_busy")
    async def download_signed_copy(self, actor):
        return await signed_copy.download(actor, self.cid)

    @rx.event
    @guard(error="error", busy="busy", busy_as="pay")
    async def confirm_payment(self, actor):
        payment = PaymentInput.from_form(self.form)
        result = await run_domain(payments.confirm_payment, actor, self.cid, payment)
        self.message = (
            "Эта оплата уже была подтверждена"
            if result.already_confirmed
            else "Оплата подтверждена, клиент обработан"
        )
        await self._reload(actor)

    @rx.event
    @guard(error="error", busy="busy", busy_as="invoice")
    async def send_invoice(self, actor):
        invoice = await run_domain(payments.send_invoice, actor, self.cid)
        self.message = (
            f"Напоминание о счёте {invoice.invoice_number} отправлено в чат клиента"
            if invoice.notify_count > 1
            else f"Счёт {invoice.invoice_number} отправлен в чат клиента"
        )
        await self._reload(actor)


def _payment_form() -> rx.Component:
    state = FinalState
    return layout.section(
        "Оплата на месте",
        forms.input_field(state, PaymentInput, "amount", input_mode="decimal"),
        forms.select_field(state, "method", PaymentInput.label("method"), METHOD_OPTIONS),
        forms.input_field(state, PaymentInput, "reference", hint="Необязательно"),
        forms.action_button(
            "Подтвердить оплату",
            on_click=state.confirm_payment,
            loading=state.busy == "pay",
            disabled=~state.can_take_payment,
            id="confirm-payment",
        ),
    )


def _invoice_card() -> rx.Component:
    state = FinalState
    return layout.section(
        "Счёт в чат клиента",
        rx.cond(
            state.invoice_text != "",
            rx.vstack(
                rx.text(state.invoice_text, size="2", id="invoice-text"),
                rx.cond(
                    state.invoice_reminders > 0,
                    forms.muted(
                        "Напоминаний отправлено: ",
                        state.invoice_reminders,
                    ),
                ),
                spacing="1",
            ),
            forms.muted(
                "Клиент получит счёт с суммой в чате поддержки и оплатит позже.",
                size="2",
                shade=11,
            ),
        ),
        forms.action_button(
            rx.cond(state.invoice_text != "", "Напомнить об оплате", "Выставить счёт"),
            on_click=state.send_invoice,
            loading=state.busy == "invoice",
            disabled=~state.can_take_payment,
            variant="soft",
            id="send-invoice",
        ),
    )


def page() -> rx.Component:
    state = FinalState
    done = state.is_processed
    return wizard_page(
        "success",
        forms.notice(~state.signed, "Договор ещё не подписан", icon="info"),
        rx.cond(
            state.signed,
            rx.card(
                rx.vstack(
                    rx.hstack(
                        rx.icon(
                            rx.cond(done, "circle_check", "wallet"),
                            size=28,
                            color=rx.cond(done, rx.color("green", 10), rx.color("orange", 10)),
                        ),
                        rx.heading(
                            rx.cond(
                                done,
                                rx.cond(
                                    state.paid_text != "",
                                    "Оплачено, клиент обработан",
                                    "Готово: оплата не требуется",
                                ),
                                "Доплата " + state.surcharge,
                            ),
                            size="4",
                            id="final-heading",
                        ),
                        align="center",
                    ),
                    rx.text("Договор № " + state.contract_number, size="2"),
                    signed_copy.button(
                        state.download_signed_copy,
                        busy=state.copy_busy,
                        error=state.copy_error,
                        element_id="final-signed-copy",
                    ),
                    rx.cond(
                        state.paid_text != "", rx.text(state.paid_text, size="2", id="paid-text")
                    ),
                    spacing="2",
                    width="100%",
                ),
                width="100%",
            ),
        ),
        forms.notice(
            state.message != "",
            state.message,
            icon="circle_check",
            color="green",
            id="final-message",
        ),
        forms.form_error(state.error),
        rx.cond(
            state.signed & ~done,
            rx.vstack(_payment_form(), _invoice_card(), spacing="3", width="100%"),
        ),
        rx.link(
            rx.button("К списку клиентов", size="3", width="100%", variant="soft"),
            href=routes.clients("mine"),
            width="100%",
            id="back-to-list",
        ),
    )
