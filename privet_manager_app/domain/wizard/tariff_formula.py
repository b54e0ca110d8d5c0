"""The surcharge (доплата) formula of DESIGN §5 — pure: no database, no clock.

surcharge = extra_device_fee × max(0, devices − included_devices)
          + Σ over all devices of category_fees[category] (0 when absent),
then minus discount_pct % (≤ max_discount_pct, reason required), rounded half-up to kopecks.

A calculation stores the tariff's snapshot (with its `version`): editing a tariff later never
changes an existing calculation or contract.
"""

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from privet_manager_app.domain.common.errors import ValidationFailed
from privet_manager_app.domain.common.money import (
    KOPECK,
    ZERO,
    format_percent,
    format_rub,
    parse_decimal,
    to_kopecks,
)
from privet_manager_app.domain.common.text import line_error
from privet_manager_app.domain.wizard.device_categories import DEVICE_CATEGORIES, category_label
from privet_manager_app.schema.tables import ManagerTariff

HUNDRED = Decimal(100)
MAX_REASON_LENGTH = 500


# ---- The formula (pure) -----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class TariffParams:
    """What the formula needs from a tariff; also its snapshot in calculations and contracts."""

    code: str
    name: str
    version: int
    base_monthly_fee: Decimal
    included_devices: int
    extra_device_fee: Decimal
    category_fees: Mapping[str, Decimal]
    max_discount_pct: Decimal
    tariff_id: int | None = None
    description: str | None = None

    @classmethod
    def from_model(cls, tariff: ManagerTariff) -> TariffParams:
        return cls(
            tariff_id=tariff.id,
            code=tariff.code,
            name=tariff.name,
            description=tariff.description,
            version=tariff.version,
            base_monthly_fee=Decimal(tariff.base_monthly_fee),
            included_devices=tariff.included_devices,
            extra_device_fee=Decimal(tariff.extra_device_fee),
            category_fees={key: Decimal(fee) for key, fee in (tariff.category_fees or {}).items()},
            max_discount_pct=Decimal(tariff.max_discount_pct),
        )

    @classmethod
    def from_snapshot(cls, snapshot: Mapping[str, Any]) -> TariffParams:
        return cls(
            tariff_id=snapshot.get("id"),
            code=snapshot["code"],
            name=snapshot["name"],
            description=snapshot.get("description"),
            version=snapshot["version"],
            base_monthly_fee=Decimal(snapshot["base_monthly_fee"]),
            included_devices=snapshot["included_devices"],
            extra_device_fee=Decimal(snapshot["extra_device_fee"]),
            category_fees={key: Decimal(fee) for key, fee in snapshot["category_fees"].items()},
            max_discount_pct=Decimal(snapshot["max_discount_pct"]),
        )

    def snapshot(self) -> dict[str, Any]:
        return {
            "id": self.tariff_id,
            "code": self.code,
            "name": self.name,
            "description": self.description,
            "version": self.version,
            "base_monthly_fee": str(to_kopecks(self.base_monthly_fee)),
            "included_devices": self.included_devices,
            "extra_device_fee": str(to_kopecks(self.extra_device_fee)),
            "category_fees": {
                key: str(to_kopecks(fee)) for key, fee in sorted(self.category_fees.items())
            },
            "max_discount_pct": str(self.max_discount_pct.quantize(KOPECK)),
        }


@dataclasses.dataclass(frozen=True)
class BreakdownLine:
    kind: str  # extra_devices | category | discount
    label: str
    amount: Decimal
    quantity: int | None = None
    unit_price: Decimal | None = None
    category: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "label": self.label,
            "amount": str(self.amount),
            "quantity": self.quantity,
            "unit_price": None if self.unit_price is None else str(self.unit_price),
            "category": self.category,
        }


@dataclasses.dataclass(frozen=True)
class Surcharge:
    total: Decimal
    subtotal: Decimal
    discount_pct: Decimal
    discount_amount: Decimal
    discount_reason: str | None
    devices_count: int
    included_devices: int
    extra_devices: int
    lines: tuple[BreakdownLine, ...]

    def breakdown(self) -> list[dict[str, Any]]:
        return [line.to_dict() for line in self.lines]

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": str(self.total),
            "subtotal": str(self.subtotal),
            "discount_pct": str(self.discount_pct),
            "discount_amount": str(self.discount_amount),
            "discount_reason": self.discount_reason,
            "devices_count": self.devices_count,
            "included_devices": self.included_devices,
            "extra_devices": self.extra_devices,
            "breakdown": self.breakdown(),
        }


def clean_discount(
    tariff: TariffParams, discount_pct: object, discount_reason: str | None
) -> tuple[Decimal, str | None]:
    """0 ≤ discount ≤ the tariff's maximum, whole hundredths of a percent, a reason when > 0."""
    if discount_pct is None or discount_pct == "":
        pct = ZERO
    else:
        pct = parse_decimal(discount_pct, "discount_pct", "Скидка")
    reason, message = line_error(
        discount_reason or "", "Причина скидки", max_length=MAX_REASON_LENGTH, min_length=0
    )
    if message:
        raise ValidationFailed("invalid_discount", message, fields={"discount_reason": message})
    reason = reason or None
    if pct != pct.quantize(KOPECK):
        raise _discount_error("Скидка: не больше двух знаков после запятой")
    if pct < 0:
        raise _discount_error("Скидка не может быть отрицательной")
    if pct > tariff.max_discount_pct:
        limit = format_percent(tariff.max_discount_pct)
        raise _discount_error(f"Скидка по тарифу «{tariff.name}» — не больше {limit}%")
    if pct > 0 and not reason:
        message = "Укажите причину скидки"
        raise ValidationFailed(
            "discount_reason_required", message, fields={"discount_reason": message}
        )
    return pct.quantize(KOPECK), reason if pct > 0 else None


def _discount_error(message: str) -> ValidationFailed:
    return ValidationFailed("invalid_discount", message, fields={"discount_pct": message})


def category_order(category: str) -> tuple[int, str]:
    keys = list(DEVICE_CATEGORIES)
    return (keys.index(category) if category in DEVICE_CATEGORIES else len(keys), category)


def calculate_surcharge(
    tariff_params: TariffParams,
    device_categories: Iterable[str],
    discount_pct: object = None,
    discount_reason: str | None = None,
) -> Surcharge:
    """The surcharge for these devices under this tariff, with its breakdown (Decimal only)."""
    pct, reason = clean_discount(tariff_params, discount_pct, discount_reason)
    return compute_surcharge(tariff_params, list(device_categories), pct, reason)


def compute_surcharge(
    tariff: TariffParams, categories: list[str], pct: Decimal, reason: str | None
) -> Surcharge:
    devices = len(categories)
    extra = max(0, devices - tariff.included_devices)
    lines: list[BreakdownLine] = []
    if extra and tariff.extra_device_fee:
        lines.append(
            BreakdownLine(
                kind="extra_devices",
                label=f"Дополнительные устройства: {extra} × {format_rub(tariff.extra_device_fee)}",
                amount=to_kopecks(tariff.extra_device_fee * extra),
                quantity=extra,
                unit_price=to_kopecks(tariff.extra_device_fee),
            )
        )
    counts = collections.Counter(categories)
    for category in sorted(counts, key=category_order):
        fee = tariff.category_fees.get(category, ZERO)
        if not fee:
            continue
        lines.append(
            BreakdownLine(
                kind="category",
                label=f"Категория «{category_label(category)}» × {counts[category]}",
                amount=to_kopecks(fee * counts[category]),
                quantity=counts[category],
                unit_price=to_kopecks(fee),
                category=category,
            )
        )
    subtotal = sum((line.amount for line in lines), ZERO)
    # Exact in Decimal (a product and a division by 100), then one rounding, half up.
    total = (subtotal * (HUNDRED - pct) / HUNDRED).quantize(KOPECK, rounding=ROUND_HALF_UP)
    discount_amount = subtotal - total
    if pct > 0:
        lines.append(
            BreakdownLine(
                kind="discount",
                label=f"Скидка {format_percent(pct)}% ({reason})",
                amount=-discount_amount,
            )
        )
    return Surcharge(
        total=total,
        subtotal=subtotal,
        discount_pct=pct,
        discount_amount=discount_amount,
        discount_reason=reason,
        devices_count=devices,
        included_devices=tariff.included_devices,
        extra_devices=extra,
        lines=tuple(lines),
    )
