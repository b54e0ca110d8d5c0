"""Request → acting manager: bearer token, client IP and User-Agent."""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from privet_manager_app.domain.admin import auth
from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.edge.client_ip import client_ip as edge_client_ip
from privet_manager_app.edge.client_ip import header_values
from privet_manager_app.edge.uploads import SESSION_COOKIE
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


def current_actor_or_session_cookie(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)
) -> Actor:
    """For a download the browser opens itself (a link cannot carry a bearer header): the
    interface's session cookie is accepted too. It is SameSite=Strict — another site's link or
    form never sends it — and only read-only downloads use this."""
    token = credentials.credentials if credentials else request.cookies.get(SESSION_COOKIE)
    actor = auth.authenticate_token(token)
    return actor.with_origin(client_ip(request), user_agent(request))
