"""The FastAPI application: /api/manager (JWT), /api/verify (public), Swagger at /docs."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request

from privet_manager_app.api.errors import error_response, install_error_handlers
from privet_manager_app.api.routers import auth, clients, storage

MANAGER_PREFIX = "/api/manager"


def create_api() -> FastAPI:
    api = FastAPI(
        title="PrivetManagerApp API",
        description="REST-контур менеджера «Привет Супер». Авторизация: Bearer JWT из /auth/login.",
        version="1.0",
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    install_error_handlers(api)
    manager = APIRouter(prefix=MANAGER_PREFIX)
    manager.include_router(auth.router)
    manager.include_router(clients.router)
    api.include_router(manager)
    api.include_router(storage.router)

    # Anything else under /api is a JSON 404, not the UI's HTML page.
    @api.api_route(
        "/api/{path:path}",
        methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        include_in_schema=False,
    )
    async def _unknown_api(path: str, request: Request):
        return error_response(404, "not_found", "Нет такого метода API")

    return api
