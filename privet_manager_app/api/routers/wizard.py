"""/api/manager/clients/{id}: claim, step 1 «Данные», step 2 «Паспорт»; admin reassignment.

Endpoints are sync `def`: FastAPI runs them in its thread pool, off the event loop.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import Field

from privet_manager_app.api.deps import current_actor, current_admin
from privet_manager_app.api.openapi import raises
from privet_manager_app.api.params import MAX_INT, ClientId, Strict, Version
from privet_manager_app.domain.clients import claims
from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.common.errors import NotFound
from privet_manager_app.domain.inputs import PassportInput, ProfileInput
from privet_manager_app.domain.views import ClientCard
from privet_manager_app.domain.wizard import passport as passports
from privet_manager_app.domain.wizard import profile

router = APIRouter(tags=["Мастер: шаги 1–2"])


class ProfileRequest(ProfileInput):
    version: Version


class PassportRequest(PassportInput):
    version: Version


class ReassignRequest(Strict):
    manager_id: int = Field(ge=1, le=MAX_INT)
    version: Version | None = None


@router.post(
    "/clients/{client_id:int}/claim",
    response_model=ClientCard,
    summary="Взять клиента в работу (409 already_claimed, если уже взяли)",
)
def claim(client_id: ClientId, actor: Actor = Depends(current_actor)) -> ClientCard:
    return claims.claim_client(actor, client_id)


@router.patch(
    "/clients/{client_id:int}/profile",
    response_model=profile.ProfileView,
    summary="Шаг 1: имя, телефон, email, адрес регистрации",
)
def update_profile(
    client_id: ClientId, body: ProfileRequest, actor: Actor = Depends(current_actor)
) -> profile.ProfileView:
    return profile.update_profile(actor, client_id, body, version=body.version)


@router.get(
    "/clients/{client_id:int}/passport",
    response_model=passports.PassportResult,
    summary="Шаг 2: паспорт полностью (для формы; только ответственный или админ)",
    responses=raises(s409="not_claimed: клиент ещё не взят в работу"),
)
def get_passport(
    client_id: ClientId, actor: Actor = Depends(current_actor)
) -> passports.PassportResult:
    result = passports.full_passport(actor, client_id)
    if result is None:
        raise NotFound("passport_not_found", "Паспорт ещё не заполнен")
    return result


@router.put(
    "/clients/{client_id:int}/passport",
    response_model=passports.PassportResult,
    summary="Шаг 2: сохранить паспорт (warnings: passport_expired, passport_duplicate)",
)
def save_passport(
    client_id: ClientId, body: PassportRequest, actor: Actor = Depends(current_actor)
) -> passports.PassportResult:
    return passports.save_passport(actor, client_id, body, version=body.version)


@router.post(
    "/admin/clients/{client_id:int}/reassign",
    response_model=ClientCard,
    summary="Админ: передать клиента другому менеджеру",
)
def reassign(
    client_id: ClientId, body: ReassignRequest, actor: Actor = Depends(current_admin)
) -> ClientCard:
    return claims.reassign_client(actor, client_id, body.manager_id, version=body.version)
