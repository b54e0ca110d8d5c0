"""Form fields bound to a state's `form` dict, with the server's message under the field.

A page state mixes in `FormMixin`: what was typed lives in the state (so it survives a
validation error and a reconnect), and `errors` holds the server's message per field.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from privet_manager_app.domain.common.errors import DomainError, ValidationFailed
from privet_manager_app.domain.inputs import Input


class FormMixin(rx.State, mixin=True):
    form: dict[str, str] = {}
    errors: dict[str, str] = {}
    form_error: str = ""
    stale: bool = False  # the card changed meanwhile: offer to reload, keep what was typed
    # The client whose form holds typing not saved yet. A websocket reconnect re-runs the page's
    # on_load: refilling the form from the database then would lose the typing (or save the old
    # values over it), so on_load leaves such a form as it is.
    typed_for: int = 0

    def _keeps_typing(self, client_id: int | None) -> bool:
        return client_id is not None and client_id == self.typed_for

    def _show_error(self, error: DomainError, target: str = "form_error") -> None:
        """The server's answer where the manager looks: under each field it names, and above the
        button (the form's own summary, or `target`'s message)."""
        if isinstance(error, ValidationFailed) and error.fields:
            self.errors = error.fields
            if target == "form_error":
                self.form_error = "Проверьте выделенные поля"
                self.stale = False
                return
        super()._show_error(error, target)
        self.stale = error.code == "stale_version"

    @rx.event
    def set_field(self, name: str, value: str):
        """Typing into a field clears that field's error (the others stay until a new save)."""
        self.form = {**self.form, name: value}
        self.typed_for = getattr(self, "cid", 0)
        if name in self.errors:
            self.errors = {key: text for key, text in self.errors.items() if key != name}


def labelled(label: str, control: rx.Component, error: Any = None, hint: str | None = None):
    parts = [rx.text(label, size="2", weight="medium", as_="label"), control]
    if hint:
        parts.append(rx.text(hint, size="1", color=rx.color("gray", 10)))
    if error is not None:
        parts.append(rx.cond(error, rx.text(error, size="1", color=rx.color("red", 11))))
    return rx.vstack(*parts, spacing="1", width="100%")


def text_field(
    state: Any,
    name: str,
    label: str,
    *,
    hint: str | None = None,
    disabled: Any = False,
    **props: Any,
) -> rx.Component:
    control = rx.input(
        value=state.form[name],
        on_change=lambda value: state.set_field(name, value),
        size="3",
        width="100%",
        id=f"field-{name}",
        disabled=disabled,
        color_scheme=rx.cond(state.errors[name], "red", "gray"),
        **props,
    )
    return labelled(label, control, state.errors[name], hint)


def input_field(state: Any, form: type[Input], name: str, **props: Any) -> rx.Component:
    """A text field of a form whose fields are the input type `form` (its label from there)."""
    return text_field(state, name, form.label(name), **props)


def select_field(
    state: Any,
    name: str,
    label: str,
    options: list[tuple[str, str]],
    *,
    disabled: Any = False,
) -> rx.Component:
    control = rx.select.root(
        rx.select.trigger(placeholder="Выберите", width="100%", id=f"field-{name}"),
        rx.select.content(
            *(rx.select.item(text, value=value) for value, text in options),
        ),
        value=state.form[name],
        on_change=lambda value: state.set_field(name, value),
        size="3",
        disabled=disabled,
    )
    return labelled(label, control, state.errors[name])


def note(message: Any, color: str = "red", *, size: str = "1", **props: Any) -> rx.Component:
    """A one-line message under an action (its error in red, its result in green), when set."""
    return rx.cond(message, rx.text(message, size=size, color=rx.color(color, 11), **props))


def banner(message: Any, *, icon: str, color: str, **props: Any) -> rx.Component:
    """A message across the page (an error, a result, who holds the client), when set."""
    return rx.cond(
        message, rx.callout(message, icon=icon, color_scheme=color, width="100%", **props)
    )


def form_error(message: Any) -> rx.Component:
    return banner(message, icon="triangle_alert", color="red", id="form-error")


def warnings_list(warnings: Any) -> rx.Component:
    return rx.foreach(
        warnings,
        lambda text: rx.callout(
            text, icon="info", color_scheme="amber", width="100%", class_name="form-warning"
        ),
    )
