"""Request → acting manager: bearer token, client IP and User-Agent."""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from privet_manager_app.domain import auth
from privet_manager_app.domain.actors import Actor
from privet_manager_app.edge.client_ip import client_ip as edge_client_ip
from privet_manager_app.edge.client_ip import header_values
from privet_manager_app.settings import get_settings

bearer = HTTPBearer(auto_error=False, description="JWT из POST /api/manager/auth/login")


def client_ip(request: Request) -> str | None:
    peer = request.client.host if request.client else None
    forwarded = header_values(request.scope["headers"], b"x-forwarded-for")
    return edge_client_ip(peer, forwarded, get_settings().TRUSTED_PROXY_HOPS)


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
