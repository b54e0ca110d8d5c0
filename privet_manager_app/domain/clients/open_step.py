"""Opening a wizard step: one use case, one transaction.

A «Новый» client is claimed by whoever opens it (two managers at once: exactly one wins, the
other is told who holds the client); then the step gets what it shows and the viewer's
permissions, so the page decides nothing itself.
"""

from __future__ import annotations

from pydantic import Field
from sqlmodel import Session

from privet_manager_app.domain.admin.tariffs import active_tariff_views
from privet_manager_app.domain.clients import claims
from privet_manager_app.domain.clients.access import (
    Permissions,
    holder_message,
    is_claimed,
    is_holder,
    permissions,
)
from privet_manager_app.domain.clients.listing import load_card
from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.common.errors import Conflict
from privet_manager_app.domain.history import passport_reads
from privet_manager_app.domain.views import (
    AddressView,
    AppliedTariffView,
    ClientCard,
    ContractView,
    DeviceView,
    InvoiceView,
    PassportMaskedView,
    TariffView,
    View,
)
from privet_manager_app.domain.wizard import contract as contracts
from privet_manager_app.domain.wizard import devices, tariff_apply
from privet_manager_app.domain.wizard import passport as passports
from privet_manager_app.domain.wizard import payment as payments
from privet_manager_app.domain.wizard.devices import LegacyDeviceView
from privet_manager_app.domain.wizard.passport import PassportResult
from privet_manager_app.infra.db import transaction
from privet_manager_app.schema.enums import ClientStatus, Labelled
from privet_manager_app.schema.tables import ManagerClient


class Step(Labelled):
    PROFILE = "1", "Данные"
    PASSPORT = "2", "Паспорт"
    DEVICES = "3", "Устройства"
    CONTRACT = "4", "Договор"
    FINAL = "success", "Оплата"


STEP_TITLES = Step.labels()


class StepView(View):
    """A wizard step as the viewer sees it. The step's own parts are filled, the rest empty."""

    step: Step
    card: ClientCard
    permissions: Permissions
    is_processed: bool
    # Someone else holds the client (or took it a moment before us).
    holder_message: str | None = None
    address: AddressView | None = None  # step 1
    passport: PassportResult | None = None  # step 2: full, for the holder's form
    passport_masked: PassportMaskedView | None = None  # step 2: anyone else
    devices: list[DeviceView] = Field(default_factory=list)  # step 3
    next_blocked: str | None = None  # step 3: why the next step is not open yet
    # step 3, offered to the editor
    legacy_devices: list[LegacyDeviceView] = Field(default_factory=list)
    tariffs: list[TariffView] = Field(default_factory=list)  # step 4
    tariff: AppliedTariffView | None = None  # step 4
    missing: list[str] = Field(default_factory=list)  # step 4: what the contract needs
    contract: ContractView | None = None  # step 4 and the final step
    invoice: InvoiceView | None = None  # the final step


def open_step(actor: Actor, client_id: int, step: Step | str) -> StepView:
    step = Step(step)
    with transaction() as session:
        message = None
        try:
            claims.claim_in(session, actor, client_id)
        except Conflict as conflict:
            message = conflict.message
        client = session.get(ManagerClient, client_id)
        view = _step_view(session, actor, client, step)
        view.holder_message = message or holder_message(session, actor, client)
        return view


def _step_view(session: Session, actor: Actor, client: ManagerClient, step: Step) -> StepView:
    full = masked = None
    if step is Step.PASSPORT:
        # The full numbers are for the holder of a claimed client (as `full_passport` checks).
        may_see = is_holder(actor, client) and is_claimed(client)
        full = passports.form_view(session, client) if may_see else None
        if full:
            passport_reads.record_passport_read(
                session, actor, client, passport_reads.VIEW_PASSPORT_FORM
            )
        masked = None if full else passports.masked_view(session, client.user_id)
    allowed = permissions(actor, client, has_passport=bool(full or masked))
    view = StepView(
        step=step,
        card=load_card(session, client.id),
        permissions=allowed,
        is_processed=client.status == ClientStatus.PROCESSED,
        passport=full,
        passport_masked=masked,
    )
    if step is Step.PROFILE:
        view.address = AddressView.model_validate(client)
    elif step is Step.DEVICES:
        view.devices = devices.device_views(session, client.id)
        view.next_blocked = devices.next_step_blocked(view.devices)
        if allowed.can_edit:
            view.legacy_devices = devices.legacy_device_views(session, client)
    elif step is Step.CONTRACT:
        view.tariffs = active_tariff_views(session)
        view.tariff = tariff_apply.current_applied(session, client.id)
        view.missing = contracts.readiness(session, client)
        view.contract = contracts.current_contract_view(session, client.id, viewer=actor)
    elif step is Step.FINAL:
        view.contract = contracts.current_contract_view(session, client.id, viewer=actor)
        view.invoice = payments.current_invoice_view(session, client.id, actor)
    return view
