"""Choosing a tariff for a client (step 4): the preview for the client's devices, applying it
(a calculation stored with the tariff's snapshot), and whether the devices changed since.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlmodel import Session, select

from privet_manager_app.domain.clients.access import client_for_change, mark_changed
from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.common.clock import utcnow
from privet_manager_app.domain.common.errors import Conflict, NotFound
from privet_manager_app.domain.common.money import format_percent, format_rub, to_kopecks
from privet_manager_app.domain.common.rows import find_client
from privet_manager_app.domain.history import audit
from privet_manager_app.domain.history.journal import log_event
from privet_manager_app.domain.views import AppliedTariffView, SurchargeView
from privet_manager_app.domain.wizard.tariff_formula import (
    Surcharge,
    TariffParams,
    calculate_surcharge,
    compute_surcharge,
)
from privet_manager_app.infra.db import transaction
from privet_manager_app.schema.tables import (
    ManagerClientTariff,
    ManagerDevice,
    ManagerTariff,
)


def load_tariff(session: Session, tariff_id: int, *, for_update: bool = False) -> ManagerTariff:
    statement = select(ManagerTariff).where(ManagerTariff.id == tariff_id)
    if for_update:
        statement = statement.with_for_update()
    tariff = session.exec(statement).first()
    if tariff is None:
        raise NotFound("tariff_not_found", "Тариф не найден")
    return tariff


def active_tariff(session: Session, tariff_id: int) -> ManagerTariff:
    tariff = load_tariff(session, tariff_id)
    if not tariff.is_active:
        raise Conflict("tariff_inactive", f"Тариф «{tariff.name}» больше не действует")
    return tariff


def device_categories(session: Session, client_id: int) -> list[str]:
    return list(
        session.exec(
            select(ManagerDevice.category)
            .where(ManagerDevice.client_id == client_id)
            .order_by(ManagerDevice.id)
        ).all()
    )


def current_applied_row(session: Session, client_id: int) -> ManagerClientTariff | None:
    return session.exec(
        select(ManagerClientTariff)
        .where(ManagerClientTariff.client_id == client_id)
        .order_by(ManagerClientTariff.applied_at.desc(), ManagerClientTariff.id.desc())
        .limit(1)
    ).first()


def is_stale(row: ManagerClientTariff, categories: list[str]) -> bool:
    """The devices changed since the calculation (count or a category that has a fee)."""
    if row.devices_count != len(categories):
        return True
    params = TariffParams.from_snapshot(row.tariff_snapshot)
    recalculated = compute_surcharge(params, categories, row.discount_pct, row.discount_reason)
    return recalculated.total != row.surcharge


def applied_view(row: ManagerClientTariff, *, stale: bool = False) -> AppliedTariffView:
    return AppliedTariffView(
        id=row.id,
        tariff_id=row.tariff_id,
        surcharge=row.surcharge,
        base_monthly_fee=Decimal(row.tariff_snapshot["base_monthly_fee"]),
        devices_count=row.devices_count,
        discount_pct=row.discount_pct,
        discount_reason=row.discount_reason,
        breakdown=row.breakdown,
        tariff=row.tariff_snapshot,
        applied_at=row.applied_at,
        needs_recalculation=stale,
    )


def current_applied(
    session: Session, client_id: int, categories: list[str] | None = None
) -> AppliedTariffView | None:
    """`categories`: the client's device categories in device order, when the caller has
    already read the devices (the card); else they are read here."""
    row = current_applied_row(session, client_id)
    if row is None:
        return None
    if categories is None:
        categories = device_categories(session, client_id)
    return applied_view(row, stale=is_stale(row, categories))


def _surcharge_view(params: TariffParams, surcharge: Surcharge) -> SurchargeView:
    return SurchargeView(
        tariff_id=params.tariff_id,
        surcharge=surcharge.total,
        subtotal=surcharge.subtotal,
        discount_pct=surcharge.discount_pct,
        discount_amount=surcharge.discount_amount,
        discount_reason=surcharge.discount_reason,
        base_monthly_fee=to_kopecks(params.base_monthly_fee),
        devices_count=surcharge.devices_count,
        included_devices=surcharge.included_devices,
        extra_devices=surcharge.extra_devices,
        breakdown=surcharge.breakdown(),
        tariff=params.snapshot(),
    )


def _priced(
    session: Session,
    client_id: int,
    tariff_id: int,
    discount_pct: object,
    discount_reason: str | None,
) -> tuple[TariffParams, Surcharge]:
    """The active tariff's parameters and the surcharge they give for the client's devices now:
    what the preview shows is what applying writes."""
    params = TariffParams.from_model(active_tariff(session, tariff_id))
    surcharge = calculate_surcharge(
        params, device_categories(session, client_id), discount_pct, discount_reason
    )
    return params, surcharge


def preview_surcharge(
    actor: Actor,
    client_id: int,
    tariff_id: int,
    discount_pct: object = None,
    discount_reason: str | None = None,
) -> SurchargeView:
    """What applying this tariff would give for the client's current devices; writes nothing."""
    with transaction() as session:
        find_client(session, client_id)
        return _surcharge_view(
            *_priced(session, client_id, tariff_id, discount_pct, discount_reason)
        )


def apply_tariff(
    actor: Actor,
    client_id: int,
    tariff_id: int,
    discount_pct: object = None,
    discount_reason: str | None = None,
    version: int | None = None,
) -> AppliedTariffView:
    with transaction() as session:
        client = client_for_change(session, actor, client_id, version)
        params, surcharge = _priced(session, client.id, tariff_id, discount_pct, discount_reason)
        previous = current_applied_row(session, client.id)
        row = ManagerClientTariff(
            client_id=client.id,
            tariff_id=params.tariff_id,
            tariff_snapshot=params.snapshot(),
            devices_count=surcharge.devices_count,
            surcharge=surcharge.total,
            discount_pct=surcharge.discount_pct,
            discount_reason=surcharge.discount_reason,
            breakdown=surcharge.breakdown(),
            applied_by=actor.id,
            applied_at=utcnow(),
        )
        session.add(row)
        session.flush()
        before = _applied_fields(previous)
        audit.record(
            session,
            actor,
            "tariff_applied",
            "client_tariff",
            row.id,
            client_id=client.id,
            changes=audit.changed_fields(before, _applied_fields(row)),
        )
        discount = (
            f", скидка {format_percent(surcharge.discount_pct)}%" if surcharge.discount_pct else ""
        )
        log_event(
            session,
            client.id,
            actor,
            f"Тариф «{params.name}» (редакция {params.version}): доплата "
            f"{format_rub(surcharge.total)}{discount}",
        )
        mark_changed(session, client, supersede_contract=True)
        return applied_view(row)


def _applied_fields(row: ManagerClientTariff | None) -> dict[str, Any]:
    if row is None:
        return {}
    return {
        "tariff": f"{row.tariff_snapshot['code']} v{row.tariff_snapshot['version']}",
        "surcharge": row.surcharge,
        "discount_pct": row.discount_pct,
        "discount_reason": row.discount_reason,
        "devices_count": row.devices_count,
    }
