"""Step 2 «Паспорт»: a card of the saved passport, and the form to enter or correct it."""

from __future__ import annotations

import reflex as rx

from privet_manager_app.domain.common.errors import Conflict, DomainError, Forbidden
from privet_manager_app.domain.wizard import passport as passports
from privet_manager_app.ui import routes
from privet_manager_app.ui.components import forms
from privet_manager_app.ui.format import passport_card
from privet_manager_app.ui.pages.wizard import WizardState, wizard_page
from privet_manager_app.ui.state import run_domain

TEXT_FIELDS = ("last_name", "first_name", "middle_name", "birth_place", "issued_by")
FORM_FIELDS = (*TEXT_FIELDS, "birth_date", "series", "number", "issue_date", "division_code")


class PassportState(forms.FormMixin, WizardState):
    warnings: list[str] = []
    has_passport: bool = False
    editing: bool = False
    card: dict[str, str] = {}

    def _show(self, passport) -> None:
        self.has_passport = True
        self.card = passport_card(passport)
        self.warnings = [notice.message for notice in getattr(passport, "warnings", [])]

    def _fill_form(self, passport) -> None:
        self.form = {
            **{name: getattr(passport, name) or "" for name in TEXT_FIELDS},
            "birth_date": passport.birth_date.isoformat(),
            "issue_date": passport.issue_date.isoformat(),
            "series": passport.series,
            "number": passport.number,
            "division_code": passport.division_code,
        }

    @rx.event
    async def open_page(self):
        self.form_error = ""
        self.stale = False
        self.errors = {}
        opened = await self.open_client()
        if opened is None:
            return
        actor, detail = opened
        self.has_passport = False
        self.warnings = []
        try:
            full = await run_domain(passports.full_passport, actor, self.cid)
        except (Forbidden, Conflict):
            full = None  # not the assignee: the masked card only
            if detail.passport is not None:
                self._show(detail.passport)
        except DomainError as error:
            self.form_error = error.message
            return
        if full is not None:
            self._show(full)
            self._fill_form(full)
        elif not self.has_passport:
            self.form = {name: "" for name in FORM_FIELDS}
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
    async def save(self):
        actor = await self.actor()
        if actor is None:
            yield self.to_login()
            return
        self.saving = True
        self.form_error = ""
        yield
        try:
            result = await run_domain(
                passports.save_passport,
                actor,
                self.cid,
                version=self.version,
                **{name: self.form.get(name, "") for name in FORM_FIELDS},
            )
        except DomainError as error:
            self.show_error(error)
        else:
            self.version = result.version
            self._show(result)
            self._fill_form(result)
            self.editing = False
            if not self.warnings:
                yield rx.redirect(routes.client_step(self.cid, 3))
        finally:
            self.saving = False

    @rx.event
    async def reload_version(self):
        if await self.open_client() is not None:
            self.stale = False
            self.editing = True
            self.form_error = "Версия обновлена. Проверьте поля и сохраните ещё раз."


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
    return rx.card(
        rx.vstack(
            rx.heading("Паспорт РФ", size="3"),
            forms.text_field(state, "last_name", "Фамилия", auto_complete="off"),
            forms.text_field(state, "first_name", "Имя", auto_complete="off"),
            forms.text_field(state, "middle_name", "Отчество", hint="Если есть"),
            forms.text_field(state, "birth_date", "Дата рождения", type="date"),
            forms.text_field(state, "birth_place", "Место рождения"),
            rx.grid(
                forms.text_field(
                    state,
                    "series",
                    "Серия",
                    input_mode="numeric",
                    max_length=5,
                    placeholder="4512",
                ),
                forms.text_field(
                    state,
                    "number",
                    "Номер",
                    input_mode="numeric",
                    max_length=7,
                    placeholder="123456",
                ),
                columns="2",
                spacing="3",
                width="100%",
            ),
            forms.text_field(state, "issue_date", "Дата выдачи", type="date"),
            forms.text_field(state, "issued_by", "Кем выдан"),
            forms.text_field(
                state,
                "division_code",
                "Код подразделения",
                input_mode="numeric",
                placeholder="770-001",
                max_length=7,
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
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
