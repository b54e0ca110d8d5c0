"""/api/manager/clients/{id}/contract: generate, the signing code, the PDF, confirmation.

Endpoints are sync `def`: FastAPI runs them (and the PDF rendering) in its thread pool.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from privet_manager_app.api.deps import current_actor
from privet_manager_app.api.openapi import raises
from privet_manager_app.api.params import ClientId, Strict
from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.inputs import Line
from privet_manager_app.domain.views import ConsentView, ContractView, SignatureResult
from privet_manager_app.domain.wizard import certificate as certificates
from privet_manager_app.domain.wizard import contract as contracts
from privet_manager_app.domain.wizard import sealed_copy, signing

router = APIRouter(prefix="/clients/{client_id:int}/contract", tags=["Договор и подпись"])


class GenerateRequest(Strict):
    version: int | None = Field(None, ge=1, le=2**31 - 1, description="версия карточки")


class ConfirmRequest(Strict):
    code: Line = Field(max_length=20, description="6 цифр, которые клиент видит в чате")
    pep_agreed: bool = Field(description="клиент согласен подписать договор ПЭП")


class ConsentRequest(Strict):
    pep_agreed: bool = Field(
        description="true — клиент согласен подписать договор ПЭП (время согласия записывается "
        "сейчас, до ввода кода); false — снять отметку"
    )


def _errors(**described: str) -> dict:
    """The statuses a route answers besides 200: the ones every contract route shares, then
    its own (api/openapi.py gives each the shared error body)."""
    common = {
        "s401": "not_authenticated",
        "s403": "not_assignee: клиента ведёт другой менеджер",
        "s404": "client_not_found",
        "s503": "storage_unavailable | database_unavailable (Retry-After)",
    }
    return raises(**{**common, **described})


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
    responses=_errors(
        s409="contract_not_ready (missing), stale_version, client_frozen, "
        "contract_generation_in_progress, not_claimed",
        s422="validation_error",
        s429="otp_resend_too_soon (новый договор — как повторная отправка кода), otp_locked "
        "(лимит неверных кодов клиента, unlocks_at)",
    ),
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
    responses=_errors(
        s409="no_contract_to_sign, not_claimed",
        s429="otp_resend_too_soon, otp_send_limit, otp_locked",
    ),
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
    responses={
        307: {"description": "на подписанную ссылку"},
        200: {"model": DocumentLink},
        **_errors(s404="client_not_found, certificate_not_found", s422="validation_error"),
    },
)
def certificate(
    client_id: ClientId,
    redirect: bool = Query(True),
    actor: Actor = Depends(current_actor),
):
    return _link(certificates.certificate_url(actor, client_id), redirect)


@router.post(
    "/consent",
    response_model=ConsentView,
    summary="Согласие клиента на ПЭП: отметка «Клиент согласен…» — своё действие со своим "
    "временем, до ввода кода",
    responses=_errors(
        s409="no_contract_to_sign, already_signed, not_claimed", s422="validation_error"
    ),
)
def consent(
    client_id: ClientId, body: ConsentRequest, actor: Actor = Depends(current_actor)
) -> ConsentView:
    return signing.record_consent(actor, client_id, body.pep_agreed)


_COPY_RESPONSES = {
    307: {"description": "на подписанную короткоживущую ссылку"},
    200: {"model": sealed_copy.SignedCopyView},
    **raises(
        s401="not_authenticated",
        s403="documents_forbidden: клиента ведёт другой менеджер",
        s404="client_not_found, signed_copy_not_found",
        s409="original_mismatch: файл договора в хранилище изменён",
        s503="signed_copy_pending (Retry-After), signed_copy_unavailable, storage_unavailable",
    ),
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
    responses=_errors(
        s409="no_contract_to_sign, already_signed, not_claimed",
        s422="otp_invalid (attempts_left, unlocks_at), otp_exhausted, otp_expired, otp_format, "
        "pep_consent_required, validation_error",
        s429="otp_locked (лимит неверных кодов клиента исчерпан: unlocks_at), otp_ip_throttled "
        "(слишком много неверных кодов с этого IP: retry_after_seconds)",
    ),
)
def confirm(
    client_id: ClientId, body: ConfirmRequest, actor: Actor = Depends(current_actor)
) -> SignatureResult:
    return signing.confirm_signature(actor, client_id, body.code, body.pep_agreed)
