"""/login: e-mail and password."""

from __future__ import annotations

import reflex as rx

from privet_manager_app.domain.admin import auth
from privet_manager_app.domain.common.errors import DomainError
from privet_manager_app.ui import routes
from privet_manager_app.ui.components import forms, layout
from privet_manager_app.ui.state import SessionState, run_domain


class LoginState(SessionState):
    error: str = ""
    submitting: bool = False

    @rx.event
    async def open_page(self):
        if await self.actor() is not None:
            return rx.redirect(routes.safe_next(self.router.url.query_parameters.get("next")))
        return None

    @rx.event
    async def submit(self, form: dict):
        email = (form.get("email") or "").strip()
        password = form.get("password") or ""
        if not email or not password:
            self.error = "Введите email и пароль"
            return
        self.submitting = True
        self.error = ""
        yield
        try:
            issued = await run_domain(
                auth.login,
                email,
                password,
                self.client_ip(),
                self.router.headers.user_agent,
            )
        except DomainError as error:
            self.error = error.message
            self.submitting = False
            return
        self.token = issued.access_token
        self.manager_name = issued.manager.name
        self.manager_role = issued.manager.role
        self.submitting = False
        yield rx.redirect(routes.safe_next(self.router.url.query_parameters.get("next")))


def _credential(label: str, name: str, **props) -> rx.Component:
    # Uncontrolled: a value pushed from the server while the manager types (state hydrating
    # after a reconnect) must never mix into the text.
    control = forms.wide_input(name=name, type=name, id=f"login-{name}", **props)
    return forms.labelled(label, control)


def page() -> rx.Component:
    return rx.center(
        rx.card(
            rx.form(
                rx.vstack(
                    layout.brand(),
                    rx.heading("Вход для менеджеров", size="5"),
                    _credential(
                        "Email",
                        "email",
                        auto_complete="username",
                        placeholder="manager@example.com",
                    ),
                    _credential("Пароль", "password", auto_complete="current-password"),
                    forms.banner(
                        LoginState.error, icon="triangle_alert", color="red", id="login-error"
                    ),
                    forms.action_button(
                        rx.cond(LoginState.submitting, rx.spinner(size="2"), "Войти"),
                        type="submit",
                        disabled=LoginState.submitting,
                        id="login-submit",
                    ),
                    spacing="3",
                    width="100%",
                ),
                on_submit=LoginState.submit,
                reset_on_submit=False,
            ),
            width="100%",
            max_width="400px",
            size="3",
        ),
        padding="16px",
        **layout.SCREEN,
    )
