"""POST /api/manager/clients/{id}/passport/scan: the passport's machine-readable zone from a
photo (multipart, field `file`) → the fields for the form; nothing is saved.

The photo stays in memory: Starlette's own form parser spills files over 1 MB to a temporary
file on disk, so this endpoint parses the form with a parser that never spills (the upload is
capped at the photo limit while it streams in). The OCR runs in the thread pool, never on the
event loop.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.formparsers import MultiPartParser

from privet_manager_app.api.deps import current_actor
from privet_manager_app.api.openapi import file_upload_body, raises
from privet_manager_app.api.params import ClientId
from privet_manager_app.api.uploads import UnsupportedMediaType, uploaded_file
from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.wizard import passport_scan
from privet_manager_app.domain.wizard.photos import PhotoTooLarge
from privet_manager_app.settings import get_settings

router = APIRouter(tags=["Мастер: шаги 1–2"])

_FORM_OVERHEAD = 64 * 1024  # multipart boundaries and part headers around the photo


class _InMemoryParser(MultiPartParser):
    # Larger than any upload that gets through the stream limit: nothing reaches the disk.
    spool_max_size = 1 << 40


_RESPONSES = raises(
    s401="not_authenticated",
    s403="not_assignee: клиента ведёт другой менеджер",
    s404="client_not_found",
    s409="not_claimed: клиент ещё не взят в работу",
    s413="photo_too_large: больше MAX_PHOTO_BYTES (20 МБ)",
    s415="unsupported_media_type: нужен multipart/form-data",
    s422="mrz_not_found — нижние строки не прочитаны; photo_unsupported — не фото; "
    "photo_empty, photo_too_many_pixels, file_required, invalid_form",
)
_OPENAPI_BODY = file_upload_body("фото страницы паспорта: JPEG, PNG, WebP или HEIC")


def _too_large(limit: int) -> PhotoTooLarge:
    message = f"Фото больше {limit // (1024 * 1024)} МБ"
    return PhotoTooLarge("photo_too_large", message, fields={"file": message})


async def _capped(stream: AsyncIterator[bytes], limit: int) -> AsyncIterator[bytes]:
    received = 0
    async for chunk in stream:
        received += len(chunk)
        if received > limit + _FORM_OVERHEAD:
            raise _too_large(limit)
        yield chunk


@router.post(
    "/clients/{client_id:int}/passport/scan",
    response_model=passport_scan.PassportScanResult,
    summary="Шаг 2: распознать паспорт по фото нижних строк (ничего не сохраняется)",
    responses=_RESPONSES,
    openapi_extra=_OPENAPI_BODY,
)
async def scan_passport(
    client_id: ClientId, request: Request, actor: Actor = Depends(current_actor)
) -> passport_scan.PassportScanResult:
    limit = get_settings().MAX_PHOTO_BYTES
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + _FORM_OVERHEAD:
        raise _too_large(limit)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "multipart/form-data":
        raise UnsupportedMediaType(
            "unsupported_media_type", "Отправьте фото как multipart/form-data в поле file"
        )
    parser = _InMemoryParser(
        request.headers, _capped(request.stream(), limit), max_files=1, max_fields=5
    )
    upload = await uploaded_file(parser.parse(), "Приложите фото паспорта в поле file")
    data = await upload.read()
    await upload.close()
    if len(data) > limit:
        raise _too_large(limit)
    return await run_in_threadpool(passport_scan.scan_passport, actor, client_id, data)
