"""The FastAPI application: /api/manager (JWT), /api/verify (public), Swagger at /docs."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request

from privet_manager_app.api.errors import error_response, install_error_handlers
from privet_manager_app.api.openapi import allowed_methods, install_openapi
from privet_manager_app.api.routers import admin as admin_routes
from privet_manager_app.api.routers import (
    auth,
    client_card,
    clients,
    contracts,
    passport_scan,
    payments,
    signed_copy,
    storage,
    tariffs,
    verify,
    wizard,
)
from privet_manager_app.api.routers import devices as device_routes
from privet_manager_app.settings import get_settings

MANAGER_PREFIX = "/api/manager"


def create_api() -> FastAPI:
    docs = get_settings().docs_enabled  # off in prod unless DOCS_ENABLED says otherwise
    api = FastAPI(
        title="PrivetManagerApp API",
        description="REST-контур менеджера «Привет Супер». Авторизация: Bearer JWT из /auth/login.",
        version="1.0",
        docs_url="/docs" if docs else None,
        redoc_url=None,
        openapi_url="/openapi.json" if docs else None,
    )
    install_error_handlers(api)
    manager = APIRouter(prefix=MANAGER_PREFIX)
    manager.include_router(auth.router)
    # Before `clients`: /clients/export.csv must not be read as /clients/{client_id}.
    manager.include_router(client_card.router)
    manager.include_router(clients.router)
    manager.include_router(admin_routes.router)
    manager.include_router(wizard.router)
    manager.include_router(passport_scan.router)
    manager.include_router(device_routes.router)
    manager.include_router(tariffs.router)
    manager.include_router(contracts.router)
    manager.include_router(payments.router)
    api.include_router(manager)
    api.include_router(storage.router)
    api.include_router(verify.router)
    api.include_router(signed_copy.router)

    # Anything else under /api is JSON, not the UI's HTML page: 405 with Allow when the path
    # exists under other methods (this catch-all would otherwise hide Starlette's own 405),
    # 404 when it does not.
    @api.api_route(
        "/api/{path:path}",
        methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        include_in_schema=False,
    )
    async def _unknown_api(path: str, request: Request):
        allowed = allowed_methods(api.openapi(), request.url.path)
        if allowed:
            response = error_response(405, "method_not_allowed", "Метод не поддерживается")
            response.headers["Allow"] = ", ".join(sorted(allowed))
            return response
        return error_response(404, "not_found", "Нет такого метода API")

    install_openapi(api)

    return api
