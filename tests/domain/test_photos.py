"""Device photos: content checks, bombs, orientation, metadata stripping, storage, records."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageFile

from privet_manager_app.domain.clients import card as client_card
from privet_manager_app.domain.common.errors import Conflict, NotFound, ValidationFailed
from privet_manager_app.domain.inputs import DeviceInput
from privet_manager_app.domain.wizard import devices, photos
from privet_manager_app.domain.wizard.photos import normalize_photo
from privet_manager_app.infra.storage import get_storage
from privet_manager_app.schema.tables import ManagerAuditLog, ManagerDevicePhoto
from tests.support import images
from tests.support.factories import claimed_client, count, files_under, set_status, version_of
from tests.support.s3 import list_keys

PHONE = {"category": "smartphone", "brand": "Apple", "model": "iPhone 13"}
# Bomb tests open 60-megapixel headers on purpose; the refusal is what they check.
pytestmark = pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")


def _opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.fixture
def device(manager):
    client = claimed_client(manager)
    saved = devices.add_device(manager, client.id, DeviceInput(**PHONE))
    return client, saved


def test_фото_с_телефона_поворачивается_уменьшается_и_теряет_gps():
    original = images.jpeg_bytes(4000, 3000, orientation=6)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # GPS is there
    result = normalize_photo(original)
    stored = _opened(result.data)
    # Orientation 6 = rotated 90° clockwise: the stored picture is upright, i.e. portrait.
    assert (result.width, result.height) == (900, 1200) == stored.size
    assert stored.format == "JPEG"
    assert not stored.getexif()
    assert not stored.getexif().get_ifd(0x8825)
    assert {"exif", "icc_profile", "xmp", "XML:com.adobe.xmp"}.isdisjoint(stored.info)
    assert b"Exif" not in result.data
    assert b"iPhone" not in result.data
    assert max(_opened(result.thumb).size) == 320
    assert (result.thumb_width, result.thumb_height) == (240, 320)


@pytest.mark.parametrize(
    ("orientation", "red_corner"),
    [(1, "top_left"), (3, "bottom_right"), (6, "top_right"), (8, "bottom_left")],
)
def test_ориентация_из_exif_применяется(orientation, red_corner):
    result = normalize_photo(images.marked_jpeg(orientation=orientation))
    picture = _opened(result.data).convert("RGB")
    width, height = picture.size
    corners = {
        "top_left": (5, 5),
        "top_right": (width - 6, 5),
        "bottom_left": (5, height - 6),
        "bottom_right": (width - 6, height - 6),
    }
    red = {
        name
        for name, xy in corners.items()
        if picture.getpixel(xy)[0] > 200 and picture.getpixel(xy)[1] < 80
    }
    assert red == {red_corner}


def test_png_с_прозрачностью_ложится_на_белый_фон():
    result = normalize_photo(images.transparent_png())
    picture = _opened(result.data).convert("RGB")
    assert picture.getpixel((250, 100))[0] > 245  # was transparent → white
    assert picture.getpixel((50, 100))[2] > 200  # blue stays blue
    assert result.content_type == "image/jpeg"


def test_маленькое_фото_не_растягивается():
    result = normalize_photo(images.jpeg_bytes(640, 480))
    assert (result.width, result.height) == (640, 480)


@pytest.mark.parametrize(
    ("maker", "source_format"),
    [
        (images.webp_bytes, "WEBP"),
        (images.heic_bytes, "HEIF"),
        (lambda: images.png_bytes(images.photo_like(2400, 1800)), "PNG"),
    ],
)
def test_webp_heic_и_png_принимаются(maker, source_format):
    result = normalize_photo(maker())
    assert result.source_format == source_format
    assert max(result.width, result.height) <= 1200
    assert _opened(result.data).format == "JPEG"


def test_heic_с_айфона_поворачивается_и_теряет_gps():
    result = normalize_photo(images.heic_bytes(1600, 1200, orientation=6))
    stored = _opened(result.data)
    assert stored.size == (900, 1200)
    assert not stored.getexif()
    assert b"iPhone" not in result.data


def test_тип_определяется_по_содержимому_а_не_по_имени():
    with pytest.raises(ValidationFailed) as error:
        normalize_photo(images.pdf_bytes(), filename="photo.jpg")
    assert error.value.code == "photo_unsupported"
    assert error.value.extra == {"filename": "photo.jpg"}
    for garbage in (
        b"GIF89a" + b"\0" * 100,
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"\xff\xd8\xff" + b"\0" * 10,
    ):
        with pytest.raises(ValidationFailed):
            normalize_photo(garbage)


def test_обрезанный_jpeg_отклоняется():
    with pytest.raises(ValidationFailed) as error:
        normalize_photo(images.truncated_jpeg())
    assert error.value.code == "photo_truncated"


def test_60_мегапикселей_отклоняются_до_декодирования(monkeypatch):
    bomb = images.bomb_png(8000, 7500)
    assert len(bomb) < 100_000

    def no_decoding(self):
        raise AssertionError("pixels must not be decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    with pytest.raises(ValidationFailed) as error:
        normalize_photo(bomb)
    assert error.value.code == "photo_too_many_pixels"
    assert "50" in error.value.message


def test_бомба_больше_предела_pillow_тоже_отклоняется():
    with pytest.raises(ValidationFailed) as error:
        normalize_photo(images.bomb_png(12000, 10000))
    assert error.value.code == "photo_too_many_pixels"


def test_файл_больше_20_мб_отклоняется():
    with pytest.raises(ValidationFailed) as error:
        normalize_photo(images.oversized_bytes(25))
    assert error.value.code == "photo_too_large"
    assert error.value.status == 413
    with pytest.raises(ValidationFailed) as empty:
        normalize_photo(b"")
    assert empty.value.code == "photo_empty"


def test_фото_сохраняется_в_хранилище_с_записью_и_sha256(manager, device, storage_dir):
    client, saved = device
    photo = photos.attach_photo_bytes(manager, client.id, saved.id, images.jpeg_bytes(), "a.jpg")
    keys = files_under(storage_dir, "photos")
    assert len(keys) == 2
    assert all(key.startswith(f"photos/{client.id}/{saved.id}/") for key in keys)
    import hashlib

    record_bytes = get_storage().get(next(key for key in keys if not key.endswith("_thumb.jpg")))
    assert hashlib.sha256(record_bytes).hexdigest() == photo.sha256
    assert photo.size_bytes == len(record_bytes)
    assert photo.url.startswith("/api/storage/file/")
    assert photo.client_version == version_of(client.id) == 4
    detail = client_card.get_client(manager, client.id)
    assert [item.sha256 for item in detail.devices[0].photos] == [photo.sha256]
    assert count(ManagerAuditLog, ManagerAuditLog.action == "photo_added") == 1


def test_одно_и_то_же_фото_дважды_даёт_одну_запись(manager, device, storage_dir):
    client, saved = device
    data = images.jpeg_bytes()
    first = photos.attach_photo_bytes(manager, client.id, saved.id, data, "a.jpg")
    second = photos.attach_photo_bytes(manager, client.id, saved.id, data, "a.jpg")
    assert first.id == second.id
    assert count(ManagerDevicePhoto) == 1
    assert len(files_under(storage_dir, "photos")) == 2


@pytest.fixture(params=["local", "s3"])
def stored_keys(request, storage_dir):
    """What the storage in use holds: the local directory, or a bucket on moto's S3 server."""
    if request.param == "local":
        return lambda: files_under(storage_dir)
    bucket = request.getfixturevalue("s3_storage")
    return lambda: list_keys(bucket)


def test_если_запись_в_базу_не_удалась_файлы_удаляются(manager, device, stored_keys, monkeypatch):
    client, saved = device

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(photos, "mark_changed", broken)
    with pytest.raises(RuntimeError):
        photos.attach_photo_bytes(manager, client.id, saved.id, images.jpeg_bytes(), "a.jpg")
    assert count(ManagerDevicePhoto) == 0
    assert stored_keys() == []
    assert version_of(client.id) == 3


def test_плохое_фото_не_оставляет_ничего(manager, device, storage_dir):
    client, saved = device
    for data in (images.pdf_bytes(), images.truncated_jpeg(), images.bomb_png()):
        with pytest.raises(ValidationFailed):
            photos.attach_photo_bytes(manager, client.id, saved.id, data, "x.jpg")
    assert count(ManagerDevicePhoto) == 0
    assert files_under(storage_dir) == []
    assert version_of(client.id) == 3


def test_загрузка_по_ссылке_и_привязка_по_ключу(manager, device, storage_dir):
    client, saved = device
    ticket = photos.photo_upload_ticket(manager, client.id, saved.id, "IMG_1.JPG", "image/jpeg")
    assert ticket.file_key.startswith(f"uploads/{client.id}/{saved.id}/")
    assert ticket.upload_url.startswith("/api/storage/upload/")
    get_storage().put(ticket.file_key, images.jpeg_bytes(orientation=6), "image/jpeg")
    photo = photos.attach_photo(manager, client.id, saved.id, ticket.file_key)
    assert (photo.width, photo.height) == (600, 800)
    assert files_under(storage_dir, "uploads") == []  # the raw original is gone
    with pytest.raises(ValidationFailed) as again:  # only the used link's empty marker is left
        photos.attach_photo(manager, client.id, saved.id, ticket.file_key)
    assert again.value.code == "photo_empty"


def test_ключ_чужого_устройства_или_постоянного_фото_не_принимается(manager, device):
    client, saved = device
    other = devices.add_device(
        manager, client.id, DeviceInput(category="tv", brand="LG", model="C3")
    )
    ticket = photos.photo_upload_ticket(manager, client.id, other.id, "a.jpg", "image/jpeg")
    for key in (ticket.file_key, f"photos/{client.id}/{saved.id}/x.jpg", "../etc/passwd", ""):
        with pytest.raises(ValidationFailed) as error:
            photos.attach_photo(manager, client.id, saved.id, key)
        assert error.value.code == "invalid_file_key"


def test_неподходящий_тип_в_запросе_ссылки_отклоняется_сразу(manager, device):
    client, saved = device
    with pytest.raises(ValidationFailed) as error:
        photos.photo_upload_ticket(manager, client.id, saved.id, "doc.pdf", "application/pdf")
    assert error.value.code == "photo_unsupported"


def test_отклонённый_оригинал_удаляется_из_хранилища(manager, device, storage_dir):
    client, saved = device
    ticket = photos.photo_upload_ticket(manager, client.id, saved.id, "a.jpg", "image/jpeg")
    get_storage().put(ticket.file_key, images.pdf_bytes(), "image/jpeg")
    with pytest.raises(ValidationFailed):
        photos.attach_photo(manager, client.id, saved.id, ticket.file_key)
    assert files_under(storage_dir) == []


def test_удаление_фото_убирает_файлы(manager, device, storage_dir):
    client, saved = device
    photo = photos.attach_photo_bytes(manager, client.id, saved.id, images.jpeg_bytes(), "a.jpg")
    version = photos.delete_photo(manager, client.id, saved.id, photo.id)
    assert version == version_of(client.id)
    assert count(ManagerDevicePhoto) == 0
    assert files_under(storage_dir, "photos") == []
    with pytest.raises(NotFound):
        photos.delete_photo(manager, client.id, saved.id, photo.id)


def test_после_подписания_фото_не_добавить_и_не_удалить(manager, device):
    client, saved = device
    photo = photos.attach_photo_bytes(manager, client.id, saved.id, images.jpeg_bytes(), "a.jpg")
    set_status(client.id, "signed")
    with pytest.raises(Conflict):
        photos.attach_photo_bytes(manager, client.id, saved.id, images.jpeg_bytes(320, 240), "b")
    with pytest.raises(Conflict):
        photos.delete_photo(manager, client.id, saved.id, photo.id)


def test_загрузка_из_интерфейса_сначала_паркуется_потом_обрабатывается(
    manager, device, storage_dir
):
    client, saved = device
    key = photos.park_upload(manager, client.id, saved.id, images.heic_bytes(), "IMG_0002.HEIC")
    assert key.startswith(f"uploads/{client.id}/{saved.id}/")
    assert key.endswith(".heic")
    photo = photos.attach_photo(manager, client.id, saved.id, key)
    assert photo.width == 640
    assert files_under(storage_dir, "uploads") == []


def test_парковка_сразу_отклоняет_не_фото_и_бомбу(manager, device, storage_dir):
    client, saved = device
    for data, code in (
        (images.pdf_bytes(), "photo_unsupported"),
        (images.bomb_png(), "photo_too_many_pixels"),
        (images.oversized_bytes(25), "photo_too_large"),
    ):
        with pytest.raises(ValidationFailed) as error:
            photos.park_upload(manager, client.id, saved.id, data, "x.jpg")
        assert error.value.code == code
        assert error.value.extra == {"filename": "x.jpg"}
    assert files_under(storage_dir) == []
