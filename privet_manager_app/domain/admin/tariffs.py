"""Tariff administration (admins only): the catalogue, creating a tariff, editing it (a new
version — calculations and contracts keep their snapshots), withdrawing it, and the editor's
live preview of the surcharge.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.common.clock import utcnow
from privet_manager_app.domain.common.errors import Conflict, ValidationFailed
from privet_manager_app.domain.common.money import KOPECK, ZERO, parse_decimal, parse_money
from privet_manager_app.domain.common.text import line_error, multiline_error
from privet_manager_app.domain.history import audit
from privet_manager_app.domain.inputs import TariffInput, TariffPatch
from privet_manager_app.domain.views import TariffView
from privet_manager_app.domain.wizard.device_categories import DEVICE_CATEGORIES, category_label
from privet_manager_app.domain.wizard.tariff_apply import load_tariff
from privet_manager_app.domain.wizard.tariff_formula import (
    HUNDRED,
    Surcharge,
    TariffParams,
    calculate_surcharge,
    category_order,
)
from privet_manager_app.infra.db import transaction
from privet_manager_app.schema.tables import ManagerTariff

MAX_INCLUDED_DEVICES = 1000
_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{1,49}$")


def tariff_view(tariff: ManagerTariff) -> TariffView:
    return TariffView.model_validate(tariff)


def tariff_views(session: Session, *, include_inactive: bool = False) -> list[TariffView]:
    statement = select(ManagerTariff).order_by(ManagerTariff.base_monthly_fee, ManagerTariff.id)
    if not include_inactive:
        statement = statement.where(ManagerTariff.is_active.is_(True))
    return [tariff_view(tariff) for tariff in session.exec(statement).all()]


def active_tariff_views(session: Session) -> list[TariffView]:
    """What step 4 offers."""
    return tariff_views(session)


def list_tariffs(actor: Actor, include_inactive: bool = False) -> list[TariffView]:
    with transaction() as session:
        return tariff_views(session, include_inactive=include_inactive)


def catalogue(admin: Actor) -> list[TariffView]:
    """The admin's page: every tariff, withdrawn ones too."""
    admin.require_admin()
    with transaction() as session:
        return tariff_views(session, include_inactive=True)


def get_tariff(admin: Actor, tariff_id: int) -> TariffView:
    """One tariff for the admin's editor."""
    admin.require_admin()
    with transaction() as session:
        return tariff_view(load_tariff(session, tariff_id))


EDITABLE_FIELDS = TariffInput.fields()
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
        except (ValueError, TypeError) as error:
            errors[name] = str(error) or "Некорректное значение"
        except ArithmeticError:  # never the exception's own text («[<class 'decimal…'>]»)
            errors[name] = "Некорректное число"

    def code(value: object) -> str:
        text = str(value or "").strip().lower()
        if not _CODE.match(text):
            raise ValueError("Код: 2–50 латинских букв, цифр, «-» или «_»")
        return text

    def name(value: object) -> str:
        text, error = line_error(str(value or ""), "Название", max_length=255)
        if error:
            raise ValueError(error)
        return text

    def description(value: object) -> str | None:
        text, error = multiline_error(str(value or ""), "Описание", max_length=2000)
        if error:
            raise ValueError(error)
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
        return dict(sorted(fees.items(), key=lambda item: category_order(item[0])))

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


def create_tariff(admin: Actor, tariff: TariffInput) -> TariffView:
    admin.require_admin()
    values = clean_tariff_fields(tariff.model_dump())
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


def update_tariff(
    admin: Actor, tariff_id: int, version: int | None, changes: TariffPatch
) -> TariffView:
    """Edit a tariff: the fields given in `changes`, as a new `version`; calculations and
    contracts keep their snapshots."""
    admin.require_admin()
    values = clean_tariff_fields(
        changes.model_dump(include=set(EDITABLE_FIELDS), exclude_unset=True)
    )
    with transaction() as session:
        tariff = load_tariff(session, tariff_id, for_update=True)
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

    `values` are the form's (strings as typed); only the pricing fields are read, so a
    half-filled code or name does not block it.
    """
    given = TariffPatch.model_validate(
        {name: values[name] for name in PRICING_FIELDS if name in values}
    )
    cleaned = clean_tariff_fields(given.model_dump(exclude_unset=True))
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
    return update_tariff(admin, tariff_id, None, TariffPatch(is_active=is_active))
