"""Signed upload/download endpoints of the local storage backend (S3 serves its own)."""

from __future__ import annotations

import mimetypes
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from privet_manager_app.api.errors import error_response
from privet_manager_app.infra.storage import LocalStorage, StorageError, get_storage
from privet_manager_app.settings import get_settings

router = APIRouter(prefix="/api/storage", tags=["Хранилище (локальное)"], include_in_schema=False)


def _local() -> LocalStorage | None:
    storage = get_storage()
    return storage if isinstance(storage, LocalStorage) else None


@router.put("/upload/{token}")
async def upload(token: str, request: Request):
    storage = _local()
    if storage is None:
        return error_response(404, "not_found", "Локальное хранилище отключено")
    try:
        claims = storage.verify("upload", token)
    except StorageError:
        return error_response(403, "upload_link_invalid", "Ссылка для загрузки недействительна")
    limit = get_settings().MAX_PHOTO_BYTES
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        return error_response(413, "file_too_large", "Файл больше 20 МБ")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            return error_response(413, "file_too_large", "Файл больше 20 МБ")
    content_type = request.headers.get("content-type", "application/octet-stream")
    if not await run_in_threadpool(storage.put_new, claims["key"], bytes(body), content_type):
        # Single use, like S3's If-None-Match: the first upload (or the marker its attached
        # photo left) is at the key.
        return error_response(
            412, "upload_link_used", "Эта ссылка уже использована: запросите новую (upload-url)"
        )
    return Response(status_code=200)


@router.get("/file/{token}")
async def download(token: str):
    storage = _local()
    if storage is None:
        return error_response(404, "not_found", "Локальное хранилище отключено")
    try:
        claims = storage.verify("download", token)
        data = await run_in_threadpool(storage.get, claims["key"])
    except StorageError:
        return error_response(404, "file_link_invalid", "Ссылка устарела или файл удалён")
    media_type = mimetypes.guess_type(claims.get("fn") or claims["key"])[0]
    headers = {"Cache-Control": "private, max-age=300", "X-Content-Type-Options": "nosniff"}
    if claims.get("fn"):
        headers["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(claims['fn'])}"
    return Response(data, media_type=media_type or "application/octet-stream", headers=headers)
