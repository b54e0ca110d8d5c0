"""What the routes that read a multipart upload themselves share (passport scan, contract
check): the 415 for a body of another type, and the form's `file` part or the refusal."""

from __future__ import annotations

from collections.abc import Awaitable

from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException

from privet_manager_app.domain.common.errors import DomainError, ValidationFailed


class UnsupportedMediaType(DomainError):
    status = 415


async def uploaded_file(parsing: Awaitable[FormData], missing: str) -> UploadFile:
    """The `file` part of the form being parsed; `missing` tells the client what to attach."""
    try:
        form = await parsing
    except MultiPartException:
        raise ValidationFailed("invalid_form", "Не удалось прочитать форму с файлом") from None
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise ValidationFailed("file_required", missing, fields={"file": missing})
    return upload
