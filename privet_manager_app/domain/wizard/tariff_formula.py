"""Tariffs and the surcharge (доплата) formula of DESIGN §5.

surcharge = extra_device_fee × max(0, devices − included_devices)
          + Σ over all devices of category_fees[category] (0 when absent),
then minus discount_pct % (≤ max_discount_pct, reason required), rounded half-up to kopecks.

A calculation stores the tariff's snapshot (with its `version`): editing a tariff later never
changes an existing calculation or contract.
"""

from __future__ import annotations

import collections
import dataclasses
import re
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from privet_manager_app.domain.clients.access import client_for_change, mark_changed
from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.common.errors import Conflict, NotFound, ValidationFailed
from privet_manager_app.domain.common.money import (
    KOPECK,
    ZERO,
    format_percent,
    format_rub,
    parse_decimal,
    parse_money,
    to_kopecks,
)
from privet_manager_app.domain.history import audit
from privet_manager_app.domain.history.journal import log_event
from privet_manager_app.domain.views import AppliedTariffView, SurchargeView, TariffView
from privet_manager_app.domain.wizard.device_categories import DEVICE_CATEGORIES, category_label
from privet_manager_app.infra.db import transaction, utcnow
from privet_manager_app.schema.tables import (
    ManagerClient,
    ManagerClientTariff,
    ManagerDevice,
    ManagerTariff,
)

HUNDRED = Decimal(100)
MAX_INCLUDED_DEVICES = 1000
MAX_REASON_LENGTH = 500
_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{1,49}$")


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
    reason = (discount_reason or "").strip() or None
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
    if reason and len(reason) > MAX_REASON_LENGTH:
        message = f"Причина скидки — не длиннее {MAX_REASON_LENGTH} символов"
        raise ValidationFailed("invalid_discount", message, fields={"discount_reason": message})
    return pct.quantize(KOPECK), reason if pct > 0 else None


def _discount_error(message: str) -> ValidationFailed:
    return ValidationFailed("invalid_discount", message, fields={"discount_pct": message})


def _category_order(category: str) -> tuple[int, str]:
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
    return _compute(tariff_params, list(device_categories), pct, reason)


def _compute(
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
    for category in sorted(counts, key=_category_order):
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


# ---- Reading ----------------------------------------------------------------------------------


def tariff_view(tariff: ManagerTariff) -> TariffView:
    return TariffView.model_validate(tariff)


def list_tariffs(actor: Actor, include_inactive: bool = False) -> list[TariffView]:
    statement = select(ManagerTariff).order_by(ManagerTariff.base_monthly_fee, ManagerTariff.id)
    if not include_inactive:
        statement = statement.where(ManagerTariff.is_active.is_(True))
    with transaction() as session:
        return [tariff_view(tariff) for tariff in session.exec(statement).all()]


def get_tariff(actor: Actor, tariff_id: int) -> TariffView:
    with transaction() as session:
        return tariff_view(_tariff(session, tariff_id))


def _tariff(session: Session, tariff_id: int, *, for_update: bool = False) -> ManagerTariff:
    statement = select(ManagerTariff).where(ManagerTariff.id == tariff_id)
    if for_update:
        statement = statement.with_for_update()
    tariff = session.exec(statement).first()
    if tariff is None:
        raise NotFound("tariff_not_found", "Тариф не найден")
    return tariff


def _active_tariff(session: Session, tariff_id: int) -> ManagerTariff:
    tariff = _tariff(session, tariff_id)
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
    recalculated = _compute(params, categories, row.discount_pct, row.discount_reason)
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


def current_applied(session: Session, client_id: int) -> AppliedTariffView | None:
    row = current_applied_row(session, client_id)
    if row is None:
        return None
    return applied_view(row, stale=is_stale(row, device_categories(session, client_id)))


# ---- Choosing a tariff for a client -------------------------------------------------------------


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


def preview_surcharge(
    actor: Actor,
    client_id: int,
    tariff_id: int,
    discount_pct: object = None,
    discount_reason: str | None = None,
) -> SurchargeView:
    """What applying this tariff would give for the client's current devices; writes nothing."""
    with transaction() as session:
        if session.get(ManagerClient, client_id) is None:
            raise NotFound("client_not_found", "Клиент не найден")
        params = TariffParams.from_model(_active_tariff(session, tariff_id))
        surcharge = calculate_surcharge(
            params, device_categories(session, client_id), discount_pct, discount_reason
        )
        return _surcharge_view(params, surcharge)


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
        params = TariffParams.from_model(_active_tariff(session, tariff_id))
        surcharge = calculate_surcharge(
            params, device_categories(session, client.id), discount_pct, discount_reason
        )
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


# ---- Administration -----------------------------------------------------------------------------

EDITABLE_FIELDS = (
    "code",
    "name",
    "description",
    "base_monthly_fee",
    "included_devices",
    "extra_device_fee",
    "category_fees",
    "max_discount_pct",
    "is_active",
)
_LABELS = {
    "base_monthly_fee": "Абонентская плата",
    "extra_device_fee": "Плата за дополнительное устройство",
}


def _whole_number(value: object) -> int:
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int):
        number = value
    else:
        decimal = Decimal(str(value).strip())
        if decimal != decimal.to_integral_value():
            raise ValueError
        number = int(decimal)
    if not 0 <= number <= MAX_INCLUDED_DEVICES:
        raise ValueError
    return number


def clean_tariff_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    """Validate the given tariff fields; every problem is reported next to its field."""
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(
            "invalid_tariff",
            "Неизвестные поля тарифа: " + ", ".join(sorted(unknown)),
            fields={name: "Неизвестное поле" for name in unknown},
        )
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}

    def check(name: str, convert) -> None:
        if name not in values:
            return
        try:
            cleaned[name] = convert(values[name])
        except ValidationFailed as error:
            errors[name] = next(iter(error.fields.values()), error.message)
        except (ValueError, TypeError, ArithmeticError) as error:
            errors[name] = str(error) or "Некорректное значение"

    def code(value: object) -> str:
        text = str(value or "").strip().lower()
        if not _CODE.match(text):
            raise ValueError("Код: 2–50 латинских букв, цифр, «-» или «_»")
        return text

    def name(value: object) -> str:
        text = str(value or "").strip()
        if not text or len(text) > 255:
            raise ValueError("Укажите название (до 255 символов)")
        return text

    def description(value: object) -> str | None:
        text = str(value or "").strip()
        if len(text) > 2000:
            raise ValueError("Описание — не длиннее 2000 символов")
        return text or None

    def money(field: str):
        return lambda value: parse_money(value, field, _LABELS[field])

    def included(value: object) -> int:
        try:
            return _whole_number(value)
        except (ValueError, ArithmeticError):
            raise ValueError(f"Целое число от 0 до {MAX_INCLUDED_DEVICES}") from None

    def category_fees(value: object) -> dict[str, str]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise ValueError("Нужен словарь {категория: сумма}")
        fees = {}
        for key, fee in value.items():
            if key not in DEVICE_CATEGORIES:
                raise ValueError(f"Неизвестная категория устройства: {key}")
            fees[key] = str(parse_money(fee, "category_fees", f"Плата за «{category_label(key)}»"))
        return dict(sorted(fees.items(), key=lambda item: _category_order(item[0])))

    def max_discount(value: object) -> Decimal:
        number = parse_decimal(value, "max_discount_pct", "Максимальная скидка")
        if not 0 <= number <= HUNDRED or number != number.quantize(KOPECK):
            raise ValueError("Максимальная скидка — от 0 до 100%, до сотых")
        return number.quantize(KOPECK)

    def flag(value: object) -> bool:
        if not isinstance(value, bool):
            raise ValueError("Нужно true или false")
        return value

    check("code", code)
    check("name", name)
    check("description", description)
    check("base_monthly_fee", money("base_monthly_fee"))
    check("extra_device_fee", money("extra_device_fee"))
    check("included_devices", included)
    check("category_fees", category_fees)
    check("max_discount_pct", max_discount)
    check("is_active", flag)
    if errors:
        raise ValidationFailed("invalid_tariff", "Проверьте параметры тарифа", fields=errors)
    return cleaned


def _tariff_fields(tariff: ManagerTariff) -> dict[str, Any]:
    return {name: getattr(tariff, name) for name in EDITABLE_FIELDS}


def _check_code_free(session: Session, code: str, tariff_id: int | None = None) -> None:
    statement = select(ManagerTariff.id).where(ManagerTariff.code == code)
    if tariff_id is not None:
        statement = statement.where(ManagerTariff.id != tariff_id)
    if session.exec(statement).first() is not None:
        message = f"Тариф с кодом «{code}» уже есть"
        raise Conflict("tariff_code_taken", message, fields={"code": message})


def _flush_unique(session: Session, code: str) -> None:
    try:
        session.flush()
    except sa.exc.IntegrityError:
        # Two admins creating the same code at once: the unique index decides.
        message = f"Тариф с кодом «{code}» уже есть"
        raise Conflict("tariff_code_taken", message, fields={"code": message}) from None


def create_tariff(
    admin: Actor,
    *,
    code: str,
    name: str,
    base_monthly_fee: object,
    extra_device_fee: object,
    included_devices: object = 0,
    category_fees: Mapping[str, object] | None = None,
    max_discount_pct: object = 0,
    description: str | None = None,
    is_active: bool = True,
) -> TariffView:
    admin.require_admin()
    values = clean_tariff_fields(
        {
            "code": code,
            "name": name,
            "description": description,
            "base_monthly_fee": base_monthly_fee,
            "extra_device_fee": extra_device_fee,
            "included_devices": included_devices,
            "category_fees": category_fees or {},
            "max_discount_pct": max_discount_pct,
            "is_active": is_active,
        }
    )
    with transaction() as session:
        _check_code_free(session, values["code"])
        tariff = ManagerTariff(**values, version=1, updated_by=admin.id)
        session.add(tariff)
        _flush_unique(session, values["code"])
        audit.record(
            session,
            admin,
            "tariff_created",
            "tariff",
            tariff.id,
            changes=audit.changed_fields({}, _tariff_fields(tariff)),
        )
        return tariff_view(tariff)


def update_tariff(admin: Actor, tariff_id: int, version: int | None, **changes: Any) -> TariffView:
    """Edit a tariff: a new `version`; calculations and contracts keep their snapshots."""
    admin.require_admin()
    values = clean_tariff_fields(changes)
    with transaction() as session:
        tariff = _tariff(session, tariff_id, for_update=True)
        if version is not None and version != tariff.version:
            raise Conflict(
                "stale_version",
                "Тариф изменили, пока вы его редактировали. Обновите страницу — введённое "
                "останется в форме",
                extra={"current_version": tariff.version},
            )
        if "code" in values and values["code"] != tariff.code:
            _check_code_free(session, values["code"], tariff.id)
        before = _tariff_fields(tariff)
        for name, value in values.items():
            setattr(tariff, name, value)
        changes_log = audit.changed_fields(before, _tariff_fields(tariff))
        if not changes_log:
            return tariff_view(tariff)
        tariff.version += 1
        tariff.updated_by = admin.id
        tariff.updated_at = utcnow()
        session.add(tariff)
        _flush_unique(session, tariff.code)
        changes_log["version"] = {"before": tariff.version - 1, "after": tariff.version}
        audit.record(session, admin, "tariff_updated", "tariff", tariff.id, changes=changes_log)
        return tariff_view(tariff)


PRICING_FIELDS = (
    "base_monthly_fee",
    "included_devices",
    "extra_device_fee",
    "category_fees",
    "max_discount_pct",
)


def preview_tariff_values(values: Mapping[str, Any], device_categories: Iterable[str]) -> Surcharge:
    """The admin form's live preview: what these (unsaved) parameters charge for sample devices.

    Only the pricing fields are read, so a half-filled code or name does not block it.
    """
    cleaned = clean_tariff_fields({name: values[name] for name in PRICING_FIELDS if name in values})
    params = TariffParams(
        code="preview",
        name=str(values.get("name") or "Новый тариф"),
        version=0,
        base_monthly_fee=cleaned.get("base_monthly_fee", ZERO),
        included_devices=cleaned.get("included_devices", 0),
        extra_device_fee=cleaned.get("extra_device_fee", ZERO),
        category_fees={key: Decimal(fee) for key, fee in cleaned.get("category_fees", {}).items()},
        max_discount_pct=cleaned.get("max_discount_pct", ZERO),
    )
    return calculate_surcharge(params, device_categories)


def set_tariff_active(admin: Actor, tariff_id: int, is_active: bool) -> TariffView:
    """Withdraw a tariff from the choice (or bring it back); existing calculations stay."""
    return update_tariff(admin, tariff_id, None, is_active=is_active)


# ---- Demo data ----------------------------------------------------------------------------------

DEMO_TARIFFS = (
    {
        "code": "basic",
        "name": "Базовый",
        "description": "Одно устройство — обычно смартфон. Каждое следующее — за доплату.",
        "base_monthly_fee": "490.00",
        "included_devices": 1,
        "extra_device_fee": "500.00",
        "category_fees": {},
        "max_discount_pct": "0",
    },
    {
        "code": "family",
        "name": "Семейный",
        "description": "До трёх устройств семьи: смартфоны, планшеты, ноутбук.",
        "base_monthly_fee": "990.00",
        "included_devices": 3,
        "extra_device_fee": "300.00",
        "category_fees": {"laptop": "200.00", "computer": "200.00"},
        "max_discount_pct": "10",
    },
    {
        "code": "home",
        "name": "Дом целиком",
        "description": "Вся техника дома, включая крупную бытовую: холодильник, стиральную "
        "машину, телевизор.",
        "base_monthly_fee": "1990.00",
        "included_devices": 5,
        "extra_device_fee": "250.00",
        "category_fees": {
            "tv": "400.00",
            "fridge": "700.00",
            "washer": "600.00",
            "dishwasher": "500.00",
            "air_conditioner": "800.00",
        },
        "max_discount_pct": "15",
    },
    {
        "code": "premium",
        "name": "Премиум",
        "description": "До десяти устройств, выезд мастера в день обращения, подменная техника.",
        "base_monthly_fee": "3490.00",
        "included_devices": 10,
        "extra_device_fee": "200.00",
        "category_fees": {"fridge": "300.00", "washer": "300.00"},
        "max_discount_pct": "20",
    },
)


def ensure_demo_tariffs() -> list[str]:
    """The demo tariffs that are missing (by code); returns the codes created. Idempotent."""
    created = []
    with transaction() as session:
        existing = set(session.exec(select(ManagerTariff.code)).all())
        for spec in DEMO_TARIFFS:
            if spec["code"] in existing:
                continue
            session.add(ManagerTariff(**clean_tariff_fields(spec), version=1))
            created.append(spec["code"])
    return created
