"""/api/manager/clients/{id}/devices…: step 3 «Устройства» and device photos.

Photo upload: `upload-url` gives a presigned PUT (S3) or a signed backend URL (local storage);
the browser PUTs the original there, then `photos` with the `file_key` makes it a photo after
the server has validated and re-encoded it. Sync `def` endpoints: the image work runs in
FastAPI's thread pool, never on the event loop.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from privet_manager_app.api.deps import current_actor
from privet_manager_app.api.params import (
    MAX_INT,
    ClientId,
    DeviceId,
    OptionalVersion,
    PhotoId,
    Strict,
)
from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.inputs import MAX_JSON_ID, DeviceInput, DevicePatch, Line
from privet_manager_app.domain.views import DeviceView
from privet_manager_app.domain.wizard import devices, photos

router = APIRouter(tags=["Мастер: шаг 3, устройства и фото"])


class DeviceRequest(DeviceInput):
    legacy_device_id: int | None = Field(None, ge=1, le=MAX_JSON_ID)
    version: int | None = Field(None, ge=1, le=MAX_INT)


class DevicePatchRequest(DevicePatch):
    version: int | None = Field(None, ge=1, le=MAX_INT)


class ImportRequest(Strict):
    legacy_device_id: int = Field(ge=1, le=MAX_JSON_ID)
    version: int | None = Field(None, ge=1, le=MAX_INT)


class UploadUrlRequest(Strict):
    filename: Line = Field(max_length=255)
    content_type: Line = Field(max_length=100, description="image/jpeg, image/png, image/webp…")


class UploadUrlResponse(BaseModel):
    upload_url: str
    method: str
    headers: dict[str, str]
    file_key: str
    expires_at: dt.datetime


class AttachRequest(Strict):
    file_key: Line = Field(max_length=300)
    version: int | None = Field(None, ge=1, le=MAX_INT)


class Deleted(BaseModel):
    deleted: bool = True
    version: int  # the client's version after the change


class DeviceOptions(BaseModel):
    categories: list[devices.Option]
    conditions: list[devices.Option]


@router.get("/device-options", response_model=DeviceOptions, summary="Категории и состояния")
def device_options(actor: Actor = Depends(current_actor)) -> DeviceOptions:
    return DeviceOptions(
        categories=devices.category_options(), conditions=devices.condition_options()
    )


@router.get(
    "/clients/{client_id:int}/devices",
    response_model=list[DeviceView],
    summary="Устройства клиента",
)
def list_devices(client_id: ClientId, actor: Actor = Depends(current_actor)) -> list[DeviceView]:
    return devices.list_devices(actor, client_id)


@router.get(
    "/clients/{client_id:int}/legacy-devices",
    response_model=list[devices.LegacyDeviceView],
    summary="Устройства из приложения клиента, ещё не добавленные",
)
def legacy_devices(
    client_id: ClientId, actor: Actor = Depends(current_actor)
) -> list[devices.LegacyDeviceView]:
    return devices.legacy_devices(actor, client_id)


@router.post(
    "/clients/{client_id:int}/devices",
    response_model=devices.DeviceSaved,
    status_code=201,
    summary="Добавить устройство",
)
def add_device(
    client_id: ClientId, body: DeviceRequest, actor: Actor = Depends(current_actor)
) -> devices.DeviceSaved:
    return devices.add_device(
        actor, client_id, body, legacy_device_id=body.legacy_device_id, version=body.version
    )


@router.post(
    "/clients/{client_id:int}/devices/import",
    response_model=devices.DeviceSaved,
    status_code=201,
    summary="Добавить устройство из приложения клиента",
)
def import_device(
    client_id: ClientId, body: ImportRequest, actor: Actor = Depends(current_actor)
) -> devices.DeviceSaved:
    return devices.import_legacy_device(
        actor, client_id, body.legacy_device_id, version=body.version
    )


@router.patch(
    "/clients/{client_id:int}/devices/{device_id:int}",
    response_model=devices.DeviceSaved,
    summary="Изменить устройство (только переданные поля)",
)
def update_device(
    client_id: ClientId,
    device_id: DeviceId,
    body: DevicePatchRequest,
    actor: Actor = Depends(current_actor),
) -> devices.DeviceSaved:
    return devices.update_device(actor, client_id, device_id, body, version=body.version)


@router.delete(
    "/clients/{client_id:int}/devices/{device_id:int}",
    response_model=Deleted,
    summary="Удалить устройство с фото (до подписания)",
)
def delete_device(
    client_id: ClientId,
    device_id: DeviceId,
    version: OptionalVersion = None,
    actor: Actor = Depends(current_actor),
) -> Deleted:
    return Deleted(version=devices.delete_device(actor, client_id, device_id, version=version))


@router.post(
    "/clients/{client_id:int}/devices/{device_id:int}/photos/upload-url",
    response_model=UploadUrlResponse,
    summary="Ссылка для загрузки оригинала фото (PUT)",
)
def photo_upload_url(
    client_id: ClientId,
    device_id: DeviceId,
    body: UploadUrlRequest,
    actor: Actor = Depends(current_actor),
) -> UploadUrlResponse:
    ticket = photos.photo_upload_ticket(
        actor, client_id, device_id, body.filename, body.content_type
    )
    return UploadUrlResponse.model_validate(ticket, from_attributes=True)


@router.post(
    "/clients/{client_id:int}/devices/{device_id:int}/photos",
    response_model=photos.PhotoSaved,
    status_code=201,
    summary="Принять загруженное фото: проверка, поворот, без метаданных, ≤ 1200 px",
)
def attach_photo(
    client_id: ClientId,
    device_id: DeviceId,
    body: AttachRequest,
    actor: Actor = Depends(current_actor),
) -> photos.PhotoSaved:
    return photos.attach_photo(actor, client_id, device_id, body.file_key, version=body.version)


@router.delete(
    "/clients/{client_id:int}/devices/{device_id:int}/photos/{photo_id:int}",
    response_model=Deleted,
    summary="Удалить фото",
)
def delete_photo(
    client_id: ClientId,
    device_id: DeviceId,
    photo_id: PhotoId,
    version: OptionalVersion = None,
    actor: Actor = Depends(current_actor),
) -> Deleted:
    return Deleted(
        version=photos.delete_photo(actor, client_id, device_id, photo_id, version=version)
    )
