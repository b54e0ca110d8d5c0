"""/api/manager: tariffs (admins edit them) and step 4's choice of a tariff for a client."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from privet_manager_app.api.deps import current_actor, current_admin
from privet_manager_app.api.openapi import raises
from privet_manager_app.api.params import MAX_INT, ClientId, Strict, TariffId
from privet_manager_app.domain.admin import tariffs
from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.inputs import Line, Percent, TariffInput, TariffPatch
from privet_manager_app.domain.views import AppliedTariffView, SurchargeView, TariffView
from privet_manager_app.domain.wizard import tariff_apply

router = APIRouter(tags=["Тарифы"])


class TariffCreateRequest(TariffInput):
    pass


class _Version(BaseModel):
    version: int | None = Field(None, ge=1, le=MAX_INT, description="редакция для блокировки")


class TariffPatchRequest(TariffPatch, _Version):  # `version` first, then the tariff's fields
    pass


class SurchargeRequest(Strict):
    tariff_id: int = Field(ge=1, le=MAX_INT)
    discount_pct: Percent | None = Field(None, description="скидка, % (не больше максимума)")
    discount_reason: Line | None = Field(None, max_length=1000)


class ApplyTariffRequest(SurchargeRequest):
    version: int | None = Field(None, ge=1, le=MAX_INT, description="версия карточки")


@router.get("/tariffs", response_model=list[TariffView], summary="Тарифы (действующие)")
def list_tariffs(
    include_inactive: bool = Query(False, description="и снятые с продажи (для админки)"),
    actor: Actor = Depends(current_actor),
) -> list[TariffView]:
    return tariffs.list_tariffs(actor, include_inactive=include_inactive)


@router.post(
    "/tariffs",
    response_model=TariffView,
    status_code=201,
    summary="Новый тариф (админ)",
    responses=raises(s409="tariff_code_taken"),
)
def create_tariff(body: TariffCreateRequest, admin: Actor = Depends(current_admin)) -> TariffView:
    return tariffs.create_tariff(admin, body)


@router.patch(
    "/tariffs/{tariff_id:int}",
    response_model=TariffView,
    summary="Изменить тариф (админ): новая редакция, прежние расчёты и договоры не меняются",
    responses=raises(s409="tariff_code_taken, stale_version"),
)
def update_tariff(
    tariff_id: TariffId, body: TariffPatchRequest, admin: Actor = Depends(current_admin)
) -> TariffView:
    return tariffs.update_tariff(admin, tariff_id, body.version, body)


@router.post(
    "/clients/{client_id:int}/tariff/preview",
    response_model=SurchargeView,
    summary="Доплата по тарифу для устройств клиента — без сохранения",
)
def preview_tariff(
    client_id: ClientId, body: SurchargeRequest, actor: Actor = Depends(current_actor)
) -> SurchargeView:
    return tariff_apply.preview_surcharge(
        actor, client_id, body.tariff_id, body.discount_pct, body.discount_reason
    )


@router.post(
    "/clients/{client_id:int}/tariff/apply",
    response_model=AppliedTariffView,
    summary="Применить тариф: расчёт доплаты сохраняется со снимком тарифа",
)
def apply_tariff(
    client_id: ClientId, body: ApplyTariffRequest, actor: Actor = Depends(current_actor)
) -> AppliedTariffView:
    return tariff_apply.apply_tariff(
        actor,
        client_id,
        body.tariff_id,
        discount_pct=body.discount_pct,
        discount_reason=body.discount_reason,
        version=body.version,
    )
