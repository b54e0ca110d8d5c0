"""/api/manager/clients/{id}/contract: generate, the signing code, the PDF, confirmation.

Endpoints are sync `def`: FastAPI runs them (and the PDF rendering) in its thread pool.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from privet_manager_app.api.deps import current_actor
from privet_manager_app.api.params import ClientId, Strict
from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.views import ContractView, SignatureResult
from privet_manager_app.domain.wizard import contract as contracts
from privet_manager_app.domain.wizard import sealed_copy, signing

router = APIRouter(prefix="/clients/{client_id}/contract", tags=["Договор и подпись"])


class GenerateRequest(Strict):
    version: int | None = Field(None, ge=1, le=2**31 - 1, description="версия карточки")


class ConfirmRequest(Strict):
    code: str = Field(max_length=20, description="6 цифр, которые клиент видит в чате")
    pep_agreed: bool = Field(description="клиент согласен подписать договор ПЭП")


class Readiness(BaseModel):
    ready: bool
    missing: list[str]


class DocumentLink(BaseModel):
    url: str


@router.get("/readiness", response_model=Readiness, summary="Чего не хватает для договора")
def readiness(client_id: ClientId, actor: Actor = Depends(current_actor)) -> Readiness:
    missing = contracts.contract_readiness(actor, client_id)
    return Readiness(ready=not missing, missing=missing)


@router.get("", response_model=ContractView, summary="Текущий договор клиента")
def current(client_id: ClientId, actor: Actor = Depends(current_actor)) -> ContractView:
    return contracts.current_contract(actor, client_id)


@router.post(
    "/generate",
    response_model=ContractView,
    summary="Сформировать договор (PDF) и отправить код в чат клиента; 409 — чего не хватает",
)
def generate(
    client_id: ClientId,
    body: GenerateRequest | None = None,
    actor: Actor = Depends(current_actor),
) -> ContractView:
    return contracts.generate_contract(actor, client_id, body.version if body else None)


@router.post(
    "/resend-otp",
    response_model=ContractView,
    summary="Новый код (не чаще раза в минуту, не больше 5 на договор; 429 с retry_after)",
)
def resend_otp(client_id: ClientId, actor: Actor = Depends(current_actor)) -> ContractView:
    return contracts.resend_otp(actor, client_id)


def _link(url: str, redirect: bool):
    return RedirectResponse(url, status_code=307) if redirect else DocumentLink(url=url)


@router.get(
    "/pdf",
    summary="PDF договора: переход по короткоживущей подписанной ссылке (?redirect=false — JSON)",
    responses={307: {"description": "на подписанную ссылку"}, 200: {"model": DocumentLink}},
)
def pdf(
    client_id: ClientId,
    redirect: bool = Query(True),
    actor: Actor = Depends(current_actor),
):
    return _link(contracts.contract_pdf_url(actor, client_id), redirect)


@router.get(
    "/certificate",
    summary="Лист подписания (сертификат ПЭП) подписанного договора",
    responses={307: {"description": "на подписанную ссылку"}, 200: {"model": DocumentLink}},
)
def certificate(
    client_id: ClientId,
    redirect: bool = Query(True),
    actor: Actor = Depends(current_actor),
):
    return _link(contracts.certificate_url(actor, client_id), redirect)


class _Error(BaseModel):
    detail: str
    code: str


_COPY_RESPONSES = {
    307: {"description": "на подписанную короткоживущую ссылку"},
    200: {"model": sealed_copy.SignedCopyView},
    401: {"model": _Error, "description": "not_authenticated"},
    403: {"model": _Error, "description": "documents_forbidden: клиента ведёт другой менеджер"},
    404: {"model": _Error, "description": "client_not_found, signed_copy_not_found"},
    409: {"model": _Error, "description": "original_mismatch: файл договора в хранилище изменён"},
    503: {
        "model": _Error,
        "description": "signed_copy_pending (Retry-After), signed_copy_unavailable, "
        "storage_unavailable",
    },
}


@router.get(
    "/signed-copy",
    summary="Заверенная копия (договор + лист подписания + заверение, печать организации)",
    responses=_COPY_RESPONSES,
)
def signed_copy(
    client_id: ClientId,
    redirect: bool = Query(True),
    actor: Actor = Depends(current_actor),
):
    view = sealed_copy.signed_copy(actor, client_id)
    return RedirectResponse(view.url, status_code=307) if redirect else view


@router.post(
    "/confirm",
    response_model=SignatureResult,
    summary="Подписать: код из чата клиента + согласие на ПЭП (422 otp_invalid с attempts_left)",
)
def confirm(
    client_id: ClientId, body: ConfirmRequest, actor: Actor = Depends(current_actor)
) -> SignatureResult:
    return signing.confirm_signature(actor, client_id, body.code, body.pep_agreed)
