"""What every wizard step shares: opening the step (one domain call: it claims a «Новый»
client, loads what the step shows and the viewer's permissions), the header and the stepper.

Each step page has its own State that inherits `WizardState`, names its `STEP`, and shows the
`StepView` its open_page gets from `open_step`.
"""

from __future__ import annotations

from typing import ClassVar

import reflex as rx

from privet_manager_app.domain.clients.access import FROZEN_MESSAGE
from privet_manager_app.domain.clients.open_step import STEP_TITLES, Step, StepView, open_step
from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.ui import routes
from privet_manager_app.ui.components import forms, layout
from privet_manager_app.ui.state import SessionState, run_domain

STEPS = tuple((step.value, STEP_TITLES[step]) for step in Step if step is not Step.FINAL)


class WizardState(SessionState):
    STEP: ClassVar[Step]

    cid: int = 0
    client_name: str = ""
    client_status: str = ""
    status_label: str = ""
    version: int = 0
    holder_message: str = ""
    page_error: str = ""
    # What the domain decided for this viewer (see domain/clients/access.py).
    can_edit: bool = False
    can_take_payment: bool = False
    is_frozen: bool = False
    is_processed: bool = False
    saving: bool = False

    @rx.var
    def step_hrefs(self) -> dict[str, str]:
        return {step: routes.client_step(self.cid, step) for step, _ in STEPS} | {
            "success": routes.client_step(self.cid, "success"),
            "card": routes.client_card(self.cid),
        }

    def _route_client_id(self) -> int | None:
        raw = str(self.router.page.params.get("client_id", ""))
        return int(raw) if raw.isdigit() and len(raw) < 19 else None

    async def _open_step(self, actor: Actor) -> StepView | None:
        """The client of the URL at this page's step (a «Новый» one is claimed on the way)."""
        self.page_error = ""
        client_id = self._route_client_id()
        if client_id is None:
            self.page_error = "Неверная ссылка на клиента"
            return None
        self.cid = client_id
        view = await run_domain(open_step, actor, client_id, self.STEP)
        self._apply_step(view)
        return view

    async def _reload(self, actor: Actor) -> StepView | None:
        """Open the step again and show what it holds (the steps that reload: `_show_step`)."""
        view = await self._open_step(actor)
        if view is not None:
            self._show_step(view)
        return view

    def _show_step(self, view: StepView) -> None:
        """What the page shows of its step below the header (devices, tariff, contract…)."""
        raise NotImplementedError(f"{type(self).__name__} shows no step view of its own")

    def _apply_step(self, view: StepView) -> None:
        card = view.card
        self.client_name = card.name or "Без имени"
        self.client_status = card.status
        self.status_label = card.status_label
        self.version = card.version
        self.holder_message = view.holder_message or ""
        self.can_edit = view.permissions.can_edit
        self.can_take_payment = view.permissions.can_take_payment
        self.is_frozen = view.permissions.is_frozen
        self.is_processed = view.is_processed


def stepper(current: str) -> rx.Component:
    def item(step: str, label: str) -> rx.Component:
        active = step == current
        return rx.link(
            rx.vstack(
                rx.box(
                    rx.text(step, size="1", weight="bold"),
                    width="24px",
                    height="24px",
                    border_radius="50%",
                    display="flex",
                    align_items="center",
                    justify_content="center",
                    background=rx.color("accent", 9) if active else rx.color("gray", 4),
                    color="white" if active else rx.color("gray", 11),
                ),
                rx.text(
                    label,
                    size="1",
                    weight="bold" if active else "regular",
                    color=rx.color("gray", 12) if active else rx.color("gray", 10),
                ),
                align="center",
                spacing="1",
            ),
            href=WizardState.step_hrefs[step],
            underline="none",
            flex="1",
            id=f"step-link-{step}",
        )

    return rx.hstack(*(item(step, label) for step, label in STEPS), width="100%", spacing="1")


def notices() -> rx.Component:
    return rx.vstack(
        forms.banner(WizardState.page_error, icon="triangle_alert", color="red"),
        forms.banner(
            WizardState.holder_message, icon="user_round", color="amber", id="holder-message"
        ),
        forms.notice(WizardState.is_frozen, FROZEN_MESSAGE + ".", icon="lock", color="gray"),
        width="100%",
        spacing="2",
    )


def wizard_page(current: str, *content: rx.Component) -> rx.Component:
    return layout.shell(
        rx.vstack(
            # A long name or status must never widen a 390 px screen: the name breaks, the badge
            # and the card link move to the next line when they do not fit beside it.
            rx.hstack(
                rx.heading(
                    WizardState.client_name,
                    size="5",
                    id="client-title",
                    min_width="0",
                    overflow_wrap="anywhere",
                ),
                rx.hstack(
                    layout.status_badge(WizardState.client_status, WizardState.status_label),
                    rx.link(
                        rx.button(
                            rx.icon("contact", size=14), "Карточка", variant="soft", size="1"
                        ),
                        href=WizardState.step_hrefs["card"],
                        id="open-card",
                    ),
                    align="center",
                    spacing="2",
                    flex_shrink="0",
                ),
                width="100%",
                align="center",
                justify="between",
                wrap="wrap",
            ),
            stepper(current),
            notices(),
            *content,
            spacing="4",
            width="100%",
        ),
        back_href=routes.clients(),
    )
