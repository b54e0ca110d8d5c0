"""POST /api/verify (public): is this PDF — or this number + SHA-256 — a signed original?

Answers only {valid, number, signed_at}.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from privet_manager_app.api.openapi import file_upload_body
from privet_manager_app.api.uploads import UnsupportedMediaType, uploaded_file
from privet_manager_app.domain.common.errors import DomainError, ValidationFailed
from privet_manager_app.domain.inputs import Line, type_errors
from privet_manager_app.domain.views import VerificationResult
from privet_manager_app.domain.wizard import verification
from privet_manager_app.settings import get_settings

router = APIRouter(prefix="/api/verify", tags=["Проверка договора (публично)"])


class PayloadTooLarge(DomainError):
    status = 413


class VerifyByNumber(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: Line = Field(max_length=40, description="ПМ-2026-000001")
    sha256: Line = Field(max_length=100, description="SHA-256 файла договора, hex")


def _too_large() -> PayloadTooLarge:
    megabytes = get_settings().MAX_VERIFY_PDF_BYTES // (1024 * 1024)
    return PayloadTooLarge("payload_too_large", f"Файл больше {megabytes} МБ — это не наш договор")


_OPENAPI_BODY = file_upload_body(
    also={"application/json": {"schema": VerifyByNumber.model_json_schema()}}
)


@router.post(
    "",
    response_model=VerificationResult,
    summary="Проверить договор: PDF-файл (multipart, поле file) или {number, sha256}",
    openapi_extra=_OPENAPI_BODY,
    responses={415: {"description": "unsupported_media_type: нужен PDF (multipart) или JSON"}},
)
async def verify(request: Request) -> VerificationResult:
    # The body as a whole is limited while it streams, by the edge (edge/limits.py).
    limit = get_settings().MAX_VERIFY_PDF_BYTES
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        upload = await uploaded_file(
            request.form(max_files=1, max_fields=5), "Приложите PDF-файл договора в поле file"
        )
        data = await upload.read(limit + 1)
        if len(data) > limit:
            raise _too_large()
        return await run_in_threadpool(verification.verify_pdf, data)
    if content_type == "application/json":
        raw = bytearray()
        async for chunk in request.stream():
            raw.extend(chunk)
            if len(raw) > 64 * 1024:
                raise _too_large()
        try:
            body = VerifyByNumber.model_validate_json(bytes(raw))
        except ValidationError as error:
            fields = type_errors(error.errors())
            raise ValidationFailed(
                "validation_error", "Нужны номер договора и SHA-256 файла", fields=fields
            ) from None
        return await run_in_threadpool(verification.verify_number, body.number, body.sha256)
    raise UnsupportedMediaType(
        "unsupported_media_type",
        "Отправьте PDF как multipart/form-data (поле file) или JSON {number, sha256}",
    )
