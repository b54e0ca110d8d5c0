"""The one dialog that holds a form: a title, what the form is about, its fields, the server's
message, then «Отмена» and the submit button (progress while the handler runs)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from privet_manager_app.ui.components import layout
from privet_manager_app.ui.components.forms import form_error


def dialog_form(
    title: Any,
    *fields: rx.Component,
    open: Any,
    on_open_change: Any,
    submit_label: Any,
    on_submit: Any,
    loading: Any,
    submit_id: str,
    description: Any = None,
    error: Any = None,
    after: tuple[rx.Component, ...] = (),
    max_width: str = "440px",
) -> rx.Component:
    """`after` follows the buttons (a device's photos, once the device is saved)."""
    header = [rx.dialog.title(title)]
    if description is not None:
        header.append(rx.dialog.description(description, size="2", color=rx.color("gray", 11)))
    body = list(fields)
    if error is not None:
        body.append(form_error(error))
    body.append(
        layout.spread(
            rx.dialog.close(rx.button("Отмена", variant="soft", color_scheme="gray")),
            end=rx.button(submit_label, on_click=on_submit, loading=loading, id=submit_id),
        )
    )
    return rx.dialog.root(
        rx.dialog.content(
            *header,
            rx.vstack(*body, *after, spacing="3", margin_top="12px", width="100%"),
            max_width=max_width,
        ),
        open=open,
        on_open_change=on_open_change,
    )
