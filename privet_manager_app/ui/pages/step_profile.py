"""Step 1 «Данные»: name, phone, e-mail and the registration address (one line → fields)."""

from __future__ import annotations

import reflex as rx

from privet_manager_app.domain.common.errors import DomainError
from privet_manager_app.domain.wizard import addresses, profile
from privet_manager_app.ui import routes
from privet_manager_app.ui.components import forms
from privet_manager_app.ui.pages.wizard import WizardState, wizard_page
from privet_manager_app.ui.state import run_domain

ADDRESS_LABELS = (
    ("postcode", "Индекс"),
    ("region", "Регион"),
    ("city", "Населённый пункт"),
    ("street", "Улица"),
    ("house", "Дом"),
    ("building", "Корпус / строение"),
    ("apartment", "Квартира"),
)


class ProfileState(forms.FormMixin, WizardState):
    warnings: list[str] = []
    unrecognized: str = ""

    def _fill(self, view) -> None:
        address = view.address
        self.form = {
            "name": view.name or "",
            "phone": view.phone_display or view.phone or "",
            "email": view.email or "",
            "registration_address": view.registration_address or "",
            **{name: getattr(address, name) or "" for name, _ in ADDRESS_LABELS},
        }
        self.errors = {}

    @rx.event
    async def open_page(self):
        self.form_error = ""
        self.stale = False
        self.warnings = []
        self.unrecognized = ""
        opened = await self.open_client()
        if opened is not None:
            self._fill(opened[1])

    @rx.event
    def parse_line(self):
        """The typed line split into fields right away; the manager corrects what is wrong."""
        parsed = addresses.parse_address(self.form.get("registration_address", ""))
        fields = parsed.fields()
        if any(fields.values()):
            self.form = {**self.form, **{name: value or "" for name, value in fields.items()}}
        self.unrecognized = ", ".join(parsed.unrecognized)

    @rx.event
    async def save(self):
        actor = await self.actor()
        if actor is None:
            yield self.to_login()
            return
        self.saving = True
        self.form_error = ""
        self.warnings = []
        yield
        form = self.form
        try:
            view = await run_domain(
                profile.update_profile,
                actor,
                self.cid,
                version=self.version,
                name=form.get("name", ""),
                phone=form.get("phone", ""),
                email=form.get("email", ""),
                registration_address=form.get("registration_address", ""),
                address={name: form.get(name, "") for name, _ in ADDRESS_LABELS},
            )
        except DomainError as error:
            self.show_error(error)
        else:
            self.version = view.version
            self.client_name = view.name or self.client_name
            self._fill(view)
            self.warnings = [notice.message for notice in view.warnings]
            if not self.warnings:
                yield rx.redirect(routes.client_step(self.cid, 2))
        finally:
            self.saving = False

    @rx.event
    async def reload_version(self):
        """After a conflict: take the current version, keep everything typed in the form."""
        opened = await self.open_client()
        if opened is not None:
            self.stale = False
            self.form_error = (
                "Версия обновлена. Проверьте поля и сохраните ещё раз — введённое сохранено."
            )


def _stale_banner() -> rx.Component:
    return rx.cond(
        ProfileState.stale,
        rx.button(
            rx.icon("refresh_cw", size=16),
            "Обновить данные клиента (введённое останется)",
            on_click=ProfileState.reload_version,
            variant="soft",
            color_scheme="amber",
            width="100%",
            id="reload-version",
        ),
    )


def page() -> rx.Component:
    read_only = ~ProfileState.can_edit
    return wizard_page(
        "1",
        rx.card(
            rx.vstack(
                rx.heading("Контактные данные", size="3"),
                forms.text_field(ProfileState, "name", "Имя", disabled=read_only),
                forms.text_field(
                    ProfileState,
                    "phone",
                    "Телефон",
                    hint="Российский номер: +7 и 10 цифр",
                    type="tel",
                    input_mode="tel",
                    disabled=read_only,
                ),
                forms.text_field(
                    ProfileState,
                    "email",
                    "Email",
                    type="email",
                    input_mode="email",
                    disabled=read_only,
                ),
                spacing="3",
                width="100%",
            ),
            width="100%",
        ),
        rx.card(
            rx.vstack(
                rx.heading("Адрес регистрации", size="3"),
                forms.labelled(
                    "Адрес одной строкой",
                    rx.text_area(
                        value=ProfileState.form["registration_address"],
                        on_change=lambda value: ProfileState.set_field(
                            "registration_address", value
                        ),
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
                rx.cond(
                    ProfileState.unrecognized,
                    rx.callout(
                        "Не удалось разобрать: " + ProfileState.unrecognized,
                        icon="info",
                        color_scheme="amber",
                        width="100%",
                    ),
                ),
                rx.grid(
                    *(
                        forms.text_field(ProfileState, name, label, disabled=read_only)
                        for name, label in ADDRESS_LABELS
                    ),
                    columns=rx.breakpoints(initial="2", sm="3"),
                    spacing="3",
                    width="100%",
                ),
                spacing="3",
                width="100%",
            ),
            width="100%",
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
