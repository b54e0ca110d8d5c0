"""Step 1 «Данные»: name, phone, e-mail and the registration address (one line → fields)."""

from __future__ import annotations

from typing import ClassVar

import reflex as rx

from privet_manager_app.domain.clients.open_step import Step
from privet_manager_app.domain.inputs import AddressInput, ProfileInput
from privet_manager_app.domain.wizard import addresses, profile
from privet_manager_app.ui import routes
from privet_manager_app.ui.components import forms, layout
from privet_manager_app.ui.pages.wizard import WizardState, wizard_page
from privet_manager_app.ui.state import guard, run_domain

CONTACTS = ("name", "phone", "email")
ADDRESS_FIELDS = AddressInput.fields()


class ProfileState(forms.FormMixin, WizardState):
    STEP: ClassVar[Step] = Step.PROFILE

    warnings: list[str] = []
    unrecognized: str = ""

    def _fill(self, card, address) -> None:
        self.form = {
            "name": card.name or "",
            "phone": card.phone_display or card.phone or "",
            "email": card.email or "",
            "registration_address": card.registration_address or "",
            **{name: getattr(address, name) or "" for name in ADDRESS_FIELDS},
        }
        self.errors = {}

    @rx.event
    @guard(error="page_error")
    async def open_page(self, actor):
        draft = self._typed_draft(actor, self._route_client_id())
        if draft is None:
            self.form_error = ""
            self.stale = False
            self.warnings = []
            self.unrecognized = ""
        view = await self._open_step(actor)
        if view is not None:
            self._fill(view.card, view.address)
            if draft is not None and self.can_edit:
                self._apply_draft(draft)

    @rx.event
    def parse_line(self):
        """The typed line split into fields right away; the manager corrects what is wrong."""
        parsed = addresses.parse_address(self.form.get("registration_address", ""))
        fields = parsed.fields()
        if any(fields.values()):
            self.form = {**self.form, **{name: value or "" for name, value in fields.items()}}
        self.unrecognized = ", ".join(parsed.unrecognized)

    @rx.event
    @guard(error="form_error", busy="saving")
    async def save(self, actor):
        self.warnings = []
        # Every field as typed: "" clears (the e-mail, an address field) or is refused (the name).
        entered = ProfileInput.model_validate(
            {name: self.form.get(name, "") for name in (*CONTACTS, "registration_address")}
            | {"address": {name: self.form.get(name, "") for name in ADDRESS_FIELDS}}
        )
        view = await run_domain(
            profile.update_profile, actor, self.cid, entered, version=self.version
        )
        self.version = view.version
        self.client_name = view.name or self.client_name
        self._fill(view, view.address)
        self._forget_typing()
        self.warnings = [notice.message for notice in view.warnings]
        if not self.warnings:
            yield rx.redirect(routes.client_step(self.cid, 2))

    @rx.event
    @guard(error="form_error")
    async def reload_version(self, actor):
        """After a conflict: take the current version, keep everything typed in the form."""
        if await self._open_step(actor) is not None:
            self.stale = False
            self.form_error = (
                "Версия обновлена. Проверьте поля и сохраните ещё раз — введённое сохранено."
            )


def _stale_banner() -> rx.Component:
    return forms.stale_reload(ProfileState, rx.icon("refresh_cw", size=16), id="reload-version")


def page() -> rx.Component:
    read_only = ~ProfileState.can_edit
    return wizard_page(
        "1",
        layout.section(
            "Контактные данные",
            forms.input_field(ProfileState, ProfileInput, "name", disabled=read_only),
            forms.input_field(
                ProfileState,
                ProfileInput,
                "phone",
                hint="Российский номер: +7 и 10 цифр",
                type="tel",
                input_mode="tel",
                disabled=read_only,
            ),
            forms.input_field(
                ProfileState,
                ProfileInput,
                "email",
                type="email",
                input_mode="email",
                disabled=read_only,
            ),
        ),
        layout.section(
            "Адрес регистрации",
            forms.labelled(
                "Адрес одной строкой",
                rx.text_area(
                    value=ProfileState.form["registration_address"],
                    on_change=lambda value: ProfileState.set_field("registration_address", value),
                    on_blur=ProfileState.parse_line,
                    placeholder="123456, г. Москва, ул. Тверская, д. 1, кв. 5",
                    rows="2",
                    width="100%",
                    id="field-registration_address",
                    disabled=read_only,
                ),
                ProfileState.errors["registration_address"],
                "После ввода строка разбирается на поля — поправьте, если нужно",
            ),
            forms.notice(
                ProfileState.unrecognized,
                "Не удалось разобрать: " + ProfileState.unrecognized,
                icon="info",
                color="amber",
            ),
            rx.grid(
                *(
                    forms.input_field(ProfileState, AddressInput, name, disabled=read_only)
                    for name in ADDRESS_FIELDS
                ),
                columns=rx.breakpoints(initial="2", sm="3"),
                spacing="3",
                width="100%",
            ),
        ),
        forms.form_error(ProfileState.form_error),
        _stale_banner(),
        forms.warnings_list(ProfileState.warnings),
        rx.hstack(
            rx.cond(
                ProfileState.warnings.length() > 0,
                rx.link(
                    rx.button("Далее", variant="soft", size="3"),
                    href=ProfileState.step_hrefs["2"],
                ),
            ),
            rx.button(
                "Сохранить и далее",
                on_click=ProfileState.save,
                loading=ProfileState.saving,
                disabled=read_only,
                size="3",
                flex="1",
                id="save-profile",
            ),
            width="100%",
        ),
    )
