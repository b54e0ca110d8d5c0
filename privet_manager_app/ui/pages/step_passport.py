"""Step 2 «Паспорт»: a card of the saved passport, and the form to enter or correct it."""

from __future__ import annotations

from typing import ClassVar

import reflex as rx

from privet_manager_app.domain.clients.open_step import Step
from privet_manager_app.domain.inputs import PassportInput
from privet_manager_app.domain.wizard import passport as passports
from privet_manager_app.ui import routes
from privet_manager_app.ui.components import forms, layout
from privet_manager_app.ui.format import passport_card
from privet_manager_app.ui.pages.wizard import WizardState, wizard_page
from privet_manager_app.ui.state import guard, run_domain

FORM_FIELDS = PassportInput.fields()


class PassportState(forms.FormMixin, WizardState):
    STEP: ClassVar[Step] = Step.PASSPORT

    warnings: list[str] = []
    has_passport: bool = False
    editing: bool = False
    card: dict[str, str] = {}

    def _show(self, passport) -> None:
        self.has_passport = True
        self.card = passport_card(passport)
        self.warnings = [notice.message for notice in getattr(passport, "warnings", [])]

    def _fill_form(self, passport) -> None:
        self.form = {name: _text(getattr(passport, name)) for name in FORM_FIELDS}
        self.typed_for = 0

    @rx.event
    @guard(error="page_error")
    async def open_page(self, actor):
        if self._keeps_typing(self._route_client_id()):
            await self._reopen_keeping_form(actor)
            return
        self.form_error = ""
        self.stale = False
        self.errors = {}
        self.has_passport = False
        self.warnings = []
        view = await self._open_step(actor)
        if view is None:
            return
        if view.passport is not None:  # the holder: the full passport, in the form too
            self._show(view.passport)
            self._fill_form(view.passport)
        elif view.passport_masked is not None:  # anyone else: the masked card only
            self._show(view.passport_masked)
        else:
            self.form = dict.fromkeys(FORM_FIELDS, "")
            self.typed_for = 0
        self.editing = not self.has_passport and self.can_edit

    @rx.event
    def start_editing(self):
        self.editing = True

    @rx.event
    def cancel_editing(self):
        self.editing = False
        self.errors = {}
        self.form_error = ""

    @rx.event
    @guard(error="form_error", busy="saving")
    async def save(self, actor):
        result = await run_domain(
            passports.save_passport,
            actor,
            self.cid,
            PassportInput.from_form(self.form),
            version=self.version,
        )
        self.version = result.version
        self._show(result)
        self._fill_form(result)
        self.editing = False
        if not self.warnings:
            yield rx.redirect(routes.client_step(self.cid, 3))

    @rx.event
    @guard(error="form_error")
    async def reload_version(self, actor):
        if await self._open_step(actor) is not None:
            self.stale = False
            self.editing = True
            self.form_error = "Версия обновлена. Проверьте поля и сохраните ещё раз."


def _text(value) -> str:
    """A stored value as the form shows it (dates as the date input wants them: ГГГГ-ММ-ДД)."""
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _card() -> rx.Component:
    def row(label: str, key: str) -> rx.Component:
        return rx.hstack(
            rx.text(label, size="2", color=rx.color("gray", 10), min_width="110px"),
            rx.text(PassportState.card[key], size="2", weight="medium"),
            align="start",
            width="100%",
        )

    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.icon("id_card", size=20, color=rx.color("accent", 10)),
                rx.heading("Паспорт РФ", size="3"),
                rx.spacer(),
                rx.cond(
                    PassportState.can_edit,
                    rx.button(
                        rx.icon("pencil", size=14),
                        "Изменить",
                        variant="soft",
                        size="2",
                        on_click=PassportState.start_editing,
                        id="edit-passport",
                    ),
                ),
                width="100%",
                align="center",
            ),
            row("ФИО", "full_name"),
            row("Рождение", "birth"),
            row("Серия, номер", "number"),
            row("Выдан", "issued"),
            row("Код подразд.", "division_code"),
            spacing="2",
            width="100%",
        ),
        width="100%",
        id="passport-card",
    )


def _form() -> rx.Component:
    state = PassportState
    return layout.section(
        "Паспорт РФ",
        forms.input_field(state, PassportInput, "last_name", auto_complete="off"),
        forms.input_field(state, PassportInput, "first_name", auto_complete="off"),
        forms.input_field(state, PassportInput, "middle_name", hint="Если есть"),
        forms.input_field(state, PassportInput, "birth_date", type="date"),
        forms.input_field(state, PassportInput, "birth_place"),
        rx.grid(
            forms.input_field(
                state,
                PassportInput,
                "series",
                input_mode="numeric",
                max_length=5,
                placeholder="4512",
            ),
            forms.input_field(
                state,
                PassportInput,
                "number",
                input_mode="numeric",
                max_length=7,
                placeholder="123456",
            ),
            columns="2",
            spacing="3",
            width="100%",
        ),
        forms.input_field(state, PassportInput, "issue_date", type="date"),
        forms.input_field(state, PassportInput, "issued_by"),
        forms.input_field(
            state,
            PassportInput,
            "division_code",
            input_mode="numeric",
            placeholder="770-001",
            max_length=7,
        ),
        id="passport-form",
    )


def page() -> rx.Component:
    state = PassportState
    return wizard_page(
        "2",
        rx.cond(state.editing, _form(), rx.cond(state.has_passport, _card())),
        rx.cond(
            ~state.has_passport & ~state.editing,
            rx.callout("Паспорт ещё не внесён", icon="info", width="100%"),
        ),
        forms.form_error(state.form_error),
        rx.cond(
            state.stale,
            rx.button(
                "Обновить данные клиента (введённое останется)",
                on_click=state.reload_version,
                variant="soft",
                color_scheme="amber",
                width="100%",
            ),
        ),
        forms.warnings_list(state.warnings),
        rx.hstack(
            rx.link(rx.button("Назад", variant="soft", size="3"), href=state.step_hrefs["1"]),
            rx.cond(
                state.editing,
                rx.hstack(
                    rx.cond(
                        state.has_passport,
                        rx.button(
                            "Отмена", variant="ghost", size="3", on_click=state.cancel_editing
                        ),
                    ),
                    rx.button(
                        "Сохранить паспорт",
                        on_click=state.save,
                        loading=state.saving,
                        size="3",
                        id="save-passport",
                    ),
                    spacing="2",
                ),
                rx.link(
                    rx.button("Далее", size="3", id="passport-next", disabled=~state.has_passport),
                    href=state.step_hrefs["3"],
                ),
            ),
            justify="between",
            width="100%",
        ),
    )
