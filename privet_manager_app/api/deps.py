"""Request → acting manager: bearer token, client IP and User-Agent."""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from privet_manager_app.domain.admin import auth
from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.settings import get_settings

bearer = HTTPBearer(auto_error=False, description="JWT из POST /api/manager/auth/login")


def client_ip(request: Request) -> str | None:
    if get_settings().TRUST_PROXY_HEADERS:
        forwarded = request.headers.get("x-forwarded-for", "")
        if forwarded:
            return forwarded.split(",")[0].strip()[:45]
    return request.client.host if request.client else None


def user_agent(request: Request) -> str | None:
    return request.headers.get("user-agent")


def current_actor(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)
) -> Actor:
    token = credentials.credentials if credentials else None
    actor = auth.authenticate_token(token)
    return actor.with_origin(client_ip(request), user_agent(request))


def current_admin(actor: Actor = Depends(current_actor)) -> Actor:
    actor.require_admin()
    return actor
