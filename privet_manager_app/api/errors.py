"""One place that turns errors into `{detail, code, fields?}` JSON with the right status."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from privet_manager_app.domain.errors import DomainError, ServiceUnavailable
from privet_manager_app.infra.db import is_database_outage

logger = logging.getLogger(__name__)

_HTTP_CODES = {
    400: ("bad_request", "Некорректный запрос"),
    401: ("not_authenticated", "Войдите в систему"),
    403: ("forbidden", "Недостаточно прав"),
    404: ("not_found", "Не найдено"),
    405: ("method_not_allowed", "Метод не поддерживается"),
    413: ("payload_too_large", "Слишком большой запрос"),
    415: ("unsupported_media_type", "Неподдерживаемый тип данных"),
}

_VALIDATION_MESSAGES = {
    "missing": "Обязательное поле",
    "string_too_long": "Слишком длинное значение",
    "string_too_short": "Слишком короткое значение",
    "int_parsing": "Нужно целое число",
    "int_type": "Нужно целое число",
    "decimal_parsing": "Нужна сумма, например 1500.00",
    "decimal_type": "Нужна сумма, например 1500.00",
    "bool_parsing": "Нужно true или false",
    "bool_type": "Нужно true или false",
    "string_type": "Нужна строка",
    "date_from_datetime_parsing": "Нужна дата ГГГГ-ММ-ДД",
    "date_parsing": "Нужна дата ГГГГ-ММ-ДД",
    "date_type": "Нужна дата ГГГГ-ММ-ДД",
    "json_invalid": "Некорректный JSON",
    "model_attributes_type": "Нужен JSON-объект",
    "dict_type": "Нужен JSON-объект",
    "literal_error": "Недопустимое значение",
    "enum": "Недопустимое значение",
    "greater_than_equal": "Слишком маленькое значение",
    "less_than_equal": "Слишком большое значение",
    "extra_forbidden": "Неизвестное поле",
}


def error_response(status: int, code: str, detail: str, **extra) -> JSONResponse:
    return JSONResponse({"detail": detail, "code": code, **extra}, status_code=status)


def _field_name(location: tuple) -> str:
    parts = [str(part) for part in location if part not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def install_error_handlers(api: FastAPI) -> None:
    @api.exception_handler(DomainError)
    async def _domain(_request: Request, error: DomainError) -> JSONResponse:
        headers = None
        if isinstance(error, ServiceUnavailable):
            headers = {"Retry-After": str(error.retry_after)}
        return JSONResponse(error.to_dict(), status_code=error.status, headers=headers)

    @api.exception_handler(sa.exc.SQLAlchemyError)
    async def _database(request: Request, error: sa.exc.SQLAlchemyError) -> JSONResponse:
        # Most code reaches the database through transaction(), which already says «down» as a
        # DomainError; this catches what a dependency or a lazy load ran into outside it.
        if is_database_outage(error):
            logger.warning(
                "database unavailable on %s %s: %s", request.method, request.url.path, error
            )
            return await _domain(request, ServiceUnavailable.database())
        return await _unexpected(request, error)

    @api.exception_handler(RequestValidationError)
    async def _validation(_request: Request, error: RequestValidationError) -> JSONResponse:
        fields: dict[str, str] = {}
        for item in error.errors():
            message = _VALIDATION_MESSAGES.get(item.get("type", ""), "Некорректное значение")
            fields.setdefault(_field_name(tuple(item.get("loc", ()))), message)
        return error_response(422, "validation_error", "Проверьте поля запроса", fields=fields)

    @api.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        code, detail = _HTTP_CODES.get(error.status_code, ("http_error", "Ошибка запроса"))
        return error_response(error.status_code, code, detail)

    @api.exception_handler(ClientDisconnect)
    async def _gone(_request: Request, _error: ClientDisconnect) -> Response:
        # The client went away mid-body — or the edge cut the body off and has answered 413
        # already (edge/limits.py). Nobody reads this; it is not a server error.
        return Response(status_code=400)

    @api.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        # Logged without the request body: it may carry personal data.
        logger.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(500, "internal_error", "Внутренняя ошибка сервера, повторите позже")
