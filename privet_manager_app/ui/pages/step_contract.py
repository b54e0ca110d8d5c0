"""Step 4 «Тариф и договор»: choose a tariff (surcharge with its breakdown), generate the
contract, send the code to the client's chat, type the code the client reads out, sign."""

from __future__ import annotations

import asyncio
from typing import ClassVar, TypedDict

import reflex as rx

from privet_manager_app.domain.clients.open_step import Step, StepView
from privet_manager_app.domain.common.clock import utcnow
from privet_manager_app.domain.common.errors import DomainError, TooManyAttempts, ValidationFailed
from privet_manager_app.domain.views import ContractView
from privet_manager_app.domain.wizard import contract as contracts
from privet_manager_app.domain.wizard import signing, tariff_apply
from privet_manager_app.ui import routes
from privet_manager_app.ui.components import forms, layout
from privet_manager_app.ui.format import moscow_datetime, rubles
from privet_manager_app.ui.pages.wizard import WizardState, wizard_page
from privet_manager_app.ui.state import guard, run_domain

PEP_CONSENT = "Клиент согласен подписать договор простой электронной подписью"


class TariffOption(TypedDict):
    id: str
    name: str
    description: str
    terms: str


class Line(TypedDict):
    label: str
    amount: str


def _lines(breakdown: list[dict]) -> list[Line]:
    return [Line(label=line["label"], amount=rubles(line["amount"])) for line in breakdown]


class ContractState(WizardState):
    STEP: ClassVar[Step] = Step.CONTRACT

    tariff_options: list[TariffOption] = []
    selected_tariff: str = ""
    discount_pct: str = ""
    discount_reason: str = ""
    preview_lines: list[Line] = []
    preview_total: str = ""
    preview_fee: str = ""
    applied_tariff: str = ""
    applied_lines: list[Line] = []
    applied_total: str = ""
    applied_fee: str = ""
    needs_recalculation: bool = False
    missing: list[str] = []
    tariff_error: str = ""
    # The contract being signed
    contract_number: str = ""
    contract_status: str = ""
    contract_amount: str = ""
    pdf_url: str = ""
    certificate_url: str = ""
    signed_at: str = ""
    code: str = ""
    pep_agreed: bool = False
    attempts_left: int = 0
    sends_left: int = 0
    code_expires: str = ""
    resend_in: int = 0
    sign_error: str = ""
    busy: str = ""
    # The client's wrong-code budget is spent: when signing unlocks (Moscow time), or "".
    signing_locked_until: str = ""

    def _show_contract(self, contract: ContractView | None) -> None:
        if contract is None:
            self.contract_number = ""
            self.contract_status = ""
            return
        self.contract_number = contract.number
        self.contract_status = contract.status
        self.contract_amount = rubles(contract.surcharge)
        self.pdf_url = contract.pdf_url or ""
        self.certificate_url = contract.certificate_url or ""
        self.signed_at = moscow_datetime(contract.signed_at)
        self.attempts_left = contract.otp_attempts_left
        self.sends_left = contract.otp_sends_left
        self.code_expires = moscow_datetime(contract.otp_expires_at)
        self.signing_locked_until = moscow_datetime(contract.signing_locked_until)
        # The consent is the server's record (ticked in its own request), not the page's guess.
        self.pep_agreed = contract.pep_agreed_at is not None
        resend_at = contract.otp_resend_available_at
        self.resend_in = max(0, int((resend_at - utcnow()).total_seconds())) if resend_at else 0

    def _show_step(self, view: StepView) -> None:
        self.tariff_options = [
            TariffOption(
                id=str(option.id),
                name=option.name,
                description=option.description or "",
                terms=f"{rubles(option.base_monthly_fee)} в месяц · включено устройств: "
                f"{option.included_devices} · сверх — {rubles(option.extra_device_fee)}",
            )
            for option in view.tariffs
        ]
        applied = view.tariff
        if applied is not None:
            self.applied_tariff = str(applied.tariff.get("name", ""))
            self.applied_lines = _lines(applied.breakdown)
            self.applied_total = rubles(applied.surcharge)
            self.applied_fee = rubles(applied.base_monthly_fee)
            self.needs_recalculation = applied.needs_recalculation
            self.selected_tariff = str(applied.tariff_id)
        else:
            self.applied_tariff = ""
            self.needs_recalculation = False
        self._show_contract(view.contract)
        self.missing = view.missing

    @rx.event
    @guard(error="page_error")
    async def open_page(self, actor):
        self.tariff_error = ""
        self.sign_error = ""
        self.code = ""
        self.preview_lines = []
        self.preview_total = ""
        if await self._reload(actor) is None:
            return
        if self.selected_tariff:
            yield ContractState.preview
        if self.resend_in > 0:
            yield ContractState.tick_resend

    @rx.event
    def choose_tariff(self, tariff_id: str):
        self.selected_tariff = tariff_id
        return ContractState.preview

    @rx.event
    def set_discount_pct(self, value: str):
        self.discount_pct = value

    @rx.event
    def set_discount_reason(self, value: str):
        self.discount_reason = value

    @rx.event
    @guard(error="tariff_error")
    async def preview(self, actor):
        if not self.selected_tariff:
            return
        try:
            result = await run_domain(
                tariff_apply.preview_surcharge,
                actor,
                self.cid,
                int(self.selected_tariff),
                self.discount_pct or None,
                self.discount_reason or None,
            )
        except DomainError:
            self.preview_lines = []
            raise
        self.preview_lines = _lines(result.breakdown)
        self.preview_total = rubles(result.surcharge)
        self.preview_fee = rubles(result.base_monthly_fee)

    @rx.event
    @guard(error="tariff_error", busy="busy", busy_as="apply")
    async def apply(self, actor):
        if not self.selected_tariff:
            self.tariff_error = "Выберите тариф"
            return
        await run_domain(
            tariff_apply.apply_tariff,
            actor,
            self.cid,
            int(self.selected_tariff),
            self.discount_pct or None,
            self.discount_reason or None,
            version=self.version,
        )
        await self._reload(actor)

    @rx.event
    @guard(error="sign_error", busy="busy", busy_as="generate")
    async def generate(self, actor):
        try:
            contract = await run_domain(
                contracts.generate_contract, actor, self.cid, version=self.version
            )
        except DomainError as error:
            self.missing = error.extra.get("missing", self.missing)
            raise
        self._show_contract(contract)
        await self._open_step(actor)
        self.code = ""
        yield ContractState.tick_resend

    @rx.event
    @guard(error="sign_error")
    async def resend(self, actor):
        self._show_contract(await run_domain(contracts.resend_otp, actor, self.cid))
        return ContractState.tick_resend

    @rx.event(background=True)
    async def tick_resend(self):
        """The resend countdown: one tick a second until the button is available."""
        while True:
            async with self:
                if self.resend_in <= 0:
                    return
                self.resend_in -= 1
            await asyncio.sleep(1)

    @rx.event
    def set_code(self, value: str):
        self.code = "".join(ch for ch in value if ch.isdigit())[:6]

    @rx.event
    @guard(error="sign_error")
    async def set_pep_agreed(self, actor, value: bool):
        """The tick is the client's consent, recorded with its own time now — before any code
        is typed (the certificate shows both moments)."""
        consent = await run_domain(signing.record_consent, actor, self.cid, bool(value))
        self.pep_agreed = consent.pep_agreed

    @rx.event
    @guard(error="sign_error", busy="busy", busy_as="sign")
    async def sign(self, actor):
        # The consent as the manager ticked it: the domain refuses to sign without it.
        try:
            await run_domain(signing.confirm_signature, actor, self.cid, self.code, self.pep_agreed)
        except ValidationFailed as error:
            if "attempts_left" in error.extra:
                self.attempts_left = int(error.extra["attempts_left"])
            if error.extra.get("unlocks_at"):
                self._show_contract(await run_domain(contracts.current_contract, actor, self.cid))
            if error.code != "pep_consent_required":
                self.code = ""
            raise
        except TooManyAttempts as error:
            if error.code == "otp_locked":
                self._show_contract(await run_domain(contracts.current_contract, actor, self.cid))
            raise
        yield rx.redirect(routes.client_step(self.cid, "success"))


def _breakdown(lines, total, fee, total_id: str) -> rx.Component:
    return rx.vstack(
        rx.foreach(
            lines,
            lambda line: layout.spread(
                rx.text(line["label"], size="2"),
                end=rx.text(line["amount"], size="2", white_space="nowrap"),
            ),
        ),
        rx.divider(),
        layout.spread(
            rx.text("Доплата", weight="bold"),
            end=rx.text(total, weight="bold", id=total_id),
        ),
        layout.spread(
            forms.muted("Абонентская плата", size="2", shade=11),
            end=forms.muted(fee + " / мес", size="2", shade=11),
        ),
        spacing="2",
        width="100%",
    )


def _tariff_card() -> rx.Component:
    state = ContractState
    return layout.section(
        "Тариф",
        rx.radio_group.root(
            rx.vstack(
                rx.foreach(
                    state.tariff_options,
                    lambda option: rx.box(
                        rx.hstack(
                            rx.radio_group.item(value=option["id"]),
                            rx.vstack(
                                rx.text(option["name"], weight="bold", size="3"),
                                forms.muted(option["terms"], shade=11),
                                rx.cond(
                                    option["description"] != "",
                                    forms.muted(
                                        option["description"],
                                    ),
                                ),
                                spacing="1",
                            ),
                            align="start",
                            spacing="3",
                        ),
                        padding="10px",
                        border_radius="10px",
                        border=rx.cond(
                            state.selected_tariff == option["id"],
                            f"2px solid {rx.color('accent', 9)}",
                            f"1px solid {rx.color('gray', 5)}",
                        ),
                        width="100%",
                        on_click=state.choose_tariff(option["id"]),
                        cursor="pointer",
                        class_name="tariff-option",
                    ),
                ),
                spacing="2",
                width="100%",
            ),
            value=state.selected_tariff,
            on_change=state.choose_tariff,
            disabled=~state.can_edit,
            width="100%",
        ),
        rx.grid(
            forms.labelled(
                "Скидка, %",
                rx.input(
                    value=state.discount_pct,
                    on_change=state.set_discount_pct,
                    on_blur=state.preview,
                    input_mode="decimal",
                    placeholder="0",
                    id="discount-pct",
                    disabled=~state.can_edit,
                ),
            ),
            forms.labelled(
                "Причина скидки",
                rx.input(
                    value=state.discount_reason,
                    on_change=state.set_discount_reason,
                    on_blur=state.preview,
                    id="discount-reason",
                    disabled=~state.can_edit,
                ),
            ),
            columns="2",
            spacing="3",
            width="100%",
        ),
        rx.cond(
            state.preview_total != "",
            _breakdown(
                state.preview_lines, state.preview_total, state.preview_fee, "preview-total"
            ),
        ),
        forms.form_error(state.tariff_error),
        forms.action_button(
            "Применить тариф",
            on_click=state.apply,
            loading=state.busy == "apply",
            disabled=~state.can_edit,
            variant=rx.cond(state.applied_tariff != "", "soft", "solid"),
            id="apply-tariff",
        ),
    )


def _applied_card() -> rx.Component:
    state = ContractState
    return rx.cond(
        state.applied_tariff != "",
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.icon("circle_check", color=rx.color("green", 10)),
                    rx.text("Применён тариф «" + state.applied_tariff + "»", weight="bold"),
                ),
                _breakdown(
                    state.applied_lines, state.applied_total, state.applied_fee, "applied-total"
                ),
                forms.notice(
                    state.needs_recalculation,
                    "Устройства изменились — примените тариф заново",
                    icon="info",
                    color="amber",
                ),
                spacing="2",
                width="100%",
            ),
            width="100%",
            id="applied-tariff",
        ),
    )


def _contract_card() -> rx.Component:
    state = ContractState
    return layout.section(
        "Договор",
        forms.notice(
            state.missing.length() > 0,
            rx.vstack(
                rx.text("Чтобы сформировать договор, не хватает:", weight="medium"),
                rx.foreach(state.missing, lambda item: rx.text("• " + item, size="2")),
                spacing="1",
            ),
            icon="list_checks",
            color="amber",
            id="missing-list",
        ),
        rx.cond(
            state.contract_number != "",
            rx.vstack(
                layout.spread(
                    rx.icon("file_text", size=18),
                    rx.text("№ " + state.contract_number, weight="bold", id="contract-number"),
                    end=rx.text(state.contract_amount, weight="bold"),
                ),
                rx.cond(
                    state.pdf_url != "",
                    rx.link(
                        rx.button(
                            rx.icon("external_link", size=14),
                            "Открыть договор (PDF)",
                            variant="outline",
                            width="100%",
                        ),
                        href=state.pdf_url,
                        is_external=True,
                        width="100%",
                        id="contract-pdf",
                    ),
                ),
                spacing="2",
                width="100%",
            ),
        ),
        rx.cond(
            state.contract_status != "signed",
            forms.action_button(
                rx.cond(
                    state.contract_number != "",
                    "Сформировать заново и отправить новый код",
                    "Сформировать договор и отправить код клиенту",
                ),
                on_click=state.generate,
                loading=state.busy == "generate",
                disabled=~state.can_edit
                | (state.missing.length() > 0)
                | (state.signing_locked_until != ""),
                variant=rx.cond(state.contract_number != "", "soft", "solid"),
                id="generate-contract",
            ),
        ),
    )


def _signing_card() -> rx.Component:
    state = ContractState
    return rx.cond(
        state.contract_status == "otp_sent",
        layout.section(
            "Подписание",
            forms.muted(
                "Код отправлен в чат поддержки клиента в приложении «Привет Супер». "
                "Попросите клиента назвать код.",
                size="2",
                shade=11,
            ),
            forms.notice(
                state.signing_locked_until != "",
                "Подписание заблокировано: исчерпан лимит неверных кодов клиента. "
                "Разблокируется " + state.signing_locked_until + " (МСК) или раньше — "
                "администратором в карточке клиента",
                icon="lock",
                color="red",
                id="signing-locked",
            ),
            rx.checkbox(
                PEP_CONSENT,
                checked=state.pep_agreed,
                on_change=state.set_pep_agreed,
                id="pep-consent",
                size="3",
            ),
            forms.wide_input(
                value=state.code,
                on_change=state.set_code,
                placeholder="Код из 6 цифр",
                input_mode="numeric",
                auto_complete="one-time-code",
                max_length=6,
                text_align="center",
                letter_spacing="0.3em",
                id="otp-code",
            ),
            layout.spread(
                rx.text("Осталось попыток: ", state.attempts_left, size="1", id="attempts-left"),
                end=rx.text("Код действует до ", state.code_expires, size="1"),
                color=rx.color("gray", 10),
            ),
            forms.form_error(state.sign_error),
            forms.action_button(
                "Подписать договор",
                on_click=state.sign,
                loading=state.busy == "sign",
                disabled=(state.code.length() != 6)
                | ~state.can_edit
                | (state.signing_locked_until != ""),
                id="sign-contract",
            ),
            rx.button(
                rx.cond(
                    state.resend_in > 0,
                    "Отправить код ещё раз через " + state.resend_in.to_string() + " с",
                    "Отправить код ещё раз",
                ),
                on_click=state.resend,
                disabled=(state.resend_in > 0)
                | (state.sends_left == 0)
                | ~state.can_edit
                | (state.signing_locked_until != ""),
                variant="ghost",
                width="100%",
                id="resend-code",
            ),
            id="signing-card",
        ),
        rx.cond(
            state.sign_error != "",
            forms.form_error(state.sign_error),
        ),
    )


def _signed_card() -> rx.Component:
    state = ContractState
    return rx.cond(
        state.contract_status == "signed",
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.icon("badge_check", color=rx.color("green", 10)),
                    rx.text("Договор подписан " + state.signed_at, weight="bold"),
                ),
                rx.cond(
                    state.certificate_url != "",
                    rx.link("Лист подписания (PDF)", href=state.certificate_url, is_external=True),
                ),
                rx.link(
                    rx.button("К оплате", size="3", width="100%"),
                    href=state.step_hrefs["success"],
                    width="100%",
                ),
                spacing="2",
                width="100%",
            ),
            width="100%",
        ),
    )


def page() -> rx.Component:
    state = ContractState
    return wizard_page(
        "4",
        rx.cond(state.contract_status == "signed", rx.fragment(), _tariff_card()),
        _applied_card(),
        _contract_card(),
        _signing_card(),
        _signed_card(),
        rx.link(rx.button("Назад", variant="soft", size="3"), href=state.step_hrefs["3"]),
    )
