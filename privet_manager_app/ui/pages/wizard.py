"""What every wizard step shares: opening (and claiming) the client, the header and the stepper.

Each step page has its own State that inherits `WizardState`; the step's on_load calls
`open_client()` and fills its form from the returned card.
"""

from __future__ import annotations

import reflex as rx

from privet_manager_app.domain.clients import card as client_card
from privet_manager_app.domain.clients import claims
from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.common.errors import Conflict, DomainError
from privet_manager_app.domain.views import ClientDetail
from privet_manager_app.schema.enums import ClientStatus
from privet_manager_app.ui import routes
from privet_manager_app.ui.components import layout
from privet_manager_app.ui.state import SessionState, run_domain

STEPS = (("1", "Данные"), ("2", "Паспорт"), ("3", "Устройства"), ("4", "Договор"))
FROZEN = {ClientStatus.SIGNED, ClientStatus.AWAITING_PAYMENT, ClientStatus.PROCESSED}


class WizardState(SessionState):
    cid: int = 0
    client_name: str = ""
    client_status: str = ""
    status_label: str = ""
    version: int = 0
    holder_message: str = ""
    page_error: str = ""
    can_edit: bool = False
    # The assignee or an admin: may take payment even after the data froze at signing.
    is_holder: bool = False
    is_frozen: bool = False
    saving: bool = False

    @rx.var
    def step_hrefs(self) -> dict[str, str]:
        return {step: routes.client_step(self.cid, step) for step, _ in STEPS} | {
            "success": routes.client_step(self.cid, "success"),
            "card": routes.client_card(self.cid),
        }

    def _route_client_id(self) -> int | None:
        raw = self.router.page.params.get("client_id", "")
        return int(raw) if str(raw).isdigit() else None

    async def open_client(self) -> tuple[Actor, ClientDetail] | None:
        """Load the client of the URL; a «Новый» client is claimed by whoever opens it."""
        self.page_error = ""
        self.holder_message = ""
        actor = await self.actor()
        if actor is None:
            return None
        client_id = self._route_client_id()
        if client_id is None:
            self.page_error = "Неверная ссылка на клиента"
            return None
        self.cid = client_id
        try:
            detail = await run_domain(client_card.get_client, actor, client_id)
            if detail.status == ClientStatus.NEW:
                try:
                    await run_domain(claims.claim_client, actor, client_id)
                except Conflict as conflict:
                    self.holder_message = conflict.message
                detail = await run_domain(client_card.get_client, actor, client_id)
        except DomainError as error:
            self.page_error = error.message
            return None
        self.apply_card(actor, detail)
        return actor, detail

    def apply_card(self, actor: Actor, detail: ClientDetail) -> None:
        self.client_name = detail.name or "Без имени"
        self.client_status = detail.status
        self.status_label = detail.status_label
        self.version = detail.version
        holder = detail.assigned_manager
        self.is_frozen = detail.status in FROZEN
        self.is_holder = actor.is_admin or (holder is not None and holder.id == actor.id)
        self.can_edit = self.is_holder and not self.is_frozen
        if holder is not None and holder.id != actor.id and not self.holder_message:
            self.holder_message = f"Клиента ведёт {holder.name}"


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
        rx.cond(
            WizardState.page_error,
            rx.callout(
                WizardState.page_error, icon="triangle_alert", color_scheme="red", width="100%"
            ),
        ),
        rx.cond(
            WizardState.holder_message,
            rx.callout(
                WizardState.holder_message,
                icon="user_round",
                color_scheme="amber",
                width="100%",
                id="holder-message",
            ),
        ),
        rx.cond(
            WizardState.is_frozen,
            rx.callout(
                "Договор подписан — данные заморожены. Изменить их может администратор, "
                "переоткрыв карточку.",
                icon="lock",
                color_scheme="gray",
                width="100%",
            ),
        ),
        width="100%",
        spacing="2",
    )


def wizard_page(current: str, *content: rx.Component) -> rx.Component:
    return layout.shell(
        rx.vstack(
            rx.hstack(
                rx.heading(WizardState.client_name, size="5", id="client-title"),
                rx.spacer(),
                layout.status_badge(WizardState.client_status, WizardState.status_label),
                rx.link(
                    rx.button(rx.icon("contact", size=14), "Карточка", variant="soft", size="1"),
                    href=WizardState.step_hrefs["card"],
                    id="open-card",
                ),
                width="100%",
                align="center",
            ),
            stepper(current),
            notices(),
            *content,
            spacing="4",
            width="100%",
        ),
        back_href=routes.clients(),
    )


def field(
    label: str,
    control: rx.Component,
    error: rx.Var | None = None,
    hint: str | None = None,
) -> rx.Component:
    """A label, the input, and the server's message right under it."""
    parts = [rx.text(label, size="2", weight="medium"), control]
    if hint:
        parts.append(rx.text(hint, size="1", color=rx.color("gray", 10)))
    if error is not None:
        parts.append(rx.cond(error, rx.text(error, size="1", color=rx.color("red", 11))))
    return rx.vstack(*parts, spacing="1", width="100%")
