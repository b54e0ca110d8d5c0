"""The OpenAPI schema tells the truth about errors (issue 9, item 6): every error body is
`{detail, code, fields?}` (api/errors.py makes them all), so that one schema is documented for
every 4xx/5xx instead of FastAPI's `detail: [...]`, and each operation declares the statuses it
can really answer with. Two sources, both per route:

- what the route is made of (`transport_statuses`): 500 and 503 (database or storage down)
  everywhere; 422 where there is a parameter or a body to refuse; 413 where a body is read (the
  edge's limit); 401/403 behind a login; 404 with a path id; 409 for a change of a client
  (version, «not claimed», frozen after signing: clients/access.py guards every one);
- what its use case raises beyond that, declared on the route itself with `responses=` and the
  domain error codes (a 409 `email_taken`, a 429 of the login throttle, a 415 of a form, …).

The live fuzz (tests/api/test_fuzz_live.py) fails on any status a route answers and does not
declare; tests/api/test_openapi_truth.py on a status declared where it cannot happen.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field

ERROR_SCHEMA = "ErrorBody"
_DESCRIPTIONS = {
    400: "bad_request: тело не прочитано",
    401: "not_authenticated: нет или истёк токен",
    403: "forbidden, not_assignee, admin_only",
    404: "not_found, client_not_found …",
    409: "version_conflict, not_claimed, неподходящее состояние",
    413: "payload_too_large: больше лимита тела запроса",
    415: "unsupported_media_type",
    422: "validation_error: поля запроса (fields)",
    429: "too_many_attempts: подождите Retry-After секунд",
    500: "internal_error",
    503: "service_unavailable: база или хранилище недоступны (Retry-After)",
}


class ErrorBody(BaseModel):
    """Every error the API answers with."""

    detail: str = Field(description="сообщение по-русски")
    code: str = Field(description="стабильный код ошибки: validation_error, not_found …")
    fields: dict[str, str] | None = Field(
        None, description="поле → сообщение, для ошибок в полях запроса"
    )


def transport_statuses(path: str, method: str, operation: dict[str, Any]) -> set[int]:
    statuses = {500, 503}
    if operation.get("parameters") or operation.get("requestBody"):
        statuses.add(422)
    if operation.get("requestBody"):
        statuses |= {413, _unreadable_body(operation)}
    if operation.get("security"):
        statuses |= {401, 403}
    if "{" in path:
        statuses.add(404)
    if method != "get" and "{client_id}" in path:
        statuses.add(409)
    return statuses


def raises(**codes: str) -> dict[int | str, dict[str, Any]]:
    """`responses=` of a route for what its use case raises beyond `transport_statuses`:
    `raises(s409="email_taken", s429="too_many_attempts")` — the status, then its codes."""
    return {int(status.removeprefix("s")): {"description": text} for status, text in codes.items()}


def file_upload_body(
    file_description: str | None = None, *, also: dict[str, Any] | None = None
) -> dict[str, Any]:
    """`openapi_extra=` of a route that reads its body itself: a required body, a
    multipart/form-data form with one binary `file`, or what `also` names instead."""
    file: dict[str, Any] = {"type": "string", "format": "binary"}
    if file_description is not None:
        file["description"] = file_description
    form = {"type": "object", "properties": {"file": file}, "required": ["file"]}
    return {
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": form}, **(also or {})},
        }
    }


def _unreadable_body(operation: dict[str, Any]) -> int:
    # A JSON body that is not even text (invalid UTF-8) is refused before validation: 400.
    content = operation["requestBody"].get("content", {})
    return 400 if "application/json" in content else 422


def allowed_methods(document: dict[str, Any], path: str) -> set[str]:
    """The methods the schema declares for a concrete path (for 405 and its Allow header)."""
    methods: set[str] = set()
    for template, operations in document.get("paths", {}).items():
        if _template_regex(template).fullmatch(path):
            methods |= {method.upper() for method in operations}
    return methods


@functools.cache
def _template_regex(template: str) -> re.Pattern[str]:
    # Every path parameter of this API is an integer id (routes use the `:int` convertor).
    return re.compile(re.sub(r"\\\{[^}]+\\\}", "[0-9]+", re.escape(template)))


def _error_response(status: int) -> dict[str, Any]:
    return {
        "description": _DESCRIPTIONS.get(status, "Ошибка"),
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}}
        },
    }


def install_openapi(api: FastAPI) -> None:
    def schema() -> dict[str, Any]:
        if api.openapi_schema:
            return api.openapi_schema
        document = get_openapi(
            title=api.title, version=api.version, description=api.description, routes=api.routes
        )
        components = document.setdefault("components", {}).setdefault("schemas", {})
        components[ERROR_SCHEMA] = ErrorBody.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        for path, operations in document.get("paths", {}).items():
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                statuses = transport_statuses(path, method, operation)
                statuses |= {int(code) for code in responses if code.isdigit() and code >= "400"}
                for status in sorted(statuses):
                    described = responses.get(str(status), {}).get("description")
                    responses[str(status)] = _error_response(status)
                    if described and status != 422:
                        responses[str(status)]["description"] = described
        api.openapi_schema = document
        return document

    api.openapi = schema
