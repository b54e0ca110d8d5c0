"""Step 3 «Устройства»: add/edit/delete, the client app's devices for import, photo rule."""

from __future__ import annotations

import pytest

from privet_manager_app.domain.clients import card as client_card
from privet_manager_app.domain.common.clock import utcnow
from privet_manager_app.domain.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from privet_manager_app.domain.inputs import DeviceInput, DevicePatch
from privet_manager_app.domain.wizard import devices, photos
from privet_manager_app.infra.db import transaction
from privet_manager_app.schema.tables import ManagerAuditLog, ManagerDevice, ManagerDevicePhoto
from tests.support import images
from tests.support.factories import claimed_client, count, files_under, set_status, version_of

PHONE = {"category": "smartphone", "brand": "Apple", "model": "iPhone 13"}


def test_устройство_добавляется_с_русской_категорией_и_видно_в_карточке(manager):
    client = claimed_client(manager)
    saved = devices.add_device(
        manager,
        client.id,
        DeviceInput(
            **PHONE,
            serial_number=" SN123 ",
            purchase_year="2021",
            condition="good",
            notes="Царапина\nна крышке",
        ),
    )
    assert saved.category_label == "Смартфон"
    assert saved.condition_label == "Хорошее"
    assert saved.serial_number == "SN123"
    assert saved.purchase_year == 2021
    assert saved.notes == "Царапина\nна крышке"
    assert saved.photos == []
    assert saved.client_version == 3
    detail = client_card.get_client(manager, client.id)
    assert [(device.brand, device.category_label) for device in detail.devices] == [
        ("Apple", "Смартфон")
    ]
    assert count(ManagerAuditLog, ManagerAuditLog.action == "device_added") == 1


def test_все_категории_и_состояния_подписаны_по_русски():
    assert devices.CATEGORIES["washer"] == "Стиральная машина"
    assert devices.CATEGORIES["air_conditioner"] == "Кондиционер"
    assert devices.CATEGORIES["other"] == "Другое"
    assert len(devices.category_options()) == 14
    assert [option.label for option in devices.condition_options()] == [
        "Новое",
        "Хорошее",
        "Удовлетворительное",
        "Есть повреждения",
    ]


def test_ошибки_устройства_сообщаются_все_сразу(manager):
    client = claimed_client(manager)
    with pytest.raises(ValidationFailed) as error:
        devices.add_device(
            manager,
            client.id,
            DeviceInput(
                category="toaster",
                brand="",
                model="M" * 101,
                serial_number="S" * 101,
                purchase_year=1979,
                condition="broken",
                notes="n" * 2001,
            ),
        )
    assert error.value.code == "invalid_device"
    assert set(error.value.fields) == {
        "category",
        "brand",
        "model",
        "serial_number",
        "purchase_year",
        "condition",
        "notes",
    }
    assert count(ManagerDevice) == 0
    assert version_of(client.id) == 2


@pytest.mark.parametrize("year", [1979, utcnow().year + 1, True, "двадцатый", 2020.5])
def test_год_покупки_от_1980_до_текущего(manager, year):
    client = claimed_client(manager)
    with pytest.raises(ValidationFailed) as error:
        devices.add_device(manager, client.id, DeviceInput(**PHONE, purchase_year=year))
    assert list(error.value.fields) == ["purchase_year"]


def test_год_покупки_на_границах_принимается(manager):
    client = claimed_client(manager)
    devices.add_device(manager, client.id, DeviceInput(**PHONE, purchase_year=1980))
    devices.add_device(manager, client.id, DeviceInput(**PHONE, purchase_year=utcnow().year))
    assert count(ManagerDevice) == 2


def test_правка_меняет_только_переданные_поля(manager):
    client = claimed_client(manager)
    saved = devices.add_device(
        manager, client.id, DeviceInput(**PHONE, serial_number="SN1", condition="new")
    )
    updated = devices.update_device(
        manager, client.id, saved.id, DevicePatch(model="iPhone 13 Pro", serial_number=None)
    )
    assert (updated.brand, updated.model, updated.serial_number, updated.condition) == (
        "Apple",
        "iPhone 13 Pro",
        None,
        "new",
    )
    with pytest.raises(ValidationFailed):
        devices.update_device(manager, client.id, saved.id, DevicePatch(brand="  "))


def test_устройство_другого_клиента_не_найти(manager):
    first = claimed_client(manager)
    second = claimed_client(manager, phone=None)
    saved = devices.add_device(manager, first.id, DeviceInput(**PHONE))
    with pytest.raises(NotFound) as error:
        devices.update_device(manager, second.id, saved.id, DevicePatch(model="X"))
    assert error.value.code == "device_not_found"
    with pytest.raises(NotFound):
        devices.delete_device(manager, second.id, saved.id)


def test_удаление_устройства_удаляет_и_его_фото(manager, storage_dir):
    client = claimed_client(manager)
    saved = devices.add_device(manager, client.id, DeviceInput(**PHONE))
    photos.attach_photo_bytes(manager, client.id, saved.id, images.jpeg_bytes(), "a.jpg")
    assert len(files_under(storage_dir, "photos")) == 2
    version = devices.delete_device(manager, client.id, saved.id)
    assert version == version_of(client.id)
    assert count(ManagerDevice) == 0
    assert count(ManagerDevicePhoto) == 0
    assert files_under(storage_dir, "photos") == []


def test_после_подписания_устройство_не_удалить(manager):
    client = claimed_client(manager)
    saved = devices.add_device(manager, client.id, DeviceInput(**PHONE))
    set_status(client.id, "signed")
    with pytest.raises(Conflict) as error:
        devices.delete_device(manager, client.id, saved.id)
    assert error.value.code == "client_frozen"
    assert count(ManagerDevice) == 1


def test_чужой_менеджер_не_добавляет_устройства(manager, make_manager):
    client = claimed_client(manager)
    with pytest.raises(Forbidden):
        devices.add_device(make_manager(), client.id, DeviceInput(**PHONE))


def test_устройство_по_устаревшей_версии_не_добавляется(manager):
    client = claimed_client(manager)
    with pytest.raises(Conflict) as error:
        devices.add_device(manager, client.id, DeviceInput(**PHONE), version=1)
    assert error.value.code == "stale_version"


def test_устройства_из_приложения_клиента_предлагаются_и_импортируются(manager):
    client = claimed_client(
        manager,
        legacy_devices=(
            ("phone", "Samsung", "Galaxy S23"),
            ("washing_machine", "Haier", None),
            ("hoverboard", None, None),
        ),
    )
    offered = devices.legacy_devices(manager, client.id)
    assert [(item.category, item.category_label) for item in offered] == [
        ("smartphone", "Смартфон"),
        ("washer", "Стиральная машина"),
        ("other", "Другое"),
    ]
    imported = devices.import_legacy_device(manager, client.id, offered[1].id)
    assert (imported.category, imported.brand, imported.model) == ("washer", "Haier", "—")
    assert imported.legacy_device_id == offered[1].id
    remaining = devices.legacy_devices(manager, client.id)
    assert [item.id for item in remaining] == [offered[0].id, offered[2].id]
    with pytest.raises(Conflict) as error:
        devices.import_legacy_device(manager, client.id, offered[1].id)
    assert error.value.code == "device_already_imported"


def test_чужое_устройство_из_приложения_не_импортируется(manager):
    mine = claimed_client(manager)
    stranger = claimed_client(manager, phone=None, legacy_devices=(("tv", "LG", "OLED"),))
    with pytest.raises(NotFound) as error:
        devices.import_legacy_device(manager, mine.id, stranger.legacy_device_ids[0])
    assert error.value.code == "legacy_device_not_found"
    with pytest.raises(NotFound):
        devices.add_device(
            manager, mine.id, DeviceInput(**PHONE), legacy_device_id=stranger.legacy_device_ids[0]
        )


def test_устройство_без_фото_блокирует_следующий_шаг(manager):
    client = claimed_client(manager)
    phone = devices.add_device(manager, client.id, DeviceInput(**PHONE))
    devices.add_device(manager, client.id, DeviceInput(category="tv", brand="LG", model="OLED55C3"))
    photos.attach_photo_bytes(manager, client.id, phone.id, images.jpeg_bytes(), "a.jpg")
    with transaction() as session:
        missing = devices.missing_photos(session, client.id)
        assert [device.brand for device in missing] == ["LG"]
        with pytest.raises(Conflict) as error:
            devices.require_photos(session, client.id)
    assert error.value.code == "device_without_photo"
    assert "«Телевизор LG OLED55C3»" in error.value.message
