"""The contract: readiness, generation (number, data snapshot, PDF, signing code), the code's
resend, and what the card shows about it.

A number is taken in a short transaction of its own (the counter row is locked for
milliseconds); the PDF is rendered and stored after that commit, outside any transaction; the
contract is issued in a second short one. Numbers stay consecutive: one whose generation fails
is recorded void with the reason (`manager_number_reservations`), never silently skipped.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
import re
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import object_session
from sqlmodel import Session, select

from privet_manager_app.domain.clients.access import (
    check_assignee,
    client_for_change,
    is_frozen,
    is_holder,
    lock_client,
    mark_changed,
    supersede_unsigned,
)
from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.common.clock import moscow_today, utcnow
from privet_manager_app.domain.common.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    ServiceUnavailable,
    TooManyAttempts,
    ValidationFailed,
)
from privet_manager_app.domain.common.rows import find_client
from privet_manager_app.domain.history import audit, passport_reads
from privet_manager_app.domain.history.journal import log_event
from privet_manager_app.domain.inputs import AddressInput
from privet_manager_app.domain.views import ContractView, SigningLockView
from privet_manager_app.domain.wizard import otp, otp_budget, passport_vault
from privet_manager_app.domain.wizard.contract_text import contract_document
from privet_manager_app.domain.wizard.device_categories import category_label
from privet_manager_app.domain.wizard.devices import remove_objects
from privet_manager_app.domain.wizard.numbering import CONTRACT_PREFIX, next_number
from privet_manager_app.domain.wizard.phones import normalize_russian_phone
from privet_manager_app.domain.wizard.tariff_apply import current_applied_row, is_stale
from privet_manager_app.domain.wizard.tariff_formula import TariffParams
from privet_manager_app.infra import pdf
from privet_manager_app.infra.db import transaction
from privet_manager_app.infra.storage import get_storage, new_key
from privet_manager_app.schema.client_app import ClientUser
from privet_manager_app.schema.enums import (
    CONTRACT_STATUS_LABELS,
    ClientStatus,
    ContractStatus,
    NumberStatus,
)
from privet_manager_app.schema.tables import (
    ManagerClient,
    ManagerClientTariff,
    ManagerContract,
    ManagerDevice,
    ManagerDevicePhoto,
    ManagerNumberReservation,
    UserPassport,
)
from privet_manager_app.settings import Settings, get_settings

logger = logging.getLogger(__name__)

SNAPSHOT_SCHEMA = 1
PDF_CONTENT_TYPE = "application/pdf"


# ---- Readiness ----------------------------------------------------------------------------------


def _device_title(device: ManagerDevice) -> str:
    return f"{device.brand} {device.model}".strip() or category_label(device.category)


@dataclasses.dataclass(frozen=True)
class ContractData:
    """Everything a contract is made of, read once for the check and the snapshot."""

    client: ManagerClient
    user: ClientUser | None
    passport: UserPassport | None
    devices: list[ManagerDevice]
    photo_counts: dict[int, int]
    applied: ManagerClientTariff | None

    def missing(self) -> list[str]:
        """What is still missing before a contract can be generated (Russian, for the manager)."""
        missing = []
        if self.user is None or not (self.user.name or "").strip():
            missing.append("имя клиента")
        try:
            normalize_russian_phone(self.user.phone if self.user else "")
        except ValidationFailed:
            missing.append("телефон клиента")
        if not (self.client.registration_address or "").strip():
            missing.append("адрес регистрации")
        if self.passport is None:
            missing.append("паспортные данные")
        if not self.devices:
            missing.append("хотя бы одно устройство")
        else:
            without = [
                _device_title(device)
                for device in self.devices
                if not self.photo_counts.get(device.id)
            ]
            if without:
                missing.append("фото устройств: " + ", ".join(without))
        if self.applied is None:
            missing.append("выбранный тариф")
        elif is_stale(self.applied, [device.category for device in self.devices]):
            missing.append("пересчёт тарифа (устройства изменились после расчёта доплаты)")
        return missing


def contract_data(session: Session, client: ManagerClient) -> ContractData:
    user_and_passport = session.execute(
        select(ClientUser, UserPassport)
        .outerjoin(UserPassport, UserPassport.user_id == ClientUser.id)
        .where(ClientUser.id == client.user_id)
    ).first()
    user, passport = user_and_passport if user_and_passport else (None, None)
    devices_and_photos = session.execute(
        select(ManagerDevice, sa.func.count(ManagerDevicePhoto.id))
        .outerjoin(ManagerDevicePhoto, ManagerDevicePhoto.device_id == ManagerDevice.id)
        .where(ManagerDevice.client_id == client.id)
        .group_by(ManagerDevice.id)
        .order_by(ManagerDevice.id)
    ).all()
    return ContractData(
        client=client,
        user=user,
        passport=passport,
        devices=[device for device, _ in devices_and_photos],
        photo_counts={device.id: count for device, count in devices_and_photos},
        applied=current_applied_row(session, client.id),
    )


def readiness(session: Session, client: ManagerClient) -> list[str]:
    """What is still missing before a contract can be generated (Russian, for the manager)."""
    return contract_data(session, client).missing()


def contract_readiness(actor: Actor, client_id: int) -> list[str]:
    with transaction() as session:
        client = find_client(session, client_id)
        return readiness(session, client)


# ---- The data snapshot --------------------------------------------------------------------------


def _city(address: str) -> str:
    found = re.search(r"\bг\.\s*[^,]+", address)
    return found.group(0).strip() if found else "г. Москва"


def verify_url(settings: Settings, number: str) -> str:
    return f"{settings.public_base_url}/verify?number={number}"


def build_snapshot(
    data: ContractData, actor: Actor, number: str, now: dt.datetime
) -> dict[str, Any]:
    """Everything the contract says, frozen: the PDF can always be re-rendered from it."""
    settings = get_settings()
    client, user, passport, applied = data.client, data.user, data.passport, data.applied
    full_name = " ".join(
        part for part in (passport.last_name, passport.first_name, passport.middle_name) if part
    )
    params = TariffParams.from_snapshot(applied.tariff_snapshot)
    secrets = passport_vault.open_row(passport)
    return {
        "schema": SNAPSHOT_SCHEMA,
        "number": number,
        "generated_at": now.isoformat(),
        "contract_date": moscow_today(now).isoformat(),
        "city": _city(settings.COMPANY_ADDRESS),
        "company": {
            "name": settings.COMPANY_NAME,
            "inn": settings.COMPANY_INN,
            "kpp": settings.COMPANY_KPP,
            "ogrn": settings.COMPANY_OGRN,
            "address": settings.COMPANY_ADDRESS,
            "bank": settings.COMPANY_BANK,
            "account": settings.COMPANY_ACCOUNT,
            "signatory": settings.COMPANY_SIGNATORY,
            "support_phone": settings.COMPANY_SUPPORT_PHONE,
        },
        "client": {
            "client_id": client.id,
            "user_id": client.user_id,
            "last_name": passport.last_name,
            "first_name": passport.first_name,
            "middle_name": passport.middle_name,
            "full_name": full_name,
            "birth_date": passport.birth_date.isoformat(),
            "birth_place": passport.birth_place,
            "passport": {
                "series": secrets.series,
                "number": secrets.number,
                "issue_date": secrets.issue_date.isoformat(),
                "issued_by": secrets.issued_by,
                "division_code": secrets.division_code,
            },
            "registration_address": client.registration_address,
            "address": {name: getattr(client, name) for name in AddressInput.fields()},
            "name_in_app": user.name,
            "phone": normalize_russian_phone(user.phone),
            "email": user.email,
        },
        "devices": [
            {
                "id": device.id,
                "category": device.category,
                "category_label": category_label(device.category),
                "brand": device.brand,
                "model": device.model,
                "serial_number": device.serial_number,
                "purchase_year": device.purchase_year,
                "condition": device.condition,
            }
            for device in data.devices
        ],
        "tariff": params.snapshot(),
        "surcharge": {
            "client_tariff_id": applied.id,
            "total": str(applied.surcharge),
            "discount_pct": str(applied.discount_pct),
            "discount_reason": applied.discount_reason,
            "devices_count": applied.devices_count,
            "breakdown": applied.breakdown,
        },
        "signing": {
            "channel": "support_chat",
            "otp_ttl_minutes": settings.OTP_TTL_MINUTES,
            "otp_max_attempts": settings.OTP_MAX_ATTEMPTS,
            "invoice_due_days": settings.INVOICE_DUE_DAYS,
        },
        "manager": {"id": actor.id, "name": actor.name},
        "verify_url": verify_url(settings, number),
    }


# ---- Views --------------------------------------------------------------------------------------


def contract_view(
    contract: ManagerContract,
    client: ManagerClient,
    viewer: Actor | None = None,
    lock: SigningLockView | None = None,
) -> ContractView:
    """`lock`: the client's wrong-code budget — a pending code has no more attempts left than
    the budget, and a locked client's code none."""
    settings = get_settings()
    pending = contract.status == ContractStatus.OTP_SENT
    resend_at = None
    if pending and contract.otp_sent_at and contract.otp_send_count < settings.OTP_MAX_SENDS:
        resend_at = contract.otp_sent_at + dt.timedelta(seconds=settings.OTP_RESEND_SECONDS)
    live_code = pending and contract.otp_hash is not None
    attempts_left = max(0, settings.OTP_MAX_ATTEMPTS - contract.otp_attempts) if live_code else 0
    if lock is not None:
        attempts_left = min(attempts_left, lock.attempts_left)
    pdf_url = certificate_url = None
    # The PDF carries the full passport: only the holder opens it.
    if is_holder(viewer, client):
        storage = get_storage()
        if contract.pdf_key:
            pdf_url = storage.download_url(contract.pdf_key, filename=f"{contract.number}.pdf")
            _record_contract_link(contract, client, viewer)
        if contract.certificate_key:
            certificate_url = storage.download_url(
                contract.certificate_key, filename=f"{contract.number}-подписание.pdf"
            )
    return ContractView(
        contract_id=contract.id,
        number=contract.number,
        status=contract.status,
        status_label=CONTRACT_STATUS_LABELS.get(contract.status, contract.status),
        surcharge=contract.surcharge,
        pdf_url=pdf_url,
        otp_expires_at=contract.otp_expires_at if pending else None,
        otp_resend_available_at=resend_at,
        otp_attempts_left=attempts_left,
        signed_at=contract.signed_at,
        pdf_sha256=contract.pdf_sha256,
        signature_hmac=contract.signature_hmac,
        certificate_url=certificate_url,
        paid_at=contract.paid_at,
        payment_amount=contract.payment_amount,
        payment_method=contract.payment_method,
        client_status=client.status,
        created_at=contract.created_at,
        otp_sent_at=contract.otp_sent_at,
        otp_sends_left=max(0, settings.OTP_MAX_SENDS - contract.otp_send_count) if pending else 0,
        pep_agreed_at=contract.pep_agreed_at,
        payment_reference=contract.payment_reference,
        signing_locked_until=lock.unlocks_at if pending and lock and lock.locked else None,
    )


def _record_contract_link(
    contract: ManagerContract, client: ManagerClient, viewer: Actor | None
) -> None:
    # A link to the PDF is a read of the passport it prints: on record in the transaction
    # that hands the link out (every caller of contract_view has its contract in a session).
    session = object_session(contract)
    if session is None:
        raise RuntimeError("contract_view needs the contract in an open session")
    passport_reads.record_passport_read(session, viewer, client, passport_reads.DOWNLOAD_CONTRACT)


def latest_contract(session: Session, client_id: int) -> ManagerContract | None:
    """The contract that counts: the newest one not superseded (an unsigned one replaced by a
    new edition, or a signed one whose file an admin reopened — that one stays «signed»)."""
    return session.exec(
        select(ManagerContract)
        .where(
            ManagerContract.client_id == client_id,
            ManagerContract.status != ContractStatus.SUPERSEDED,
            ManagerContract.superseded_at.is_(None),
        )
        .order_by(ManagerContract.id.desc())
        .limit(1)
    ).first()


def pending_contract(session: Session, client_id: int) -> ManagerContract | None:
    contract = latest_contract(session, client_id)
    return contract if contract and contract.status == ContractStatus.OTP_SENT else None


def signed_contract(session: Session, client_id: int) -> ManagerContract | None:
    contract = latest_contract(session, client_id)
    return contract if contract and contract.status == ContractStatus.SIGNED else None


def current_contract_view(
    session: Session, client_id: int, viewer: Actor | None = None
) -> ContractView | None:
    """For the card. Download links only for a viewer allowed to open the documents."""
    contract = latest_contract(session, client_id)
    if contract is None:
        return None
    lock = otp_budget.client_lock(session, client_id)
    return contract_view(contract, session.get(ManagerClient, client_id), viewer, lock)


def current_contract(actor: Actor, client_id: int) -> ContractView:
    """The client's current contract (links only for a viewer allowed to open the documents)."""
    with transaction() as session:
        view = current_contract_view(session, client_id, viewer=actor)
    if view is None:
        raise NotFound("contract_not_found", "Договор ещё не сформирован")
    return view


def client_for_documents(session: Session, actor: Actor, client_id: int) -> ManagerClient:
    client = find_client(session, client_id)
    if not is_holder(actor, client):
        raise Forbidden(
            "documents_forbidden",
            "Договор клиента открывают только менеджер, который его ведёт, и администратор",
        )
    return client


def contract_pdf_url(actor: Actor, client_id: int) -> str:
    """A short-lived link to the current contract's PDF (preview and download)."""
    with transaction() as session:
        client_for_documents(session, actor, client_id)
        contract = latest_contract(session, client_id)
        if contract is None or not contract.pdf_key:
            raise NotFound("contract_not_found", "Договор ещё не сформирован")
        _record_contract_link(contract, session.get(ManagerClient, client_id), actor)
        return get_storage().download_url(contract.pdf_key, filename=f"{contract.number}.pdf")


# ---- Generation ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Reserved:
    """What the first step of a generation decided, for the steps after it."""

    number: str
    key: str
    snapshot: dict[str, Any]
    client_id: int
    client_version: int
    client_tariff_id: int
    surcharge: Any


def generate_contract(actor: Actor, client_id: int, version: int | None = None) -> ContractView:
    """Number, snapshot, PDF in storage, the signing code in the client's chat.

    Three steps, so that no transaction and no lock is held while the PDF is rendered and
    stored (a hung S3 once held the number counter and a pooled connection for minutes):
    1. reserve — one short transaction: the checks, then the number; the counter's row lock
       lasts until this commit, milliseconds;
    2. render and store the PDF — no transaction;
    3. issue — one short transaction: the contract, the code in the chat, the client's status.
    A failure after step 1 leaves the number `void` with its reason and removes what was
    stored; a crash leaves it `reserved` until it is settled as interrupted (the next
    generation for the client, or `sweep-storage`).
    """
    reserved = _reserve(actor, client_id, version)
    try:
        document = pdf.render(contract_document(reserved.snapshot))
        get_storage().put(reserved.key, document, PDF_CONTENT_TYPE)
        return _issue(actor, reserved, document)
    except BaseException as error:
        void_number(actor, reserved.number, failure_reason(error))
        # A timed-out write may still have landed; an issue that failed left it unreferenced.
        # With the storage down, a delete would only wait out the timeouts once more: the void
        # number names the key, and `sweep-storage` removes the object once it is reachable.
        if not _storage_down(error):
            remove_objects([reserved.key])
        raise


def _storage_down(error: BaseException) -> bool:
    return isinstance(error, ServiceUnavailable) and error.code == "storage_unavailable"


def _reserve(actor: Actor, client_id: int, version: int | None) -> _Reserved:
    settings = get_settings()
    with transaction() as session:
        client = client_for_change(session, actor, client_id, version)
        data = contract_data(session, client)
        missing = data.missing()
        if missing:
            raise Conflict(
                "contract_not_ready",
                "Не хватает: " + "; ".join(missing),
                extra={"missing": missing},
            )
        now = utcnow()
        lock = otp_budget.client_lock(session, client.id, now)
        if lock.locked:
            raise otp_budget.locked_error(lock, now)
        _check_in_flight(session, actor, client.id, now)
        # A new contract is a new code: throttled like a resend, or regenerating would hand
        # out codes as fast as the button can be pressed.
        _check_send_interval(session, client.id, now, settings)
        number = next_number(session, CONTRACT_PREFIX, moscow_today(now).year)
        key = new_key(f"contracts/{client.id}", ".pdf")
        session.add(
            ManagerNumberReservation(
                number=number,
                client_id=client.id,
                object_key=key,
                reserved_by=actor.id,
                reserved_at=now,
            )
        )
        return _Reserved(
            number=number,
            key=key,
            snapshot=build_snapshot(data, actor, number, now),
            client_id=client.id,
            client_version=client.version,
            client_tariff_id=data.applied.id,
            surcharge=data.applied.surcharge,
        )


def _check_in_flight(session: Session, actor: Actor, client_id: int, now: dt.datetime) -> None:
    """One generation at a time per client; one that is in flight too long had crashed."""
    stale_before = now - dt.timedelta(seconds=get_settings().CONTRACT_GENERATION_STALE_SECONDS)
    for reservation in session.exec(
        select(ManagerNumberReservation).where(
            ManagerNumberReservation.client_id == client_id,
            ManagerNumberReservation.status == NumberStatus.RESERVED,
        )
    ).all():
        if reservation.reserved_at > stale_before:
            raise Conflict(
                "contract_generation_in_progress",
                f"Договор {reservation.number} уже формируется — подождите несколько секунд",
            )
        _void_in(session, actor, reservation, INTERRUPTED, now)


def _check_send_interval(
    session: Session, client_id: int, now: dt.datetime, settings: Settings
) -> None:
    last_sent = session.exec(
        select(sa.func.max(ManagerContract.otp_sent_at)).where(
            ManagerContract.client_id == client_id
        )
    ).one()
    if last_sent is None:
        return
    available_at = last_sent + dt.timedelta(seconds=settings.OTP_RESEND_SECONDS)
    if now < available_at:
        raise _too_soon(available_at, now)


def _too_soon(available_at: dt.datetime, now: dt.datetime) -> TooManyAttempts:
    wait = int((available_at - now).total_seconds()) + 1
    return TooManyAttempts(
        "otp_resend_too_soon",
        f"Новый код можно отправить через {wait} с",
        extra={"retry_after_seconds": wait},
    )


def _issue(actor: Actor, reserved: _Reserved, document: bytes) -> ContractView:
    with transaction() as session:
        client = lock_client(session, reserved.client_id)
        check_assignee(session, actor, client)
        reservation = session.get(ManagerNumberReservation, reserved.number)
        if reservation is None or reservation.status != NumberStatus.RESERVED:
            raise Conflict(
                "contract_generation_interrupted",
                "Формирование договора было прервано — сформируйте договор ещё раз",
            )
        if client.version != reserved.client_version or is_frozen(client):
            raise Conflict(
                "stale_version",
                "Пока договор формировался, данные клиента изменились — сформируйте договор "
                "ещё раз",
                extra={"current_version": client.version},
            )
        now = utcnow()
        # An unsigned contract exists only in «contract_sent» (any edit supersedes it).
        replaced = (
            supersede_unsigned(session, client.id, now)
            if client.status == ClientStatus.CONTRACT_SENT
            else []
        )
        contract = ManagerContract(
            client_id=client.id,
            client_tariff_id=reserved.client_tariff_id,
            number=reserved.number,
            status=ContractStatus.OTP_SENT,
            data_snapshot=passport_vault.seal_snapshot(reserved.snapshot),  # passport encrypted
            surcharge=reserved.surcharge,
            pdf_key=reserved.key,
            pdf_sha256=hashlib.sha256(document).hexdigest(),
            created_by=actor.id,
            created_at=now,
            updated_at=now,
        )
        session.add(contract)
        session.flush()
        otp.send_code(session, contract, client.user_id, now)
        reservation.status = NumberStatus.USED
        reservation.settled_at = now
        session.add(reservation)
        client.status = ClientStatus.CONTRACT_SENT
        mark_changed(session, client, supersede_contract=False)
        audit.record(
            session,
            actor,
            "contract_generated",
            "contract",
            contract.id,
            client_id=client.id,
            changes={
                "number": {"before": replaced[-1] if replaced else None, "after": contract.number},
                "surcharge": {"before": None, "after": str(contract.surcharge)},
                "pdf_sha256": {"before": None, "after": contract.pdf_sha256},
            },
        )
        if replaced:
            log_event(
                session,
                client.id,
                actor,
                f"Договор {', '.join(replaced)} заменён новой редакцией, его код недействителен",
            )
        log_event(
            session,
            client.id,
            actor,
            f"Договор {contract.number} сформирован, код подписания отправлен в чат клиента",
        )
        return contract_view(contract, client, actor, otp_budget.client_lock(session, client.id))


# ---- Void numbers -------------------------------------------------------------------------------

INTERRUPTED = "формирование прервано (сбой или перезапуск сервера)"


def failure_reason(error: BaseException) -> str:
    """Why a generation failed, in words for the number's record."""
    if isinstance(error, DomainError):
        return f"{error.message} ({error.code})"[:500]
    if isinstance(error, Exception):
        return f"ошибка сервера ({type(error).__name__})"
    return INTERRUPTED


def void_number(actor: Actor | None, number: str, reason: str) -> None:
    """A number whose contract was never issued: recorded as void with the reason (audited).
    Best effort — with the database down the number stays reserved and is settled later."""
    try:
        with transaction() as session:
            reservation = session.get(ManagerNumberReservation, number, with_for_update=True)
            if reservation is not None and reservation.status == NumberStatus.RESERVED:
                _void_in(session, actor, reservation, reason, utcnow())
    except Exception:
        logger.warning("could not record contract number %s as void", number, exc_info=True)


def _void_in(
    session: Session,
    actor: Actor | None,
    reservation: ManagerNumberReservation,
    reason: str,
    now: dt.datetime,
) -> None:
    reservation.status = NumberStatus.VOID
    reservation.void_reason = reason[:500]
    reservation.settled_at = now
    session.add(reservation)
    audit.record(
        session,
        actor,
        "contract_number_voided",
        "contract_number",
        reservation.number,
        client_id=reservation.client_id,
        changes={
            "number": {"before": reservation.number, "after": None},
            "reason": {"before": None, "after": reservation.void_reason},
        },
    )
    log_event(
        session,
        reservation.client_id,
        actor,
        f"Номер {reservation.number} аннулирован, договор не сформирован: "
        f"{reservation.void_reason}",
    )


def settle_interrupted(older_than: dt.timedelta, *, apply: bool) -> list[str]:
    """Numbers left `reserved` by generations that died mid-way (a crash, a kill), older than
    `older_than` → void as interrupted (only with `apply`). → those numbers."""
    cutoff = utcnow() - older_than
    with transaction() as session:
        stuck = session.exec(
            select(ManagerNumberReservation)
            .where(
                ManagerNumberReservation.status == NumberStatus.RESERVED,
                ManagerNumberReservation.reserved_at <= cutoff,
            )
            .with_for_update()
        ).all()
        if apply:
            now = utcnow()
            for reservation in stuck:
                _void_in(session, None, reservation, INTERRUPTED, now)
        return [reservation.number for reservation in stuck]


def resend_otp(actor: Actor, client_id: int) -> ContractView:
    """A new code for the unsigned contract (the old one dies), throttled."""
    settings = get_settings()
    with transaction() as session:
        client = lock_client(session, client_id)
        check_assignee(session, actor, client)
        contract = pending_contract(session, client.id)
        if contract is None:
            raise Conflict(
                "no_contract_to_sign", "Нет договора, ожидающего подписи: сформируйте договор"
            )
        now = utcnow()
        lock = otp_budget.client_lock(session, client.id, now)
        if lock.locked:
            raise otp_budget.locked_error(lock, now)
        if contract.otp_send_count >= settings.OTP_MAX_SENDS:
            raise TooManyAttempts(
                "otp_send_limit",
                f"Код по этому договору отправлялся {contract.otp_send_count} раз — больше "
                "нельзя. Сформируйте договор заново",
            )
        available_at = contract.otp_sent_at + dt.timedelta(seconds=settings.OTP_RESEND_SECONDS)
        if now < available_at:
            raise _too_soon(available_at, now)
        otp.send_code(session, contract, client.user_id, now)
        audit.record(
            session,
            actor,
            "otp_resent",
            "contract",
            contract.id,
            client_id=client.id,
            changes={
                "otp_send_count": {
                    "before": contract.otp_send_count - 1,
                    "after": contract.otp_send_count,
                }
            },
        )
        log_event(
            session,
            client.id,
            actor,
            f"Новый код подписания договора {contract.number} отправлен в чат клиента "
            f"({contract.otp_send_count} из {settings.OTP_MAX_SENDS})",
        )
        return contract_view(contract, client, actor, lock)
