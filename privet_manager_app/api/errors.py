"""One place that turns errors into `{detail, code, fields?}` JSON with the right status."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from privet_manager_app.domain.common.errors import (
    DomainError,
    ServiceUnavailable,
    TooManyAttempts,
)
from privet_manager_app.domain.inputs import FIELDS_MESSAGE, type_errors
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


def error_response(status: int, code: str, detail: str, **extra) -> JSONResponse:
    return JSONResponse({"detail": detail, "code": code, **extra}, status_code=status)


def install_error_handlers(api: FastAPI) -> None:
    @api.exception_handler(DomainError)
    async def _domain(_request: Request, error: DomainError) -> JSONResponse:
        headers = None
        if isinstance(error, ServiceUnavailable):
            headers = {"Retry-After": str(error.retry_after)}
        elif isinstance(error, TooManyAttempts) and "retry_after_seconds" in error.extra:
            headers = {"Retry-After": str(error.extra["retry_after_seconds"])}
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
        # The same Russian messages a page shows for an input of the wrong type.
        fields = type_errors(list(error.errors()))
        return error_response(422, "validation_error", FIELDS_MESSAGE, fields=fields)

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
