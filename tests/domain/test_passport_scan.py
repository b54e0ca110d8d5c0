"""«Сканировать паспорт»: a phone photo of the passport → the form's fields, nothing saved.

Real Tesseract on generated photos (tests/support/passport_samples.py), real PostgreSQL.
"""

from __future__ import annotations

import concurrent.futures
import io

import pytest
import sqlalchemy as sa
from PIL import Image, ImageOps

from privet_manager_app.domain.common.errors import Forbidden, ValidationFailed
from privet_manager_app.domain.wizard import passport_scan
from privet_manager_app.domain.wizard.photos import ACCEPTED_FORMATS
from privet_manager_app.infra import ocr
from privet_manager_app.infra.db import transaction
from privet_manager_app.schema.tables import ManagerAuditLog, UserPassport
from tests.support import passport_samples
from tests.support.factories import claimed_client
from tests.support.images import jpeg_bytes, photo_like, png_bytes

NOT_FOUND = "Не удалось прочитать нижние строки паспорта — сфотографируйте ближе и без бликов"
SEEDS = (1, 2, 3, 4)


@pytest.fixture(scope="module")
def photos():
    return {seed: passport_samples.sample(seed) for seed in SEEDS}


def _device_photo() -> bytes:
    """A photo of a device on a table: text-free, nothing like a passport."""
    image = photo_like(1600, 1200)
    return jpeg_bytes(image=image, gps=False)


def _expected(sample) -> dict:
    return sample.person.expected_fields()


def test_фото_паспорта_распознаётся_точно(photos):
    for seed, sample in photos.items():
        zone = passport_scan.read_passport_photo(sample.image)
        assert zone.fields() == _expected(sample), (seed, sample.conditions)
        assert zone.unchecked == ()


def _protected(zone) -> tuple:
    """The fields check digits protect."""
    return (zone.series, zone.number, zone.birth_date, zone.issue_date, zone.division_code)


def test_фото_сохранённое_боком_с_exif_поворотом_распознаётся(photos):
    sample = photos[SEEDS[0]]
    # As a phone stores it: the sensor's landscape frame, to be turned by Orientation 6.
    upright = ImageOps.exif_transpose(Image.open(io.BytesIO(sample.image)))
    sideways = upright.transpose(Image.Transpose.ROTATE_90)
    data = jpeg_bytes(image=sideways, orientation=6, quality=90)
    zone = passport_scan.read_passport_photo(data)
    assert zone.unchecked == ()
    assert _protected(zone) == _protected(passport_scan.read_passport_photo(sample.image))


def test_png_тоже_принимается(photos):
    sample = photos[SEEDS[0]]
    data = png_bytes(ImageOps.exif_transpose(Image.open(io.BytesIO(sample.image))).convert("L"))
    zone = passport_scan.read_passport_photo(data)
    assert zone.unchecked == ()
    assert zone.number == sample.person.number


def test_фото_боком_без_exif_тоже_распознаётся(photos):
    sample = photos[SEEDS[1]]
    upright = ImageOps.exif_transpose(Image.open(io.BytesIO(sample.image)))
    data = jpeg_bytes(image=upright.transpose(Image.Transpose.ROTATE_270), gps=False)
    assert passport_scan.read_passport_photo(data).number == sample.person.number


def test_неверная_контрольная_цифра_в_паспорте_помечает_поле():
    # The birth date's check digit printed wrong: the date is returned as read, flagged.
    good = passport_samples.sample(SEEDS[1])
    check = good.lines[1][19]
    sample = passport_samples.sample(SEEDS[1], misprint={19: str((int(check) + 3) % 10)})
    zone = passport_scan.read_passport_photo(sample.image)
    assert zone.unchecked == ("birth_date",)
    assert zone.birth_date == sample.person.birth_date
    assert zone.number == sample.person.number


def test_фото_без_паспорта_даёт_понятное_сообщение():
    with pytest.raises(ValidationFailed) as error:
        passport_scan.read_passport_photo(_device_photo())
    assert (error.value.code, error.value.message) == ("mrz_not_found", NOT_FOUND)


def test_не_картинка_и_слишком_большой_файл_отклоняются():
    with pytest.raises(ValidationFailed) as error:
        passport_scan.read_passport_photo(b"%PDF-1.7 not a photo")
    assert error.value.code == "photo_unsupported"
    assert "Это не фото" in error.value.message
    with pytest.raises(ValidationFailed) as error:
        passport_scan.read_passport_photo(b"")
    assert error.value.code == "photo_empty"
    with pytest.raises(ValidationFailed) as error:
        passport_scan.read_passport_photo(b"\xff" * (20 * 1024 * 1024 + 1))
    assert (error.value.code, error.value.status) == ("photo_too_large", 413)


def test_бомба_декомпрессии_не_раскрывается():
    # 60 megapixels declared in a small PNG: refused from the header.
    bomb = png_bytes(Image.new("L", (10_000, 6_000), 255), optimize=True)
    assert len(bomb) < 1_000_000
    with pytest.raises(ValidationFailed) as error:
        passport_scan.read_passport_photo(bomb)
    assert error.value.code == "photo_too_many_pixels"


def test_распознавание_в_нескольких_потоках_сразу_даёт_те_же_строки(photos):
    """Each thread has its own Tesseract engine: four scans at once read what one alone reads."""
    images = [sample.image for sample in photos.values()] * 2

    def read(data: bytes):
        return ocr.read_zone_from_bytes(data, formats=ACCEPTED_FORMATS, max_pixels=50_000_000)

    alone = [read(data) for data in images]
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(read, images))
    assert together == alone
    assert all(zone is not None for zone in together)


# --- the use case and REST, with a real database ---


def _audit(client_id: int) -> list[ManagerAuditLog]:
    with transaction() as session:
        return list(
            session.execute(
                sa.select(ManagerAuditLog).where(ManagerAuditLog.client_id == client_id)
            ).scalars()
        )


def test_скан_записывает_в_аудит_только_факт_без_номера(manager, photos):
    client = claimed_client(manager)
    sample = photos[SEEDS[0]]
    result = passport_scan.scan_passport(manager, client.id, sample.image)
    assert result.fields.model_dump() == _expected(sample)
    entries = [entry for entry in _audit(client.id) if entry.action == "passport_scanned"]
    assert len(entries) == 1
    dumped = str(entries[0].changes)
    assert sample.person.number not in dumped
    assert sample.person.series not in dumped
    with transaction() as session:
        assert session.execute(sa.select(sa.func.count()).select_from(UserPassport)).scalar() == 0


def test_чужой_менеджер_не_может_сканировать(manager, make_manager, photos):
    client = claimed_client(manager)
    other = make_manager("manager", name="Другой Мастер")
    with pytest.raises(Forbidden):
        passport_scan.scan_passport(other, client.id, photos[SEEDS[0]].image)
    assert not [entry for entry in _audit(client.id) if entry.action == "passport_scanned"]


def _scan(api, headers, client_id, data, filename="passport.jpg"):
    return api.post(
        f"/api/manager/clients/{client_id}/passport/scan",
        files={"file": (filename, data, "image/jpeg")},
        headers=headers,
    )


def test_rest_ответственный_и_админ_получают_поля_чужой_нет(
    api, login_headers, manager, admin, make_manager, photos, storage_dir
):
    client = claimed_client(manager)
    sample = photos[SEEDS[2]]
    response = _scan(api, login_headers(manager), client.id, sample.image)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body == {"fields": _expected(sample), "unchecked": []}
    assert _scan(api, login_headers(admin), client.id, sample.image).status_code == 200
    other = make_manager("manager", name="Третий")
    refused = _scan(api, login_headers(other), client.id, sample.image)
    assert refused.status_code == 403
    assert refused.json()["code"] == "not_assignee"
    # Nothing kept: no object in storage, no passport row; two audit entries.
    assert not storage_dir.exists() or not any(storage_dir.rglob("*"))
    with transaction() as session:
        assert session.execute(sa.select(sa.func.count()).select_from(UserPassport)).scalar() == 0
    actions = [entry.action for entry in _audit(client.id)]
    assert actions.count("passport_scanned") == 2


def test_rest_фото_без_паспорта_422_mrz_not_found(api, login_headers, manager):
    client = claimed_client(manager)
    response = _scan(api, login_headers(manager), client.id, _device_photo())
    assert response.status_code == 422
    assert response.json()["code"] == "mrz_not_found"
    assert response.json()["detail"] == NOT_FOUND


def test_rest_не_фото_и_без_файла(api, login_headers, manager):
    client = claimed_client(manager)
    headers = login_headers(manager)
    response = _scan(api, headers, client.id, b"hello", filename="notes.txt")
    assert (response.status_code, response.json()["code"]) == (422, "photo_unsupported")
    response = api.post(
        f"/api/manager/clients/{client.id}/passport/scan", data={"x": "1"}, headers=headers
    )
    assert response.status_code in (415, 422)
    response = api.post(
        f"/api/manager/clients/{client.id}/passport/scan",
        files={"other": ("a.jpg", b"123", "image/jpeg")},
        headers=headers,
    )
    assert (response.status_code, response.json()["code"]) == (422, "file_required")
    assert api.post(f"/api/manager/clients/{client.id}/passport/scan").status_code == 401


def test_rest_статусы_описаны_в_openapi(api):
    operation = api.get("/openapi.json").json()["paths"][
        "/api/manager/clients/{client_id}/passport/scan"
    ]["post"]
    assert {"200", "401", "403", "404", "413", "422"} <= set(operation["responses"])
    assert "multipart/form-data" in operation["requestBody"]["content"]


def test_синтетическое_фото_одно_и_то_же_для_одного_зерна(photos):
    again = passport_samples.sample(SEEDS[0])
    assert again.image == photos[SEEDS[0]].image
    assert again.lines == photos[SEEDS[0]].lines


def test_граница_пропускает_фото_паспорта_а_не_только_json():
    """The edge limits bodies as they stream: the scan endpoint gets a photo's budget."""
    import asyncio

    from privet_manager_app.edge import limits

    headers = {"content-type": "multipart/form-data; boundary=x"}
    scope = {"path": "/api/manager/clients/7/passport/scan"}
    budget = asyncio.run(limits._budget(scope, headers))
    assert budget.part == 20 * 1024 * 1024
    assert budget.files == 1
    other = asyncio.run(limits._budget({"path": "/api/manager/clients/7/profile"}, headers))
    assert other.part is None
