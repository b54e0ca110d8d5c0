"""Sessions and links that end (issue 9, item 7): refreshing never keeps a login alive past
SESSION_MAX_HOURS; an upload link writes once — after its photo is attached it cannot put
anything at that key again (local signed link and S3 presigned PUT alike); Swagger and the
schema are off in production unless switched on."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from fastapi.testclient import TestClient

from privet_manager_app.domain import auth, devices, photos
from privet_manager_app.domain.errors import ValidationFailed
from privet_manager_app.infra.db import utcnow
from privet_manager_app.models import ManagerDevicePhoto
from privet_manager_app.settings import Settings, reset_settings_cache
from tests.conftest import DEFAULT_PASSWORD
from tests.support import images
from tests.support.production import SECRETS, production_evidence
from tests.support.s3 import list_keys
from tests.support.wizard import claimed_client, count, files_under

M = "/api/manager"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_обновление_токена_не_продлевает_вход_дольше_12_часов(api, manager, monkeypatch):
    # Day-long tokens, so a token issued hours "ago" is still valid to the JWT library's clock.
    monkeypatch.setenv("MANAGER_ACCESS_TOKEN_EXPIRE_MINUTES", str(24 * 60))
    reset_settings_cache()
    logged_in = utcnow() - dt.timedelta(hours=11, minutes=30)
    monkeypatch.setattr(auth, "utcnow", lambda: logged_in)
    login = api.post(f"{M}/auth/login", json={"email": manager.email, "password": DEFAULT_PASSWORD})
    assert login.status_code == 200, login.text
    assert login.json()["expires_in"] == 12 * 3600  # not 24 h: the login's own limit

    monkeypatch.setattr(auth, "utcnow", utcnow)  # now: 11.5 h after the password was typed
    refreshed = api.post(f"{M}/auth/refresh", headers=_bearer(login.json()["access_token"]))
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json()["expires_in"] == pytest.approx(30 * 60, abs=5)

    past_limit = logged_in + dt.timedelta(hours=12, minutes=1)
    monkeypatch.setattr(auth, "utcnow", lambda: past_limit)
    token = refreshed.json()["access_token"]
    refused = api.post(f"{M}/auth/refresh", headers=_bearer(token))
    assert refused.status_code == 401, refused.text
    assert api.get(f"{M}/auth/me", headers=_bearer(token)).status_code == 401


# ---- upload links -----------------------------------------------------------------------


@pytest.fixture
def headers(manager, login_headers):
    return login_headers(manager)


@pytest.fixture
def device_over_rest(api, headers, manager):
    client = claimed_client(manager)
    device = api.post(
        f"{M}/clients/{client.id}/devices",
        headers=headers,
        json={"category": "tv", "brand": "LG", "model": "OLED55C3"},
    )
    assert device.status_code == 201, device.text
    return client.id, device.json()["id"]


def _ticket(api, headers, client_id, device_id) -> dict:
    response = api.post(
        f"{M}/clients/{client_id}/devices/{device_id}/photos/upload-url",
        headers=headers,
        json={"filename": "IMG_0001.JPG", "content_type": "image/jpeg"},
    )
    assert response.status_code == 200, response.text
    return response.json()


def _put(api, ticket: dict, data: bytes):
    return api.request(
        ticket["method"], ticket["upload_url"], headers=ticket["headers"], content=data
    )


def test_ссылка_загрузки_после_принятия_фото_больше_ничего_не_пишет(
    api, headers, device_over_rest, storage_dir
):
    client_id, device_id = device_over_rest
    ticket = _ticket(api, headers, client_id, device_id)
    assert _put(api, ticket, images.jpeg_bytes(1600, 1200)).status_code == 200
    attached = api.post(
        f"{M}/clients/{client_id}/devices/{device_id}/photos",
        headers=headers,
        json={"file_key": ticket["file_key"]},
    )
    assert attached.status_code == 201, attached.text

    # The same link, replayed (from a log, a proxy, the browser's history) a minute later.
    again = _put(api, ticket, images.oversized_bytes(15))
    assert again.status_code == 412, again.text
    assert again.json()["code"] == "upload_link_used"
    reattached = api.post(
        f"{M}/clients/{client_id}/devices/{device_id}/photos",
        headers=headers,
        json={"file_key": ticket["file_key"]},
    )
    assert reattached.status_code == 422
    assert reattached.json()["code"] == "photo_empty"  # only the marker is there
    assert count(ManagerDevicePhoto) == 1
    assert files_under(storage_dir, "uploads") == []  # nothing of the original, no new bytes
    assert (storage_dir / ticket["file_key"]).stat().st_size == 0  # only the marker


def test_ссылка_загрузки_не_перезаписывает_уже_загруженный_оригинал(
    api, headers, device_over_rest, storage_dir
):
    client_id, device_id = device_over_rest
    ticket = _ticket(api, headers, client_id, device_id)
    original = images.jpeg_bytes(1600, 1200)
    assert _put(api, ticket, original).status_code == 200
    swapped = _put(api, ticket, images.jpeg_bytes(800, 600))
    assert swapped.status_code == 412
    assert (storage_dir / ticket["file_key"]).read_bytes() == original


def test_presigned_put_s3_после_принятия_фото_отклоняется(manager, s3_storage):
    client = claimed_client(manager)
    device = devices.add_device(manager, client.id, category="tv", brand="LG", model="C3")
    ticket = photos.photo_upload_ticket(manager, client.id, device.id, "a.jpg", "image/jpeg")
    assert ticket.headers["If-None-Match"] == "*"
    first = httpx.put(ticket.upload_url, headers=ticket.headers, content=images.jpeg_bytes())
    assert first.status_code == 200, first.text
    photos.attach_photo(manager, client.id, device.id, ticket.file_key)

    replay = httpx.put(ticket.upload_url, headers=ticket.headers, content=images.oversized_bytes(5))
    assert replay.status_code == 412, replay.text
    assert list_keys(s3_storage, "uploads/") == []
    with pytest.raises(ValidationFailed) as error:
        photos.attach_photo(manager, client.id, device.id, ticket.file_key)
    assert error.value.code == "photo_empty"
    assert count(ManagerDevicePhoto) == 1


# ---- /docs ------------------------------------------------------------------------------


def test_swagger_и_схема_выключены_в_проде_пока_их_не_включат(db, monkeypatch):
    from privet_manager_app.api.app import create_api

    for name, value in {**SECRETS, **production_evidence()}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("APP_ENV", "prod")

    def served(path: str) -> int:
        reset_settings_cache()
        with TestClient(create_api()) as client:
            return client.get(path).status_code

    assert served("/docs") == 404
    assert served("/openapi.json") == 404
    monkeypatch.setenv("DOCS_ENABLED", "true")
    assert served("/docs") == 200
    assert served("/openapi.json") == 200
    monkeypatch.setenv("APP_ENV", "test")
    monkeypatch.delenv("DOCS_ENABLED")
    assert served("/openapi.json") == 200  # development and tests: on by default
    assert Settings(APP_ENV="dev").docs_enabled
