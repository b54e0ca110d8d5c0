"""Signing by the code the client reads out (ПЭП): the client's consent, the code, the trace.

Two acts, recorded one after the other: the manager ticks that the client agrees to sign by
ПЭП (`record_consent` — `pep_agreed_at`, its own request), then types the code the client reads
out (`confirm_signature` — `signed_at`). A REST confirm that arrives with `pep_agreed: true` and
no consent recorded before records the consent at its receipt, before the code is compared.

Every compared code goes to the guess ledger (otp_budget.py): the client's wrong-code budget and
the per-IP throttle are checked before the outcome is used, in the same transaction that counts
it.
The certificate is made after the signing commits (certificate.py), never inside it.

The trace itself (canonical JSON, HMAC) is `signature.py`.
"""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa
from sqlmodel import Session

from privet_manager_app.domain.clients.access import check_assignee, lock_client, mark_changed
from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.common.clock import moscow_text, utcnow
from privet_manager_app.domain.common.errors import Conflict, DomainError, ValidationFailed
from privet_manager_app.domain.common.money import format_rub, plural
from privet_manager_app.domain.history import audit
from privet_manager_app.domain.history.journal import log_event
from privet_manager_app.domain.views import ConsentView, SignatureResult
from privet_manager_app.domain.wizard import certificate, otp, otp_budget, sealed_copy
from privet_manager_app.domain.wizard.contract import (
    contract_view,
    pending_contract,
    signed_contract,
)
from privet_manager_app.domain.wizard.contract_text import SIGNING_CHANNEL, moscow_time
from privet_manager_app.domain.wizard.signature import (  # noqa: F401 - the trace's API, here too
    canonical_json,
    iso_utc,
    signature_hmac,
    signature_payload,
)
from privet_manager_app.domain.wizard.support_chat import MessageType, post_to_client
from privet_manager_app.infra.db import transaction
from privet_manager_app.infra.storage import get_storage
from privet_manager_app.schema.enums import ClientStatus, ContractStatus
from privet_manager_app.schema.tables import ManagerClient, ManagerContract
from privet_manager_app.settings import get_settings

_CODE_INPUT = re.compile(r"^\d{6}$")
CONSENT_REQUIRED = "Отметьте, что клиент согласен подписать договор простой электронной подписью"


def _attempts(count: int) -> str:
    return f"{count} {plural(count, 'неверной попытки', 'неверных попыток', 'неверных попыток')}"


def _clean_code(code: str | None) -> str:
    cleaned = re.sub(r"[\s\-]", "", code or "")
    if not _CODE_INPUT.match(cleaned):
        message = "Код — 6 цифр из сообщения в чате «Привет Супер»"
        raise ValidationFailed("otp_format", message, fields={"code": message})
    return cleaned


def _contract_to_sign(session: Session, actor: Actor, client_id: int, *, guess: bool = False):
    """The client (row locked, the actor may act) and its contract waiting for the code. For a
    guess, the client's guess ledger is locked before the contract is read: what the checks
    see is what the count will see."""
    client = lock_client(session, client_id)
    check_assignee(session, actor, client)
    if guess:
        otp_budget.lock_guesses(session, client.id)
    contract = pending_contract(session, client.id)
    if contract is None:
        if signed_contract(session, client.id) is not None:
            raise Conflict("already_signed", "Договор уже подписан: код повторно не принимается")
        raise Conflict(
            "no_contract_to_sign", "Нет договора, ожидающего подписи: сформируйте договор"
        )
    return client, contract


# ---- Consent --------------------------------------------------------------------------------


def record_consent(actor: Actor, client_id: int, agreed: bool) -> ConsentView:
    """The manager ticks (or unticks) «Клиент согласен подписать договор ПЭП»: the moment is
    the consent's, recorded now — before any code is checked (audited)."""
    with transaction() as session:
        client, contract = _contract_to_sign(session, actor, client_id)
        now = utcnow()
        if agreed and contract.pep_agreed_at is None:
            _consent(session, actor, client, contract, now)
        elif not agreed and contract.pep_agreed_at is not None:
            _set_agreed_at(session, actor, client, contract, now, None)
        return ConsentView(
            contract_number=contract.number,
            pep_agreed=contract.pep_agreed_at is not None,
            pep_agreed_at=contract.pep_agreed_at,
        )


def _set_agreed_at(
    session: Session,
    actor: Actor,
    client: ManagerClient,
    contract: ManagerContract,
    now: dt.datetime,
    agreed_at: dt.datetime | None,
) -> None:
    """The consent's time on the contract (None: withdrawn), audited as given or withdrawn."""
    before = contract.pep_agreed_at
    contract.pep_agreed_at = agreed_at
    contract.updated_at = now
    session.add(contract)
    audit.record(
        session,
        actor,
        "pep_consent_given" if agreed_at is not None else "pep_consent_withdrawn",
        "contract",
        contract.id,
        client_id=client.id,
        changes={
            "pep_agreed_at": {
                "before": None if before is None else iso_utc(before),
                "after": None if agreed_at is None else iso_utc(agreed_at),
            }
        },
    )


def _consent(
    session: Session,
    actor: Actor,
    client: ManagerClient,
    contract: ManagerContract,
    now: dt.datetime,
) -> None:
    _set_agreed_at(session, actor, client, contract, now, now)
    log_event(
        session,
        client.id,
        actor,
        f"Клиент согласился подписать договор {contract.number} простой электронной подписью "
        f"({moscow_text(now)} МСК)",
    )


# ---- The code -------------------------------------------------------------------------------


def confirm_signature(actor: Actor, client_id: int, code: str, pep_agreed: bool) -> SignatureResult:
    """The manager types the code the client reads out; the right code signs the contract.

    A wrong code is counted in a committed transaction, then refused: the error must not roll
    the attempt back, or guessing would be free.
    """
    if pep_agreed is not True:
        raise ValidationFailed(
            "pep_consent_required", CONSENT_REQUIRED, fields={"pep_agreed": CONSENT_REQUIRED}
        )
    code = _clean_code(code)
    settings = get_settings()
    refusal: DomainError | None = None
    with transaction() as session:
        client, contract = _contract_to_sign(session, actor, client_id, guess=True)
        now = utcnow()
        otp_budget.check_client(session, client.id, now)
        if contract.otp_hash is None or contract.otp_attempts >= settings.OTP_MAX_ATTEMPTS:
            raise _exhausted()
        if contract.otp_expires_at is None or contract.otp_expires_at <= now:
            raise ValidationFailed(
                "otp_expired",
                "Срок действия кода истёк. Отправьте клиенту новый код",
                extra={"attempts_left": 0},
            )
        right = otp.code_matches(code, contract.id, contract.otp_hash)
        otp_budget.check_ip(session, actor.ip, now, wrong=not right)  # refused either way
        if contract.pep_agreed_at is None:  # consent arrives with the code: recorded first
            _consent(session, actor, client, contract, now)
        if right:
            otp_budget.count_guess(session, actor, client.id, contract.id, wrong=False, now=now)
            result = _sign(session, actor, client, contract, now)
        else:
            refusal = _count_wrong_attempt(session, actor, client, contract, now)
    if refusal is not None:
        raise refusal
    result = _after_signing(contract, result)
    sealed_copy.after_signing(actor, client_id)  # committed: the sealed copy is made outside
    return result


def _after_signing(contract: ManagerContract, result: SignatureResult) -> SignatureResult:
    """After the signing commit, outside any transaction: the documents made from the signed
    row. The signature stands whatever happens here; each document is best effort now and is
    made again on its first request (a document made after the commit hooks in here)."""
    key = certificate.issue_after_signing(contract.id)
    if key:
        result.certificate_url = get_storage().download_url(
            key, filename=certificate.certificate_filename(contract)
        )
    return result


def _exhausted() -> ValidationFailed:
    return ValidationFailed(
        "otp_exhausted",
        f"Код заблокирован после {_attempts(get_settings().OTP_MAX_ATTEMPTS)}. "
        "Отправьте клиенту новый код",
        extra={"attempts_left": 0},
    )


def _count_wrong_attempt(
    session: Session,
    actor: Actor,
    client: ManagerClient,
    contract: ManagerContract,
    now: dt.datetime,
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
    lock = otp_budget.count_guess(session, actor, client.id, contract.id, wrong=True, now=now)
    code_left = max(0, settings.OTP_MAX_ATTEMPTS - contract.otp_attempts)
    if code_left == 0:
        contract.otp_hash = None  # dead: only a new code can sign now
    contract.updated_at = now
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
    attempts_left = min(code_left, lock.attempts_left)
    extra: dict = {"attempts_left": attempts_left}
    if lock.locked:
        message = "Неверный код. " + otp_budget.locked_message(lock)
        extra["unlocks_at"] = lock.unlocks_at.isoformat()
    elif attempts_left:
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
    return ValidationFailed("otp_invalid", message, fields={"code": message}, extra=extra)


def _sign(
    session: Session,
    actor: Actor,
    client: ManagerClient,
    contract: ManagerContract,
    now: dt.datetime,
) -> SignatureResult:
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
    contract.signed_by = actor.id
    contract.signer_ip = actor.ip
    contract.signer_user_agent = actor.user_agent
    contract.otp_hash = None  # single use
    contract.signature_hmac = signature_hmac(signature_payload(contract, client.user_id))
    contract.updated_at = now
    session.add(contract)

    snapshot = contract.data_snapshot
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
    client.first_signed_at = (
        client.first_signed_at or now
    )  # the dashboard's median; a reopen keeps it
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
        certificate_url=None,  # made after this commit
        pdf_url=view.pdf_url,
        surcharge=contract.surcharge,
        pep_agreed_at=contract.pep_agreed_at,
    )
