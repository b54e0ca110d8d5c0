"""Form fields bound to a state's `form` dict, with the server's message under the field.

A page state mixes in `FormMixin`: what was typed lives in the state (so it survives a
validation error), and `errors` holds the server's message per field. What is typed and not
saved is also kept in the tab's sessionStorage (`draft`): a reconnect may come back with a new
session token — Reflex takes the re-sent token for a duplicate tab — i.e. a fresh state on the
server, and the browser hands the draft back before the page's on_load runs.
"""

from __future__ import annotations

import json
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
    # values over it), so on_load puts the draft back over what it loaded.
    typed_for: int = 0
    # {by, cid, version, form, …page's own}: JSON in the tab's sessionStorage (see above). It
    # holds what the manager typed — the passport form's too, the one place the full number is
    # shown —, lives as long as the tab, and is dropped on save, on closing a dialog and when
    # another manager logs in on the same tab (`by`).
    draft: str = rx.SessionStorage("")
    _draft_by: int = 0  # the manager the page was opened for (set by `_typed_draft`)

    def _draft_extra(self) -> dict[str, Any]:
        """What else the page needs back after a reconnect (an open dialog, editing mode)."""
        return {}

    def _remember_typing(self) -> None:
        self.typed_for = getattr(self, "cid", 0)
        self.draft = json.dumps(
            {
                "by": self._draft_by,
                "cid": self.typed_for,
                "version": getattr(self, "version", 0),
                "form": self.form,
                **self._draft_extra(),
            },
            ensure_ascii=False,
        )

    def _forget_typing(self) -> None:
        self.typed_for = 0
        self.draft = ""

    def _typed_draft(self, actor: Any, client_id: int | None) -> dict[str, Any] | None:
        """The draft this manager typed for this client and has not saved, if any. It comes
        from the browser: only the form's values and the version are taken from it, and a
        save checks both as it checks any typing."""
        self._draft_by = actor.id
        if client_id is None or not self.draft:
            return None
        try:
            draft = json.loads(self.draft)
        except ValueError:
            return None
        if (
            not isinstance(draft, dict)
            or draft.get("by") != actor.id
            or draft.get("cid") != client_id
            or not isinstance(draft.get("form"), dict)
        ):
            return None
        return draft

    def _apply_draft(self, draft: dict[str, Any]) -> None:
        """The typing back over what on_load loaded, against the version it was typed on (a
        save answers stale_version if someone changed the client meanwhile)."""
        self.form = {str(name): str(value) for name, value in draft["form"].items()}
        if isinstance(draft.get("version"), int):
            self.version = draft["version"]
        self.typed_for = draft["cid"]

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
        self._remember_typing()
        if name in self.errors:
            self.errors = {key: text for key, text in self.errors.items() if key != name}


def muted(*children: Any, size: str = "1", shade: int = 10, **props: Any) -> rx.Component:
    """Text quieter than the content: a hint, a date, an explanation (`shade` 11: darker)."""
    return rx.text(*children, size=size, color=rx.color("gray", shade), **props)


def labelled(label: str, control: rx.Component, error: Any = None, hint: str | None = None):
    parts = [rx.text(label, size="2", weight="medium", as_="label"), control]
    if hint:
        parts.append(muted(hint))
    if error is not None:
        parts.append(rx.cond(error, rx.text(error, size="1", color=rx.color("red", 11))))
    return rx.vstack(*parts, spacing="1", width="100%")


def wide_input(*children: Any, **props: Any) -> rx.Component:
    """A large text input across its column (the forms' fields, the search, the code)."""
    return rx.input(*children, **{"size": "3", "width": "100%", **props})


def text_field(
    state: Any,
    name: str,
    label: str,
    *,
    hint: str | None = None,
    disabled: Any = False,
    **props: Any,
) -> rx.Component:
    control = wide_input(
        value=state.form[name],
        on_change=lambda value: state.set_field(name, value),
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


def action_button(*children: Any, **props: Any) -> rx.Component:
    """A page's or a card's main action: a large button across its width."""
    return rx.button(*children, **{"size": "3", "width": "100%", **props})


def stale_reload(state: Any, *before: rx.Component, **props: Any) -> rx.Component:
    """While the client changed under the form (`state.stale`): reload its version, keep the
    typing."""
    return rx.cond(
        state.stale,
        rx.button(
            *before,
            "Обновить данные клиента (введённое останется)",
            on_click=state.reload_version,
            variant="soft",
            color_scheme="amber",
            width="100%",
            **props,
        ),
    )


def note(message: Any, color: str = "red", *, size: str = "1", **props: Any) -> rx.Component:
    """A one-line message under an action (its error in red, its result in green), when set."""
    return rx.cond(message, rx.text(message, size=size, color=rx.color(color, 11), **props))


def notice(
    condition: Any, message: Any, *, icon: str, color: str | None = None, **props: Any
) -> rx.Component:
    """A callout across the page while `condition` holds (no `color`: the accent colour)."""
    if color is not None:
        props["color_scheme"] = color
    return rx.cond(condition, rx.callout(message, icon=icon, width="100%", **props))


def banner(message: Any, *, icon: str, color: str, **props: Any) -> rx.Component:
    """A message across the page (an error, a result, who holds the client), when set."""
    return notice(message, message, icon=icon, color=color, **props)


def form_error(message: Any) -> rx.Component:
    return banner(message, icon="triangle_alert", color="red", id="form-error")


def warnings_list(warnings: Any) -> rx.Component:
    return rx.foreach(
        warnings,
        lambda text: rx.callout(
            text, icon="info", color_scheme="amber", width="100%", class_name="form-warning"
        ),
    )
