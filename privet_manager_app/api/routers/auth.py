"""/api/manager/auth: login, me, refresh, logout."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from privet_manager_app.api.deps import client_ip, current_actor, user_agent
from privet_manager_app.domain.admin import auth
from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.inputs import LoginInput
from privet_manager_app.domain.views import ManagerView

router = APIRouter(prefix="/auth", tags=["Вход"])


class LoginRequest(LoginInput):
    pass


class TokenResponse(BaseModel):
    access_token: str
    token_type: str
    expires_in: int
    manager: ManagerView


def _token_response(issued: auth.IssuedToken) -> TokenResponse:
    actor = issued.manager
    return TokenResponse(
        access_token=issued.access_token,
        token_type=issued.token_type,
        expires_in=issued.expires_in,
        manager=ManagerView(id=actor.id, email=actor.email, name=actor.name, role=actor.role),
    )


@router.post(
    "/login",
    response_model=TokenResponse,
    summary="Вход менеджера, выдаёт JWT",
    responses={
        401: {"description": "invalid_credentials: неверный email или пароль"},
        403: {"description": "account_disabled, account_locked"},
        429: {"description": "too_many_attempts: подождите Retry-After секунд"},
    },
)
def login(body: LoginRequest, request: Request) -> TokenResponse:
    issued = auth.login(body.email, body.password, client_ip(request), user_agent(request))
    return _token_response(issued)


@router.get("/me", response_model=ManagerView, summary="Профиль текущего менеджера")
def me(actor: Actor = Depends(current_actor)) -> ManagerView:
    return ManagerView(id=actor.id, email=actor.email, name=actor.name, role=actor.role)


@router.post(
    "/refresh", response_model=TokenResponse, summary="Новый токен, старый перестаёт действовать"
)
def refresh(actor: Actor = Depends(current_actor)) -> TokenResponse:
    return _token_response(auth.refresh(actor))


@router.post("/logout", status_code=204, summary="Завершить сессию")
def logout(actor: Actor = Depends(current_actor)) -> None:
    auth.logout(actor)
