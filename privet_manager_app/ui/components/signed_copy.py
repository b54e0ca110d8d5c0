"""The «Заверенная копия» button of the card and the final screen: asks the domain for the
sealed copy (made on the spot if a newer chat message is not in it yet), then downloads it."""

from __future__ import annotations

import reflex as rx

from privet_manager_app.domain.wizard import sealed_copy
from privet_manager_app.ui.components import forms
from privet_manager_app.ui.state import run_domain


async def download(actor, client_id: int):
    """The event that downloads the copy (call it from a `guard`-ed handler)."""
    view = await run_domain(sealed_copy.signed_copy, actor, client_id)
    return rx.download(url=view.url, filename=view.filename)


def button(on_click, *, busy, error, element_id: str) -> rx.Component:
    return rx.vstack(
        rx.button(
            rx.icon("shield_check"),
            "Заверенная копия (PDF)",
            on_click=on_click,
            loading=busy,
            variant="soft",
            width="100%",
            id=element_id,
        ),
        forms.muted(
            "Договор, лист подписания и сообщения клиенту под электронной печатью организации: "
            "проверяется в любом PDF-просмотрщике",
            shade=11,
        ),
        rx.cond(error != "", forms.form_error(error)),
        spacing="1",
        width="100%",
    )
