"""Step 2 «Паспорт» from one photo: the machine-readable zone read and decoded, nothing saved.

The manager photographs the passport's photo page; the fields the zone holds come back for the
form (surname, name, patronymic in Cyrillic, birth date, sex, series, number, issue date,
division code), with the ones whose check digit failed listed in `unchecked` — the manager
verifies them («проверьте»), adds birth place and «кем выдан» (not in the zone) and saves as
usual. The photo and the text read from it live only in this call's memory: never stored, never
logged; the audit keeps only that a scan happened and which fields were uncertain.

The OCR is CPU-bound (≈0.2–1 s): the REST endpoint is a sync `def` (FastAPI's thread pool);
the UI calls this from a background task. No database connection is held while it runs.
"""

from __future__ import annotations

from typing import Any

from privet_manager_app.domain.clients.access import check_assignee
from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.common.clock import moscow_today
from privet_manager_app.domain.common.errors import NotFound, ValidationFailed
from privet_manager_app.domain.history import audit
from privet_manager_app.domain.views import View
from privet_manager_app.domain.wizard import passport_mrz
from privet_manager_app.domain.wizard.photos import ACCEPTED_FORMATS, NOT_A_PHOTO, PhotoTooLarge
from privet_manager_app.infra import ocr
from privet_manager_app.infra.db import transaction
from privet_manager_app.schema.tables import ManagerClient
from privet_manager_app.settings import get_settings

MRZ_NOT_FOUND = "Не удалось прочитать нижние строки паспорта — сфотографируйте ближе и без бликов"


class ScannedPassport(View):
    """What the zone says, formatted for the passport form (dates ISO 8601)."""

    last_name: str | None
    first_name: str | None
    middle_name: str | None
    birth_date: str | None
    sex: str | None  # "M" / "F"
    series: str | None
    number: str | None
    issue_date: str | None
    division_code: str | None


class PassportScanResult(View):
    fields: ScannedPassport
    unchecked: list[str]  # names of the fields to verify: their check digit failed


def _refuse(code: str, message: str) -> ValidationFailed:
    return ValidationFailed(code, message, fields={"file": message})


def _check_access(actor: Actor, client_id: int) -> None:
    with transaction() as session:
        client = session.get(ManagerClient, client_id)
        if client is None:
            raise NotFound("client_not_found", "Клиент не найден")
        check_assignee(session, actor, client)


def read_passport_photo(image_bytes: bytes) -> passport_mrz.PassportZone:
    """Photo bytes → the decoded zone, or a ValidationFailed saying what to do."""
    settings = get_settings()
    if len(image_bytes) > settings.MAX_PHOTO_BYTES:
        message = f"Фото больше {settings.MAX_PHOTO_BYTES // (1024 * 1024)} МБ"
        raise PhotoTooLarge("photo_too_large", message, fields={"file": message})
    if not image_bytes:
        raise _refuse("photo_empty", "Файл пустой")
    try:
        zone = ocr.read_zone_from_bytes(
            image_bytes, formats=ACCEPTED_FORMATS, max_pixels=settings.MAX_PHOTO_PIXELS
        )
    except ocr.NotAnImage:
        raise _refuse("photo_unsupported", NOT_A_PHOTO) from None
    except ocr.TooManyPixels:
        raise _refuse(
            "photo_too_many_pixels",
            f"Слишком большое изображение: больше {settings.MAX_PHOTO_PIXELS // 1_000_000} "
            "мегапикселей",
        ) from None
    if zone is None:
        raise _refuse("mrz_not_found", MRZ_NOT_FOUND)
    try:
        return passport_mrz.decode(
            zone.line1, zone.line2, today=moscow_today(), doubtful=zone.doubtful
        )
    except passport_mrz.NotAZone:
        raise _refuse("mrz_not_found", MRZ_NOT_FOUND) from None


def scan_passport(actor: Actor, client_id: int, image_bytes: bytes) -> PassportScanResult:
    """Read the passport's zone from a photo for the assignee or an admin; nothing is saved
    to the passport — only the audit entry «паспорт распознан по фото»."""
    _check_access(actor, client_id)  # before the CPU work: a stranger gets nothing read
    decoded = read_passport_photo(image_bytes)
    with transaction() as session:
        client = session.get(ManagerClient, client_id)
        if client is None:
            raise NotFound("client_not_found", "Клиент не найден")
        check_assignee(session, actor, client)
        # Which fields were uncertain — never the values: the number stays out of the audit.
        changes: dict[str, Any] = {"unchecked": {"before": None, "after": list(decoded.unchecked)}}
        audit.record(
            session,
            actor,
            "passport_scanned",
            "passport",
            client.user_id,
            client_id=client.id,
            changes=changes,
        )
    return PassportScanResult(
        fields=ScannedPassport(**decoded.fields()), unchecked=list(decoded.unchecked)
    )
