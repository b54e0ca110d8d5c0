"""Wizard step 3 «Устройства»: the client's devices (ours, `manager_devices`), the client app's
own devices offered for import, and the rule that every device needs a photo before a contract.

This module must not import `domain.clients` (clients imports it to fill the card).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from privet_manager_app.domain.clients.access import client_for_change, mark_changed
from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.common.clock import utcnow
from privet_manager_app.domain.common.errors import Conflict, NotFound, ValidationFailed
from privet_manager_app.domain.common.rows import find_client
from privet_manager_app.domain.common.text import line_error, multiline_error
from privet_manager_app.domain.history import audit, journal
from privet_manager_app.domain.inputs import DeviceInput, DevicePatch
from privet_manager_app.domain.views import DeviceView, PhotoView, View
from privet_manager_app.domain.wizard.device_categories import DEVICE_CATEGORIES
from privet_manager_app.infra.db import transaction
from privet_manager_app.infra.storage import get_storage
from privet_manager_app.schema.client_app import ClientDevice
from privet_manager_app.schema.tables import ManagerClient, ManagerDevice, ManagerDevicePhoto

logger = logging.getLogger(__name__)

# One list for the whole app (tariff category fees use the same keys).
CATEGORIES = DEVICE_CATEGORIES
CONDITIONS = {
    "new": "Новое",
    "good": "Хорошее",
    "fair": "Удовлетворительное",
    "damaged": "Есть повреждения",
}
# The client app's free-form `devices.type` → our category (anything else: «Другое»).
LEGACY_TYPE_CATEGORIES = {
    **{category: category for category in CATEGORIES},
    "phone": "smartphone",
    "mobile": "smartphone",
    "mobile_phone": "smartphone",
    "cellphone": "smartphone",
    "смартфон": "smartphone",
    "телефон": "smartphone",
    "pad": "tablet",
    "ipad": "tablet",
    "планшет": "tablet",
    "notebook": "laptop",
    "ноутбук": "laptop",
    "pc": "computer",
    "desktop": "computer",
    "компьютер": "computer",
    "television": "tv",
    "smart_tv": "tv",
    "телевизор": "tv",
    "refrigerator": "fridge",
    "freezer": "fridge",
    "холодильник": "fridge",
    "washing_machine": "washer",
    "washingmachine": "washer",
    "стиральная машина": "washer",
    "dish_washer": "dishwasher",
    "посудомоечная машина": "dishwasher",
    "stove": "oven",
    "cooker": "oven",
    "духовка": "oven",
    "микроволновка": "microwave",
    "ac": "air_conditioner",
    "conditioner": "air_conditioner",
    "aircon": "air_conditioner",
    "кондиционер": "air_conditioner",
    "vacuum_cleaner": "vacuum",
    "robot_vacuum": "vacuum",
    "пылесос": "vacuum",
    "game_console": "console",
    "playstation": "console",
    "xbox": "console",
    "приставка": "console",
}
FIRST_PURCHASE_YEAR = 1980
TEXT_LIMIT = 100
NOTES_LIMIT = 2000
MAX_DEVICES_PER_CLIENT = 50
UNKNOWN_TEXT = "—"  # the client app leaves brand/model empty sometimes; ours are required
DEVICE_FIELDS = DeviceInput.fields()


class DeviceSaved(DeviceView):
    condition_label: str | None = None
    client_version: int  # the client's version after the change: the next write sends it


class LegacyDeviceView(View):
    id: int
    type: str
    category: str
    category_label: str
    brand: str | None
    model: str | None
    serial_number: str | None
    created_at: dt.datetime


class Option(View):
    value: str
    label: str


def category_options() -> list[Option]:
    return [Option(value=value, label=label) for value, label in CATEGORIES.items()]


def condition_options() -> list[Option]:
    return [Option(value=value, label=label) for value, label in CONDITIONS.items()]


def legacy_category(device_type: str | None) -> str:
    key = " ".join((device_type or "").strip().lower().replace("-", "_").split())
    return LEGACY_TYPE_CATEGORIES.get(
        key, LEGACY_TYPE_CATEGORIES.get(key.replace(" ", "_"), "other")
    )


def device_title(device: ManagerDevice | DeviceView) -> str:
    """«Смартфон Apple iPhone 13» — how a device is named in messages and the contract."""
    label = CATEGORIES.get(device.category, device.category)
    return " ".join(part for part in (label, device.brand, device.model) if part != UNKNOWN_TEXT)


def _validated(raw: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    """Given fields checked (all of them when creating); every error at once."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}

    def given(field: str) -> bool:
        return field in raw or not partial

    if given("category"):
        category = raw.get("category")
        category = category.strip().lower() if isinstance(category, str) else ""
        if category not in CATEGORIES:
            errors["category"] = "Выберите категорию из списка"
        values["category"] = category
    for field, label in (("brand", "Бренд"), ("model", "Модель")):
        if given(field):
            value = raw.get(field)
            cleaned, error = line_error(
                value if isinstance(value, str) else "", label, max_length=TEXT_LIMIT
            )
            errors.update({field: error} if error else {})
            values[field] = cleaned
    if given("serial_number"):
        value = raw.get("serial_number")
        if value is None or (isinstance(value, str) and not value.strip()):
            values["serial_number"] = None
        else:
            cleaned, error = line_error(
                value if isinstance(value, str) else "", "Серийный номер", max_length=TEXT_LIMIT
            )
            errors.update({"serial_number": error} if error else {})
            values["serial_number"] = cleaned
    if given("purchase_year"):
        value = raw.get("purchase_year")
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        elif isinstance(value, str) and not value.strip():
            value = None
        current_year = utcnow().year
        if value is not None and (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not FIRST_PURCHASE_YEAR <= value <= current_year
        ):
            errors["purchase_year"] = f"Год покупки — от {FIRST_PURCHASE_YEAR} до {current_year}"
        values["purchase_year"] = value
    if given("condition"):
        value = raw.get("condition")
        if value is None or (isinstance(value, str) and not value.strip()):
            values["condition"] = None
        elif not isinstance(value, str) or value.strip().lower() not in CONDITIONS:
            errors["condition"] = "Выберите состояние из списка"
        else:
            values["condition"] = value.strip().lower()
    if given("notes"):
        value = raw.get("notes")
        if value is None:
            values["notes"] = None
        else:
            cleaned, error = multiline_error(
                value if isinstance(value, str) else "", "Заметки", max_length=NOTES_LIMIT
            )
            errors.update({"notes": error} if error else {})
            values["notes"] = cleaned or None
    if errors:
        raise ValidationFailed("invalid_device", next(iter(errors.values())), fields=errors)
    return values


def photo_view(photo: ManagerDevicePhoto) -> PhotoView:
    """Short-lived signed URLs: photos are never public."""
    storage = get_storage()
    return PhotoView(
        id=photo.id,
        url=storage.download_url(photo.file_key),
        thumb_url=storage.download_url(photo.thumb_key),
        width=photo.width,
        height=photo.height,
        size_bytes=photo.size_bytes,
        sha256=photo.sha256,
    )


def _device_fields(device: ManagerDevice) -> dict[str, Any]:
    return {field: getattr(device, field) for field in DEVICE_FIELDS}


def _view(device: ManagerDevice, photos: list[ManagerDevicePhoto]) -> DeviceView:
    return DeviceView(
        id=device.id,
        legacy_device_id=device.legacy_device_id,
        category_label=CATEGORIES.get(device.category, device.category),
        photos=[photo_view(photo) for photo in photos],
        **_device_fields(device),
    )


def _saved(session: Session, device: ManagerDevice, client: ManagerClient) -> DeviceSaved:
    photos = session.exec(
        select(ManagerDevicePhoto)
        .where(ManagerDevicePhoto.device_id == device.id)
        .order_by(ManagerDevicePhoto.id)
    ).all()
    return DeviceSaved(
        **_view(device, list(photos)).model_dump(exclude={"photos"}),
        photos=[photo_view(photo) for photo in photos],
        condition_label=CONDITIONS.get(device.condition) if device.condition else None,
        client_version=client.version,
    )


def device_views(session: Session, client_id: int) -> list[DeviceView]:
    """All devices of a client with their photos, oldest first (one query: the devices with
    their photos joined, a row per photo)."""
    rows = session.execute(
        select(ManagerDevice, ManagerDevicePhoto)
        .outerjoin(ManagerDevicePhoto, ManagerDevicePhoto.device_id == ManagerDevice.id)
        .where(ManagerDevice.client_id == client_id)
        .order_by(ManagerDevice.id, ManagerDevicePhoto.id)
    ).all()
    photos: dict[int, list[ManagerDevicePhoto]] = {}
    devices: list[ManagerDevice] = []
    for device, photo in rows:
        if device.id not in photos:
            photos[device.id] = []
            devices.append(device)
        if photo is not None:
            photos[device.id].append(photo)
    return [_view(device, photos[device.id]) for device in devices]


def list_devices(actor: Actor, client_id: int) -> list[DeviceView]:
    with transaction() as session:
        find_client(session, client_id)
        return device_views(session, client_id)


def next_step_blocked(views: list[DeviceView]) -> str | None:
    """Why step 3 cannot be left yet: no device, or a device without a photo."""
    if not views:
        return "Добавьте хотя бы одно устройство"
    without = [device_title(view) for view in views if not view.photos]
    if without:
        return "Нужно хотя бы одно фото у каждого устройства: " + ", ".join(without)
    return None


def missing_photos(session: Session, client_id: int) -> list[ManagerDevice]:
    """Devices without a single photo (they block the contract step)."""
    has_photo = sa.exists().where(ManagerDevicePhoto.device_id == ManagerDevice.id)
    return list(
        session.exec(
            select(ManagerDevice)
            .where(ManagerDevice.client_id == client_id, ~has_photo)
            .order_by(ManagerDevice.id)
        ).all()
    )


def require_photos(session: Session, client_id: int) -> None:
    """Conflict `device_without_photo` naming the devices that still need a photo."""
    missing = missing_photos(session, client_id)
    if missing:
        names = ", ".join(f"«{device_title(device)}»" for device in missing)
        raise Conflict(
            "device_without_photo",
            f"Добавьте хотя бы одно фото к каждому устройству: {names}",
            extra={"device_ids": [device.id for device in missing]},
        )


def device_for_change(
    session: Session, actor: Actor, client_id: int, device_id: int, version: int | None
) -> tuple[ManagerClient, ManagerDevice]:
    client = client_for_change(session, actor, client_id, version)
    device = session.get(ManagerDevice, device_id)
    if device is None or device.client_id != client.id:
        raise NotFound("device_not_found", "Устройство не найдено")
    return client, device


def _check_legacy(session: Session, client: ManagerClient, legacy_device_id: int) -> ClientDevice:
    legacy = session.get(ClientDevice, legacy_device_id)
    if legacy is None or legacy.user_id != client.user_id:
        raise NotFound("legacy_device_not_found", "В приложении клиента нет такого устройства")
    imported = session.exec(
        select(ManagerDevice.id).where(
            ManagerDevice.client_id == client.id,
            ManagerDevice.legacy_device_id == legacy_device_id,
        )
    ).first()
    if imported is not None:
        raise Conflict(
            "device_already_imported",
            "Это устройство из приложения клиента уже добавлено",
            extra={"device_id": imported},
        )
    return legacy


def _check_capacity(session: Session, client_id: int) -> None:
    count = session.exec(
        select(sa.func.count())
        .select_from(ManagerDevice)
        .where(ManagerDevice.client_id == client_id)
    ).one()
    if count >= MAX_DEVICES_PER_CLIENT:
        raise Conflict(
            "too_many_devices", f"У клиента не может быть больше {MAX_DEVICES_PER_CLIENT} устройств"
        )


def _create(
    session: Session,
    actor: Actor,
    client: ManagerClient,
    values: dict[str, Any],
    legacy_device_id: int | None,
    action: str,
) -> DeviceSaved:
    _check_capacity(session, client.id)
    device = ManagerDevice(
        client_id=client.id, legacy_device_id=legacy_device_id, created_by=actor.id, **values
    )
    session.add(device)
    session.flush()
    mark_changed(session, client, supersede_contract=True)
    audit.record(
        session,
        actor,
        action,
        "device",
        device.id,
        client_id=client.id,
        changes=audit.changed_fields({}, {**values, "legacy_device_id": legacy_device_id}),
    )
    verb = "импортировано из приложения" if legacy_device_id else "добавлено"
    journal.log_event(
        session, client.id, actor, f"Шаг «Устройства»: {verb} «{device_title(device)}»"
    )
    session.flush()
    return _saved(session, device, client)


def add_device(
    actor: Actor,
    client_id: int,
    device: DeviceInput,
    *,
    legacy_device_id: int | None = None,
    version: int | None = None,
) -> DeviceSaved:
    values = _validated(device.model_dump(include=set(DEVICE_FIELDS)), partial=False)
    with transaction() as session:
        client = client_for_change(session, actor, client_id, version)
        if legacy_device_id is not None:
            _check_legacy(session, client, legacy_device_id)
        return _create(session, actor, client, values, legacy_device_id, "device_added")


def update_device(
    actor: Actor,
    client_id: int,
    device_id: int,
    changes: DevicePatch,
    *,
    version: int | None = None,
) -> DeviceSaved:
    """Change the fields given in `changes` (None clears an optional field)."""
    values = _validated(
        changes.model_dump(include=set(DEVICE_FIELDS), exclude_unset=True), partial=True
    )
    with transaction() as session:
        client, device = device_for_change(session, actor, client_id, device_id, version)
        before = _device_fields(device)
        changed = audit.changed_fields(before, {**before, **values})
        if changed:
            for field, value in values.items():
                setattr(device, field, value)
            device.updated_at = utcnow()
            session.add(device)
            mark_changed(session, client, supersede_contract=True)
            audit.record(
                session,
                actor,
                "device_updated",
                "device",
                device.id,
                client_id=client.id,
                changes=changed,
            )
            journal.log_event(
                session, client.id, actor, f"Шаг «Устройства»: изменено «{device_title(device)}»"
            )
            session.flush()
        return _saved(session, device, client)


def delete_device(
    actor: Actor, client_id: int, device_id: int, *, version: int | None = None
) -> int:
    """Delete a device with its photos (refused once the contract is signed). → client version."""
    with transaction() as session:
        client, device = device_for_change(session, actor, client_id, device_id, version)
        keys = [
            key
            for photo in session.exec(
                select(ManagerDevicePhoto).where(ManagerDevicePhoto.device_id == device.id)
            ).all()
            for key in (photo.file_key, photo.thumb_key)
        ]
        title = device_title(device)
        audit.record(
            session,
            actor,
            "device_deleted",
            "device",
            device.id,
            client_id=client.id,
            changes=audit.changed_fields(_device_fields(device), {}),
        )
        session.delete(device)  # photo rows go with it (ON DELETE CASCADE)
        mark_changed(session, client, supersede_contract=True)
        journal.log_event(session, client.id, actor, f"Шаг «Устройства»: удалено «{title}»")
        session.flush()
        new_version = client.version
    remove_objects(keys)  # only after the commit: a rolled-back delete keeps its photos
    return new_version


def remove_objects(keys: list[str]) -> None:
    """Best effort: a leftover object is garbage, a missing one would be a broken record."""
    storage = get_storage()
    for key in keys:
        try:
            storage.delete(key)
        except Exception:  # storage hiccups must not undo a committed change
            logger.warning("could not delete storage object %s", key, exc_info=True)


def legacy_device_views(session: Session, client: ManagerClient) -> list[LegacyDeviceView]:
    """The client app's devices of this client not imported yet (suggestions for step 3)."""
    imported = (
        select(ManagerDevice.legacy_device_id)
        .where(
            ManagerDevice.client_id == client.id,
            ManagerDevice.legacy_device_id.is_not(None),
        )
        .scalar_subquery()
    )
    rows = session.exec(
        select(ClientDevice)
        .where(ClientDevice.user_id == client.user_id, ClientDevice.id.not_in(imported))
        .order_by(ClientDevice.id)
    ).all()
    return [
        LegacyDeviceView(
            id=row.id,
            type=row.type,
            category=legacy_category(row.type),
            category_label=CATEGORIES[legacy_category(row.type)],
            brand=row.brand,
            model=row.model,
            serial_number=row.serial_number,
            created_at=row.created_at,
        )
        for row in rows
    ]


def legacy_devices(actor: Actor, client_id: int) -> list[LegacyDeviceView]:
    with transaction() as session:
        client = find_client(session, client_id)
        return legacy_device_views(session, client)


def import_legacy_device(
    actor: Actor, client_id: int, legacy_device_id: int, *, version: int | None = None
) -> DeviceSaved:
    """One click: the client app's device becomes ours (category mapped, text fields cleaned)."""
    with transaction() as session:
        client = client_for_change(session, actor, client_id, version)
        legacy = _check_legacy(session, client, legacy_device_id)

        def text(value: str | None, limit: int = TEXT_LIMIT) -> str | None:
            cleaned, error = line_error(value or "", "", max_length=limit)
            return None if error else cleaned

        values = {
            "category": legacy_category(legacy.type),
            "brand": text(legacy.brand) or UNKNOWN_TEXT,
            "model": text(legacy.model) or UNKNOWN_TEXT,
            "serial_number": text(legacy.serial_number),
            "purchase_year": None,
            "condition": None,
            "notes": None,
        }
        return _create(session, actor, client, values, legacy.id, "device_imported")
