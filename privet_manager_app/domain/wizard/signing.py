"""Confirming the signature: the code the client reads out, and the ПЭП trace kept as evidence.

signature_hmac = HMAC-SHA256(CONTRACT_SIGNATURE_SECRET, canonical JSON of {contract_number,
user_id, pdf_sha256, otp_message_id, signed_at, ip, user_agent}); canonical = keys sorted, no
spaces, UTF-8 without escaping, signed_at as ISO 8601 UTC with microseconds. Anyone holding the
key can recompute it from the stored row; the certificate PDF prints the exact string.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from privet_manager_app.domain.clients.access import check_assignee, lock_client, mark_changed
from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.common.clock import utcnow
from privet_manager_app.domain.common.errors import Conflict, DomainError, ValidationFailed
from privet_manager_app.domain.common.money import format_rub, plural
from privet_manager_app.domain.history import audit
from privet_manager_app.domain.history.journal import log_event
from privet_manager_app.domain.views import SignatureResult
from privet_manager_app.domain.wizard import otp, sealed_copy
from privet_manager_app.domain.wizard.contract import (
    PDF_CONTENT_TYPE,
    contract_view,
    pending_contract,
    signed_contract,
)
from privet_manager_app.domain.wizard.contract_text import (
    SIGNING_CHANNEL,
    certificate_document,
    moscow_time,
    signer_identity,
)
from privet_manager_app.domain.wizard.support_chat import MessageType, post_to_client
from privet_manager_app.infra import pdf
from privet_manager_app.infra.db import transaction
from privet_manager_app.infra.storage import get_storage, new_key
from privet_manager_app.schema.enums import ClientStatus, ContractStatus
from privet_manager_app.schema.tables import ManagerClient, ManagerContract
from privet_manager_app.settings import get_settings

_CODE_INPUT = re.compile(r"^\d{6}$")


def _attempts(count: int) -> str:
    return f"{count} {plural(count, 'неверной попытки', 'неверных попыток', 'неверных попыток')}"


def canonical_json(payload: dict[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def iso_utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def signature_payload(contract: ManagerContract, user_id: int) -> dict[str, Any]:
    return {
        "contract_number": contract.number,
        "user_id": user_id,
        "pdf_sha256": contract.pdf_sha256,
        "otp_message_id": contract.otp_support_message_id,
        "signed_at": iso_utc(contract.signed_at),
        "ip": contract.signer_ip,
        "user_agent": contract.signer_user_agent,
    }


def signature_hmac(payload: dict[str, Any]) -> str:
    key = get_settings().CONTRACT_SIGNATURE_SECRET.encode()
    return hmac.new(key, canonical_json(payload).encode("utf-8"), hashlib.sha256).hexdigest()


def _clean_code(code: str | None) -> str:
    cleaned = re.sub(r"[\s\-]", "", code or "")
    if not _CODE_INPUT.match(cleaned):
        message = "Код — 6 цифр из сообщения в чате «Привет Супер»"
        raise ValidationFailed("otp_format", message, fields={"code": message})
    return cleaned


def confirm_signature(actor: Actor, client_id: int, code: str, pep_agreed: bool) -> SignatureResult:
    """The manager types the code the client reads out; the right code signs the contract.

    A wrong code is counted in a committed transaction, then refused: the error must not roll
    the attempt back, or guessing would be free.
    """
    if pep_agreed is not True:
        message = "Отметьте, что клиент согласен подписать договор простой электронной подписью"
        raise ValidationFailed("pep_consent_required", message, fields={"pep_agreed": message})
    code = _clean_code(code)
    settings = get_settings()
    refusal: DomainError | None = None
    signed: SignatureResult | None = None
    with transaction() as session:
        client = lock_client(session, client_id)
        check_assignee(session, actor, client)
        contract = pending_contract(session, client.id)
        if contract is None:
            if signed_contract(session, client.id) is not None:
                raise Conflict(
                    "already_signed", "Договор уже подписан: код повторно не принимается"
                )
            raise Conflict(
                "no_contract_to_sign", "Нет договора, ожидающего подписи: сформируйте договор"
            )
        now = utcnow()
        if contract.otp_hash is None or contract.otp_attempts >= settings.OTP_MAX_ATTEMPTS:
            raise _exhausted()
        if contract.otp_expires_at is None or contract.otp_expires_at <= now:
            raise ValidationFailed(
                "otp_expired",
                "Срок действия кода истёк. Отправьте клиенту новый код",
                extra={"attempts_left": 0},
            )
        if otp.code_matches(code, contract.id, contract.otp_hash):
            signed = _sign(session, actor, client, contract, now)
        else:
            refusal = _count_wrong_attempt(session, actor, client, contract)
    if signed is None:
        raise refusal
    sealed_copy.after_signing(actor, client_id)  # committed: the sealed copy is made outside
    return signed


def _exhausted() -> ValidationFailed:
    return ValidationFailed(
        "otp_exhausted",
        f"Код заблокирован после {_attempts(get_settings().OTP_MAX_ATTEMPTS)}. "
        "Отправьте клиенту новый код",
        extra={"attempts_left": 0},
    )


def _count_wrong_attempt(
    session: Session, actor: Actor, client: ManagerClient, contract: ManagerContract
) -> ValidationFailed:
    settings = get_settings()
    # Counted by the database, and only while attempts are left: parallel wrong codes can
    # never be counted twice as one, nor one past the limit.
    counted = session.execute(
        sa.update(ManagerContract)
        .where(
            ManagerContract.id == contract.id,
            ManagerContract.otp_hash.is_not(None),
            ManagerContract.otp_attempts < settings.OTP_MAX_ATTEMPTS,
        )
        .values(otp_attempts=ManagerContract.otp_attempts + 1)
        .returning(ManagerContract.otp_attempts)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if counted is None:  # a parallel request spent the last attempt
        return _exhausted()
    contract.otp_attempts = counted  # the row is ours until commit: this is its value
    attempts_left = max(0, settings.OTP_MAX_ATTEMPTS - contract.otp_attempts)
    if attempts_left == 0:
        contract.otp_hash = None  # dead: only a new code can sign now
    contract.updated_at = utcnow()
    session.add(contract)
    audit.record(
        session,
        actor,
        "otp_failed",
        "contract",
        contract.id,
        client_id=client.id,
        changes={
            "otp_attempts": {"before": contract.otp_attempts - 1, "after": contract.otp_attempts}
        },
    )
    if attempts_left:
        message = f"Неверный код. Осталось попыток: {attempts_left}"
    else:
        message = "Неверный код. Попытки исчерпаны — отправьте клиенту новый код"
        log_event(
            session,
            client.id,
            actor,
            f"Код подписания договора {contract.number} заблокирован после "
            f"{_attempts(settings.OTP_MAX_ATTEMPTS)}",
        )
    return ValidationFailed(
        "otp_invalid", message, fields={"code": message}, extra={"attempts_left": attempts_left}
    )


def _sign(
    session: Session,
    actor: Actor,
    client: ManagerClient,
    contract: ManagerContract,
    now: dt.datetime,
) -> SignatureResult:
    failed_attempts = contract.otp_attempts
    # «Waiting for this code» → «signed» in one conditional statement: of requests that got
    # past the checks at once (were the client's row lock ever missing), exactly one signs.
    claimed = session.execute(
        sa.update(ManagerContract)
        .where(
            ManagerContract.id == contract.id,
            ManagerContract.status == ContractStatus.OTP_SENT,
            ManagerContract.otp_hash == contract.otp_hash,
        )
        .values(status=ContractStatus.SIGNED, signed_at=now, otp_hash=None, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise Conflict("already_signed", "Договор уже подписан: код повторно не принимается")
    contract.status = ContractStatus.SIGNED
    contract.signed_at = now
    contract.pep_agreed_at = now  # the consent box is checked in this very request
    contract.signer_ip = actor.ip
    contract.signer_user_agent = actor.user_agent
    contract.otp_hash = None  # single use
    payload = signature_payload(contract, client.user_id)
    contract.signature_hmac = signature_hmac(payload)

    snapshot = contract.data_snapshot
    evidence = {
        **payload,
        **signer_identity(snapshot),
        "signature_hmac": contract.signature_hmac,
        "canonical_json": canonical_json(payload),
        "contract_date": snapshot["contract_date"],
        "city": snapshot["city"],
        "company_name": snapshot["company"]["name"],
        "amount": str(contract.surcharge),
        "otp_sent_at": iso_utc(contract.otp_sent_at),
        "pep_agreed_at": iso_utc(contract.pep_agreed_at),
        "otp_send_count": contract.otp_send_count,
        "otp_failed_attempts": failed_attempts,
        "manager_name": actor.name,
        "manager_email": actor.email,
        "verify_url": snapshot["verify_url"],
    }
    certificate = pdf.render(certificate_document(evidence))
    contract.certificate_key = new_key(f"contracts/{client.id}", ".pdf")
    get_storage().put(contract.certificate_key, certificate, PDF_CONTENT_TYPE)
    contract.updated_at = now
    session.add(contract)

    nothing_to_pay = contract.surcharge == 0
    amount_text = format_rub(contract.surcharge)
    tail = (
        "Доплата не требуется."
        if nothing_to_pay
        else f"Сумма доплаты: {amount_text}. Менеджер подскажет, как её внести."
    )
    post_to_client(
        session,
        client.user_id,
        f"Договор {contract.number} подписан простой электронной подписью "
        f"{moscow_time(now)}. {tail}",
        {
            "type": MessageType.CONTRACT_SIGNED,
            "contract_number": contract.number,
            "signed_at": iso_utc(now),
            "amount": str(contract.surcharge),
            "currency": "RUB",
            "pdf_sha256": contract.pdf_sha256,
            "verify_url": snapshot["verify_url"],
            "signed_copy_url": sealed_copy.client_link(contract.id),
        },
    )
    before_status = client.status
    client.status = ClientStatus.PROCESSED if nothing_to_pay else ClientStatus.SIGNED
    if nothing_to_pay:
        client.processed_at = now
    mark_changed(session, client, supersede_contract=False)
    audit.record(
        session,
        actor,
        "contract_signed",
        "contract",
        contract.id,
        client_id=client.id,
        changes={
            "status": {"before": before_status, "after": client.status},
            "signature_hmac": {"before": None, "after": contract.signature_hmac},
        },
    )
    log_event(
        session,
        client.id,
        actor,
        f"Договор {contract.number} подписан клиентом (ПЭП, {SIGNING_CHANNEL})"
        + ("; доплата не требуется — клиент обработан" if nothing_to_pay else ""),
    )
    view = contract_view(contract, client, actor)
    return SignatureResult(
        status=client.status,
        number=contract.number,
        signed_at=contract.signed_at,
        pdf_sha256=contract.pdf_sha256,
        signature_hmac=contract.signature_hmac,
        certificate_url=view.certificate_url,
        pdf_url=view.pdf_url,
        surcharge=contract.surcharge,
    )
