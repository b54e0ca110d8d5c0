"""The S3 backend against moto's server over real HTTP: presigned PUT, then the photo pipeline."""

from __future__ import annotations

import io

import httpx
import pytest
from PIL import Image

from privet_manager_app.domain.common.errors import ValidationFailed
from privet_manager_app.domain.inputs import DeviceInput
from privet_manager_app.domain.wizard import devices, photos
from privet_manager_app.infra.storage import S3Storage
from privet_manager_app.schema.tables import ManagerDevicePhoto
from tests.support import images
from tests.support.factories import claimed_client, count
from tests.support.s3 import list_keys

pytestmark = pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")


@pytest.fixture
def device(manager, s3_storage):
    client = claimed_client(manager)
    saved = devices.add_device(
        manager, client.id, DeviceInput(category="tv", brand="LG", model="OLED55C3")
    )
    return client, saved


def _put(ticket, data: bytes) -> httpx.Response:
    return httpx.request(ticket.method, ticket.upload_url, headers=ticket.headers, content=data)


def test_фото_загружается_по_presigned_put_и_принимается(manager, device, s3_storage):
    assert isinstance(s3_storage, S3Storage)
    client, saved = device
    ticket = photos.photo_upload_ticket(manager, client.id, saved.id, "IMG_0001.JPG", "image/jpeg")
    assert ticket.upload_url.startswith("http://127.0.0.1:")
    assert "X-Amz-Signature=" in ticket.upload_url
    response = _put(ticket, images.jpeg_bytes(2400, 1800, orientation=6))
    assert response.status_code == 200, response.text
    assert list_keys(s3_storage, "uploads/") == [ticket.file_key]

    photo = photos.attach_photo(manager, client.id, saved.id, ticket.file_key)
    assert (photo.width, photo.height) == (900, 1200)
    assert list_keys(s3_storage, "uploads/") == []
    stored = list_keys(s3_storage, f"photos/{client.id}/{saved.id}/")
    assert len(stored) == 2

    downloaded = httpx.get(photo.url)
    assert downloaded.status_code == 200
    picture = Image.open(io.BytesIO(downloaded.content))
    assert picture.format == "JPEG"
    assert not picture.getexif()
    assert max(Image.open(io.BytesIO(httpx.get(photo.thumb_url).content)).size) == 320


def test_файл_больше_20_мб_в_s3_отклоняется_и_удаляется(manager, device, s3_storage):
    client, saved = device
    ticket = photos.photo_upload_ticket(manager, client.id, saved.id, "big.jpg", "image/jpeg")
    assert _put(ticket, images.oversized_bytes(25)).status_code == 200
    with pytest.raises(ValidationFailed) as error:
        photos.attach_photo(manager, client.id, saved.id, ticket.file_key)
    assert error.value.code == "photo_too_large"
    assert list_keys(s3_storage) == []
    assert count(ManagerDevicePhoto) == 0


def test_pdf_под_видом_jpeg_в_s3_отклоняется_и_ничего_не_остаётся(manager, device, s3_storage):
    client, saved = device
    ticket = photos.photo_upload_ticket(manager, client.id, saved.id, "scan.jpg", "image/jpeg")
    assert _put(ticket, images.pdf_bytes()).status_code == 200
    with pytest.raises(ValidationFailed) as error:
        photos.attach_photo(manager, client.id, saved.id, ticket.file_key)
    assert error.value.code == "photo_unsupported"
    assert list_keys(s3_storage) == []


def test_удаление_устройства_удаляет_фото_из_s3(manager, device, s3_storage):
    client, saved = device
    photos.attach_photo_bytes(manager, client.id, saved.id, images.webp_bytes(), "a.webp")
    assert len(list_keys(s3_storage, "photos/")) == 2
    devices.delete_device(manager, client.id, saved.id)
    assert list_keys(s3_storage) == []
