"""REST surface of wizard steps 1–3: the field contract of DESIGN §6.1, errors as
{detail, code, fields?}, and garbage that never gets a 500 nor leaves anything half-written."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlmodel import select

from privet_manager_app.infra.db import transaction
from privet_manager_app.schema.client_app import ClientUser
from privet_manager_app.schema.tables import (
    ManagerAuditLog,
    ManagerDevice,
    ManagerDevicePhoto,
    UserPassport,
)
from tests.support import images
from tests.support.factories import count, files_under, new_client
from tests.support.samples import PASSPORT_REQUEST

pytestmark = pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
M = "/api/manager"
PASSPORT = {**PASSPORT_REQUEST, "number": "123456", "division_code": "772001"}


@pytest.fixture
def headers(manager, login_headers):
    return login_headers(manager)


@pytest.fixture
def claimed(api, headers):
    """A client taken into work over REST, with one device: (client_id, device_id, version)."""
    client = new_client(legacy_devices=(("phone", "Samsung", "Galaxy S23"),))
    response = api.post(f"{M}/clients/{client.id}/claim", headers=headers)
    assert response.status_code == 200, response.text
    device = api.post(
        f"{M}/clients/{client.id}/devices",
        headers=headers,
        json={"category": "tv", "brand": "LG", "model": "OLED55C3"},
    )
    assert device.status_code == 201, device.text
    return client.id, device.json()["id"], device.json()["client_version"]


def _upload(api, headers, client_id, device_id, data, content_type="image/jpeg"):
    ticket = api.post(
        f"{M}/clients/{client_id}/devices/{device_id}/photos/upload-url",
        headers=headers,
        json={"filename": "IMG_0001.JPG", "content_type": content_type},
    )
    assert ticket.status_code == 200, ticket.text
    body = ticket.json()
    put = api.request(body["method"], body["upload_url"], headers=body["headers"], content=data)
    return body, put


def _assert_error(response, status, code=None):
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body["detail"], str)
    assert body["detail"]
    assert isinstance(body["code"], str)
    assert body["code"]
    if code:
        assert body["code"] == code, body
    return body


def test_шаги_1_3_проходятся_через_rest(api, headers, manager):
    client = new_client(legacy_devices=(("washing_machine", "Haier", "HW70"),))
    card = api.post(f"{M}/clients/{client.id}/claim", headers=headers).json()
    assert card["status"] == "in_progress"
    assert card["assigned_manager"] == {"id": manager.id, "name": "Мастер Анна"}

    profile = api.patch(
        f"{M}/clients/{client.id}/profile",
        headers=headers,
        json={
            "version": card["version"],
            "name": "Иван Петров",
            "phone": "8 916 765 43 21",
            "email": "ivan@example.ru",
            "registration_address": "Московская обл., г. Химки, ул. Ленина, д 5 к2 кв 17",
        },
    )
    assert profile.status_code == 200, profile.text
    profile = profile.json()
    assert profile["phone"] == "+79167654321"
    assert profile["address"]["city"] == "г. Химки"
    assert profile["warnings"] == []

    corrected = api.patch(
        f"{M}/clients/{client.id}/profile",
        headers=headers,
        json={"version": profile["version"], "address": {"postcode": "141400"}},
    ).json()
    assert corrected["registration_address"].startswith("141400, Московская обл., г. Химки")

    assert api.get(f"{M}/clients/{client.id}/passport", headers=headers).status_code == 404
    passport = api.put(
        f"{M}/clients/{client.id}/passport",
        headers=headers,
        json={**PASSPORT, "version": corrected["version"]},
    )
    assert passport.status_code == 200, passport.text
    passport = passport.json()
    assert passport["division_code"] == "772-001"
    assert passport["warnings"] == []
    full = api.get(f"{M}/clients/{client.id}/passport", headers=headers).json()
    assert full["number"] == "123456"

    legacy = api.get(f"{M}/clients/{client.id}/legacy-devices", headers=headers).json()
    assert [(item["category"], item["category_label"]) for item in legacy] == [
        ("washer", "Стиральная машина")
    ]
    imported = api.post(
        f"{M}/clients/{client.id}/devices/import",
        headers=headers,
        json={"legacy_device_id": legacy[0]["id"]},
    )
    assert imported.status_code == 201, imported.text
    device = api.post(
        f"{M}/clients/{client.id}/devices",
        headers=headers,
        json={
            "category": "smartphone",
            "brand": "Apple",
            "model": "iPhone 13",
            "serial_number": "F2LX",
            "purchase_year": 2022,
            "condition": "good",
            "notes": "Без чехла",
        },
    ).json()
    assert device["photos"] == []
    patched = api.patch(
        f"{M}/clients/{client.id}/devices/{device['id']}",
        headers=headers,
        json={"model": "iPhone 13 mini"},
    ).json()
    assert patched["model"] == "iPhone 13 mini"
    assert patched["serial_number"] == "F2LX"

    ticket, put = _upload(
        api, headers, client.id, device["id"], images.jpeg_bytes(3000, 2000, orientation=8)
    )
    assert put.status_code == 200
    assert set(ticket) == {"upload_url", "method", "headers", "file_key", "expires_at"}
    photo = api.post(
        f"{M}/clients/{client.id}/devices/{device['id']}/photos",
        headers=headers,
        json={"file_key": ticket["file_key"]},
    )
    assert photo.status_code == 201, photo.text
    photo = photo.json()
    assert {"id", "url", "thumb_url", "width", "height", "size_bytes", "sha256"} <= set(photo)
    assert (photo["width"], photo["height"]) == (800, 1200)
    downloaded = api.get(photo["url"])
    assert downloaded.status_code == 200
    assert downloaded.headers["content-type"] == "image/jpeg"
    assert not Image.open(io.BytesIO(downloaded.content)).getexif()

    detail = api.get(f"{M}/clients/{client.id}", headers=headers).json()
    assert detail["passport"]["number_masked"] == "45** ****56"
    assert "123456" not in str(detail)
    assert [len(item["photos"]) for item in detail["devices"]] == [0, 1]
    assert detail["registration_address"] == corrected["registration_address"]

    removed = api.delete(
        f"{M}/clients/{client.id}/devices/{device['id']}/photos/{photo['id']}", headers=headers
    )
    assert removed.status_code == 200
    assert removed.json()["deleted"] is True
    gone = api.delete(f"{M}/clients/{client.id}/devices/{device['id']}", headers=headers)
    assert (
        gone.json()["version"]
        == api.get(f"{M}/clients/{client.id}", headers=headers).json()["version"]
    )


def test_занятый_клиент_отвечает_409_с_именем_держателя(api, headers, make_manager, login_headers):
    client = new_client()
    api.post(f"{M}/clients/{client.id}/claim", headers=headers)
    other = login_headers(make_manager(name="Мастер Виктор"))
    body = _assert_error(
        api.post(f"{M}/clients/{client.id}/claim", headers=other), 409, "already_claimed"
    )
    assert "Мастер Анна" in body["detail"]
    assert body["holder"]["name"] == "Мастер Анна"


def test_передать_клиента_может_только_админ(
    api, headers, manager, admin, make_manager, login_headers
):
    client = new_client()
    api.post(f"{M}/clients/{client.id}/claim", headers=headers)
    other = make_manager(name="Мастер Виктор")
    path = f"{M}/admin/clients/{client.id}/reassign"
    _assert_error(api.post(path, headers=headers, json={"manager_id": other.id}), 403, "admin_only")
    response = api.post(path, headers=login_headers(admin), json={"manager_id": other.id})
    assert response.status_code == 200, response.text
    assert response.json()["assigned_manager"]["name"] == "Мастер Виктор"


def test_устаревшая_версия_даёт_409_с_текущей_версией(api, headers, claimed):
    client_id, _, version = claimed
    path = f"{M}/clients/{client_id}/profile"
    assert api.patch(path, headers=headers, json={"version": version, "name": "Иван"}).is_success
    body = _assert_error(
        api.patch(path, headers=headers, json={"version": version, "name": "Пётр"}),
        409,
        "stale_version",
    )
    assert body["current_version"] == version + 1


def test_без_входа_шаги_недоступны(api, claimed):
    client_id, device_id, _ = claimed
    _assert_error(api.post(f"{M}/clients/{client_id}/claim"), 401)
    _assert_error(api.get(f"{M}/clients/{client_id}/passport"), 401)
    _assert_error(
        api.post(f"{M}/clients/{client_id}/devices/{device_id}/photos", json={"file_key": "x"}), 401
    )


def test_полный_паспорт_чужому_менеджеру_не_отдаётся(
    api, headers, claimed, make_manager, login_headers
):
    client_id, _, version = claimed
    api.put(
        f"{M}/clients/{client_id}/passport", headers=headers, json={**PASSPORT, "version": version}
    )
    other = login_headers(make_manager())
    _assert_error(api.get(f"{M}/clients/{client_id}/passport", headers=other), 403, "not_assignee")


def test_html_в_имени_422_и_ничего_не_записано(api, headers, claimed):
    client_id, _, version = claimed
    body = _assert_error(
        api.patch(
            f"{M}/clients/{client_id}/profile",
            headers=headers,
            json={"version": version, "name": "<script>alert('x')</script>"},
        ),
        422,
        "invalid_name",
    )
    assert "name" in body["fields"]
    with transaction() as session:
        assert session.exec(select(ClientUser.name)).one() == "иван петров"


def test_ошибки_паспорта_приходят_все_сразу_по_полям(api, headers, claimed):
    client_id, _, version = claimed
    body = _assert_error(
        api.put(
            f"{M}/clients/{client_id}/passport",
            headers=headers,
            json={
                **PASSPORT,
                "version": version,
                "series": "45",
                "number": "x",
                "issue_date": "2100-01-01",
            },
        ),
        422,
        "invalid_passport",
    )
    assert set(body["fields"]) == {"series", "number", "issue_date"}


GARBAGE = [
    ("patch", "/clients/{c}/profile", {"version": "три"}),
    ("patch", "/clients/{c}/profile", {"version": 2, "name": "Я" * 10_000}),
    ("patch", "/clients/{c}/profile", {"version": 2, "phone": "9" * 10_000}),
    ("patch", "/clients/{c}/profile", {"version": 2, "email": "a" * 10_000 + "@x.ru"}),
    ("patch", "/clients/{c}/profile", {"version": 2, "registration_address": "ул" * 5_000}),
    ("patch", "/clients/{c}/profile", {"version": 2, "name": 12345}),
    ("patch", "/clients/{c}/profile", {"version": 2, "name": ["Иван"]}),
    ("patch", "/clients/{c}/profile", {"version": 2, "address": "г. Москва"}),
    ("patch", "/clients/{c}/profile", {"version": 2, "address": {"postcode": ["1"]}}),
    ("patch", "/clients/{c}/profile", {"version": 2, "address": {"planet": "Земля"}}),
    ("patch", "/clients/{c}/profile", {"version": 2, "is_admin": True}),
    ("patch", "/clients/{c}/profile", {"version": 10**30, "name": "Иван"}),
    ("patch", "/clients/{c}/profile", {}),
    ("patch", "/clients/{c}/profile", None),
    ("patch", "/clients/{c}/profile", [1, 2, 3]),
    ("put", "/clients/{c}/passport", {}),
    ("put", "/clients/{c}/passport", {**PASSPORT, "version": 2, "series": 4512}),
    ("put", "/clients/{c}/passport", {**PASSPORT, "version": 2, "issued_by": "О" * 10_000}),
    ("put", "/clients/{c}/passport", {**PASSPORT, "version": 2, "birth_date": "завтра"}),
    ("put", "/clients/{c}/passport", {**PASSPORT, "version": 2, "last_name": "<img src=x>"}),
    ("post", "/clients/{c}/devices", {"category": 1, "brand": "LG", "model": "C3"}),
    ("post", "/clients/{c}/devices", {"category": "tv", "brand": "B" * 10_000, "model": "C3"}),
    (
        "post",
        "/clients/{c}/devices",
        {"category": "tv", "brand": "LG", "model": "C3", "purchase_year": "давно"},
    ),
    (
        "post",
        "/clients/{c}/devices",
        {"category": "tv", "brand": "LG", "model": "C3", "purchase_year": 10**20},
    ),
    (
        "post",
        "/clients/{c}/devices",
        {"category": "tv", "brand": "LG", "model": "C3", "notes": "n" * 10_000},
    ),
    (
        "post",
        "/clients/{c}/devices",
        {"category": "tv", "brand": "LG", "model": "C3", "legacy_device_id": -5},
    ),
    ("post", "/clients/{c}/devices", {"category": "toaster", "brand": "LG", "model": "C3"}),
    (
        "post",
        "/clients/{c}/devices",
        {"category": "tv", "brand": "LG", "model": "C3", "legacy_device_id": 10**12},
    ),
    ("patch", "/clients/{c}/devices/{d}", {"purchase_year": 1900}),
    ("patch", "/clients/{c}/devices/{d}", {"category": None}),
    ("patch", "/clients/{c}/devices/{d}", {"serial_number": "S" * 10_000}),
    ("patch", "/clients/{c}/devices/999999", {"model": "X"}),
    ("delete", "/clients/{c}/devices/{d}?version=abc", None),
    ("delete", "/clients/{c}/devices/{d}/photos/999999", None),
    ("post", "/clients/{c}/devices/import", {"legacy_device_id": "первый"}),
    ("post", "/clients/{c}/devices/import", {"legacy_device_id": 999_999}),
    (
        "post",
        "/clients/{c}/devices/{d}/photos/upload-url",
        {"filename": "a" * 10_000, "content_type": "image/jpeg"},
    ),
    (
        "post",
        "/clients/{c}/devices/{d}/photos/upload-url",
        {"filename": "x.html", "content_type": "text/html"},
    ),
    ("post", "/clients/{c}/devices/{d}/photos/upload-url", {"filename": "x.jpg"}),
    ("post", "/clients/{c}/devices/{d}/photos", {"file_key": 123}),
    ("post", "/clients/{c}/devices/{d}/photos", {"file_key": "k" * 10_000}),
    ("post", "/clients/{c}/devices/{d}/photos", {"file_key": "../../etc/passwd"}),
    ("post", "/clients/{c}/devices/{d}/photos", {"file_key": "uploads/{c}/{d}/nothing.jpg"}),
    (
        "post",
        "/clients/{c}/devices/999999/photos/upload-url",
        {"filename": "x.jpg", "content_type": "image/jpeg"},
    ),
    ("post", "/clients/abc/claim", None),
    ("post", "/clients/0/claim", None),
    ("post", "/clients/99999999999999999999999999/claim", None),
    ("post", "/clients/999999/claim", None),
    ("post", "/admin/clients/{c}/reassign", {"manager_id": "Виктор"}),
]


@pytest.mark.parametrize(("method", "path", "payload"), GARBAGE, ids=range(len(GARBAGE)))
def test_мусор_в_любой_метод_даёт_4xx_и_ничего_не_меняет(
    api, headers, claimed, storage_dir, method, path, payload
):
    client_id, device_id, version = claimed
    url = M + path.replace("{c}", str(client_id)).replace("{d}", str(device_id))
    if isinstance(payload, dict) and isinstance(payload.get("file_key"), str):
        payload = {
            "file_key": payload["file_key"]
            .replace("{c}", str(client_id))
            .replace("{d}", str(device_id))
        }
    audit_before = count(ManagerAuditLog)
    response = api.request(method.upper(), url, headers=headers, json=payload)
    assert 400 <= response.status_code < 500, response.text
    body = response.json()
    assert body["detail"]
    assert body["code"]
    assert count(ManagerAuditLog) == audit_before
    assert count(ManagerDevice) == 1
    assert count(ManagerDevicePhoto) == 0
    assert count(UserPassport) == 0
    assert files_under(storage_dir) == []
    detail = api.get(f"{M}/clients/{client_id}", headers=headers).json()
    assert detail["version"] == version
    assert detail["name"] == "иван петров"


def test_не_json_тело_даёт_422(api, headers, claimed):
    client_id, _, _ = claimed
    response = api.patch(
        f"{M}/clients/{client_id}/profile",
        headers={**headers, "Content-Type": "application/json"},
        content=b"{not json",
    )
    _assert_error(response, 422, "validation_error")


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (images.pdf_bytes(), 422, "photo_unsupported"),
        (images.truncated_jpeg(), 422, "photo_truncated"),
        (images.bomb_png(8000, 7500), 422, "photo_too_many_pixels"),
        (b"", 422, "photo_empty"),
    ],
    ids=["pdf", "truncated-jpeg", "60-megapixel-png", "empty"],
)
def test_плохое_фото_через_rest_отклоняется_и_ничего_не_остаётся(
    api, headers, claimed, storage_dir, data, status, code
):
    client_id, device_id, version = claimed
    ticket, put = _upload(api, headers, client_id, device_id, data)
    assert put.status_code == 200
    response = api.post(
        f"{M}/clients/{client_id}/devices/{device_id}/photos",
        headers=headers,
        json={"file_key": ticket["file_key"]},
    )
    body = _assert_error(response, status, code)
    assert "photo" in body["fields"]
    assert count(ManagerDevicePhoto) == 0
    assert files_under(storage_dir) == []
    assert api.get(f"{M}/clients/{client_id}", headers=headers).json()["version"] == version


def test_файл_25_мб_не_принимается_ни_при_загрузке_ни_при_привязке(
    api, headers, claimed, storage_dir
):
    client_id, device_id, _ = claimed
    big = images.oversized_bytes(25)
    ticket, put = _upload(api, headers, client_id, device_id, big)
    _assert_error(put, 413, "file_too_large")
    assert files_under(storage_dir) == []
    # Even if it reached the storage some other way, attaching refuses it.
    from privet_manager_app.infra.storage import get_storage

    get_storage().put(ticket["file_key"], big, "image/jpeg")
    response = api.post(
        f"{M}/clients/{client_id}/devices/{device_id}/photos",
        headers=headers,
        json={"file_key": ticket["file_key"]},
    )
    _assert_error(response, 413, "photo_too_large")
    assert files_under(storage_dir) == []
    assert count(ManagerDevicePhoto) == 0


def test_ссылка_на_загрузку_с_подделанным_токеном_не_работает(api, headers, claimed, storage_dir):
    response = api.put("/api/storage/upload/not-a-token", content=images.jpeg_bytes())
    _assert_error(response, 403, "upload_link_invalid")
    assert files_under(storage_dir) == []


def test_категории_и_состояния_для_формы(api, headers):
    body = api.get(f"{M}/device-options", headers=headers).json()
    assert body["categories"][0] == {"value": "smartphone", "label": "Смартфон"}
    assert {"value": "damaged", "label": "Есть повреждения"} in body["conditions"]
