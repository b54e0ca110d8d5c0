"""/api/manager/admin: manager accounts and the dashboard (admins only, `current_admin`).

Sync `def` endpoints: FastAPI runs them in its thread pool (bcrypt and SQL off the event loop).
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query
from pydantic import Field

from privet_manager_app.api.deps import current_admin
from privet_manager_app.api.openapi import raises
from privet_manager_app.api.params import MAX_INT, ClientId, ManagerId, Strict
from privet_manager_app.domain.admin import dashboard, managers
from privet_manager_app.domain.clients import reopen
from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.inputs import Line, Text
from privet_manager_app.domain.views import ClientCard, SigningLockView
from privet_manager_app.domain.wizard import otp_budget

router = APIRouter(prefix="/admin", tags=["Администрирование"])


class NewManagerRequest(Strict):
    email: Line = Field(max_length=255)
    name: Line = Field(max_length=1000)
    password: Line = Field(max_length=1000)
    role: Literal["manager", "admin"] = "manager"


class ManagerPatch(Strict):
    role: Literal["manager", "admin"] | None = None
    is_active: bool | None = None
    name: Line | None = Field(None, max_length=1000)


class PasswordReset(Strict):
    password: Line = Field(max_length=1000)


class ReopenRequest(Strict):
    reason: Text = Field(max_length=1000)
    version: int | None = Field(None, ge=1, le=MAX_INT)


@router.post(
    "/clients/{client_id:int}/reopen",
    response_model=ClientCard,
    summary="Переоткрыть подписанное дело (причина обязательна); дальше — новая версия договора",
)
def reopen_client(
    client_id: ClientId,
    body: ReopenRequest,
    actor: Actor = Depends(current_admin),
) -> ClientCard:
    return reopen.reopen_client(actor, client_id, body.reason, version=body.version)


class UnlockRequest(Strict):
    reason: str = Field(max_length=1000, description="почему подписание разблокировано")


@router.post(
    "/clients/{client_id:int}/signing-unlock",
    response_model=SigningLockView,
    summary="Разблокировать подписание клиента после исчерпания лимита неверных кодов "
    "(причина обязательна, пишется в аудит)",
    responses=raises(
        s401="not_authenticated",
        s403="admin_only",
        s404="client_not_found",
        s409="signing_not_locked",
        s422="unlock_reason_required, validation_error",
        s503="database_unavailable",
    ),
)
def unlock_signing(
    client_id: ClientId, body: UnlockRequest, actor: Actor = Depends(current_admin)
) -> SigningLockView:
    return otp_budget.unlock_signing(actor, client_id, body.reason)


@router.get(
    "/managers",
    response_model=list[managers.ManagerAccount],
    summary="Менеджеры и сколько клиентов у каждого в работе",
)
def list_managers(actor: Actor = Depends(current_admin)) -> list[managers.ManagerAccount]:
    return managers.list_managers(actor)


@router.post(
    "/managers",
    response_model=managers.ManagerAccount,
    status_code=201,
    summary="Создать менеджера (409 email_taken)",
    responses=raises(s409="email_taken"),
)
def create_manager(
    body: NewManagerRequest, actor: Actor = Depends(current_admin)
) -> managers.ManagerAccount:
    return managers.create_manager(
        actor, email=body.email, name=body.name, password=body.password, role=body.role
    )


@router.patch(
    "/managers/{manager_id:int}",
    response_model=managers.ManagerAccount,
    summary="Роль, имя, отключение/включение (409 last_admin, cannot_deactivate_self)",
    responses=raises(s409="last_admin, cannot_deactivate_self"),
)
def update_manager(
    manager_id: ManagerId, body: ManagerPatch, actor: Actor = Depends(current_admin)
) -> managers.ManagerAccount:
    return managers.update_manager(
        actor, manager_id, role=body.role, is_active=body.is_active, name=body.name
    )


@router.post(
    "/managers/{manager_id:int}/reset-password",
    response_model=managers.ManagerAccount,
    summary="Задать новый пароль; сессии менеджера завершаются",
)
def reset_password(
    manager_id: ManagerId, body: PasswordReset, actor: Actor = Depends(current_admin)
) -> managers.ManagerAccount:
    return managers.reset_password(actor, manager_id, body.password)


@router.post(
    "/managers/{manager_id:int}/unlock",
    response_model=managers.ManagerAccount,
    summary="Снять блокировку входа после многих неудачных попыток (пишется в аудит)",
)
def unlock_login(
    manager_id: ManagerId, actor: Actor = Depends(current_admin)
) -> managers.ManagerAccount:
    return managers.unlock_login(actor, manager_id)


@router.get(
    "/dashboard",
    response_model=dashboard.Dashboard,
    summary="Воронка, обработанные по дням, загрузка менеджеров, медиана «взят → подписан»",
)
def get_dashboard(
    days: int = Query(dashboard.DEFAULT_DAYS, ge=7, le=90, description="дней в графике"),
    actor: Actor = Depends(current_admin),
) -> dashboard.Dashboard:
    return dashboard.get_dashboard(actor, days=days)
