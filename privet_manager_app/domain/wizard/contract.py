"""The contract: readiness, generation (number, data snapshot, PDF, signing code), the code's
resend, and what the card shows about it.

The PDF is rendered inside the generating transaction, right after the number is taken: the
counter row stays locked until commit, so numbers are consecutive and a failed generation gives
its number back.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from privet_manager_app.domain.clients.access import (
    check_assignee,
    client_for_change,
    is_holder,
    lock_client,
    mark_changed,
    supersede_unsigned,
)
from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.common.clock import moscow_today, utcnow
from privet_manager_app.domain.common.errors import (
    Conflict,
    Forbidden,
    NotFound,
    TooManyAttempts,
    ValidationFailed,
)
from privet_manager_app.domain.common.rows import find_client
from privet_manager_app.domain.history import audit
from privet_manager_app.domain.history.journal import log_event
from privet_manager_app.domain.inputs import AddressInput
from privet_manager_app.domain.views import ContractView
from privet_manager_app.domain.wizard import otp, passport_vault
from privet_manager_app.domain.wizard.contract_text import contract_document
from privet_manager_app.domain.wizard.device_categories import category_label
from privet_manager_app.domain.wizard.numbering import CONTRACT_PREFIX, next_number
from privet_manager_app.domain.wizard.phones import normalize_russian_phone
from privet_manager_app.domain.wizard.tariff_apply import current_applied_row, is_stale
from privet_manager_app.domain.wizard.tariff_formula import TariffParams
from privet_manager_app.infra import pdf
from privet_manager_app.infra.db import transaction
from privet_manager_app.infra.storage import get_storage, new_key
from privet_manager_app.schema.client_app import ClientUser
from privet_manager_app.schema.enums import CONTRACT_STATUS_LABELS, ClientStatus, ContractStatus
from privet_manager_app.schema.tables import (
    ManagerClient,
    ManagerClientTariff,
    ManagerContract,
    ManagerDevice,
    ManagerDevicePhoto,
    UserPassport,
)
from privet_manager_app.settings import Settings, get_settings

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
    contract: ManagerContract, client: ManagerClient, viewer: Actor | None = None
) -> ContractView:
    settings = get_settings()
    pending = contract.status == ContractStatus.OTP_SENT
    resend_at = None
    if pending and contract.otp_sent_at and contract.otp_send_count < settings.OTP_MAX_SENDS:
        resend_at = contract.otp_sent_at + dt.timedelta(seconds=settings.OTP_RESEND_SECONDS)
    live_code = pending and contract.otp_hash is not None
    pdf_url = certificate_url = None
    # The PDF carries the full passport: only the holder opens it.
    if is_holder(viewer, client):
        storage = get_storage()
        if contract.pdf_key:
            pdf_url = storage.download_url(contract.pdf_key, filename=f"{contract.number}.pdf")
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
        otp_attempts_left=(
            max(0, settings.OTP_MAX_ATTEMPTS - contract.otp_attempts) if live_code else 0
        ),
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
    )


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
    return contract_view(contract, session.get(ManagerClient, client_id), viewer)


def current_contract(actor: Actor, client_id: int) -> ContractView:
    """The client's current contract (links only for a viewer allowed to open the documents)."""
    with transaction() as session:
        view = current_contract_view(session, client_id, viewer=actor)
    if view is None:
        raise NotFound("contract_not_found", "Договор ещё не сформирован")
    return view


def _client_for_documents(session: Session, actor: Actor, client_id: int) -> ManagerClient:
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
        _client_for_documents(session, actor, client_id)
        contract = latest_contract(session, client_id)
        if contract is None or not contract.pdf_key:
            raise NotFound("contract_not_found", "Договор ещё не сформирован")
        return get_storage().download_url(contract.pdf_key, filename=f"{contract.number}.pdf")


def certificate_url(actor: Actor, client_id: int) -> str:
    """A short-lived link to the signature certificate of the signed contract."""
    with transaction() as session:
        _client_for_documents(session, actor, client_id)
        contract = signed_contract(session, client_id)
        if contract is None or not contract.certificate_key:
            raise NotFound("certificate_not_found", "Договор ещё не подписан")
        return get_storage().download_url(
            contract.certificate_key, filename=f"{contract.number}-подписание.pdf"
        )


# ---- Generation ---------------------------------------------------------------------------------


def generate_contract(actor: Actor, client_id: int, version: int | None = None) -> ContractView:
    """Number, snapshot, PDF in storage, the signing code in the client's chat."""
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
        applied = data.applied
        now = utcnow()
        # An unsigned contract exists only in «contract_sent» (any edit supersedes it).
        replaced = (
            supersede_unsigned(session, client.id, now)
            if client.status == ClientStatus.CONTRACT_SENT
            else []
        )
        number = next_number(session, CONTRACT_PREFIX, moscow_today(now).year)
        snapshot = build_snapshot(data, actor, number, now)
        document = pdf.render(contract_document(snapshot))
        key = new_key(f"contracts/{client.id}", ".pdf")
        get_storage().put(key, document, PDF_CONTENT_TYPE)
        contract = ManagerContract(
            client_id=client.id,
            client_tariff_id=applied.id,
            number=number,
            status=ContractStatus.OTP_SENT,
            data_snapshot=passport_vault.seal_snapshot(snapshot),  # passport encrypted
            surcharge=applied.surcharge,
            pdf_key=key,
            pdf_sha256=hashlib.sha256(document).hexdigest(),
            created_by=actor.id,
            created_at=now,
            updated_at=now,
        )
        session.add(contract)
        session.flush()
        otp.send_code(session, contract, client.user_id, now)
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
                "number": {"before": replaced[-1] if replaced else None, "after": number},
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
            f"Договор {number} сформирован, код подписания отправлен в чат клиента",
        )
        return contract_view(contract, client, actor)


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
        if contract.otp_send_count >= settings.OTP_MAX_SENDS:
            raise TooManyAttempts(
                "otp_send_limit",
                f"Код по этому договору отправлялся {contract.otp_send_count} раз — больше "
                "нельзя. Сформируйте договор заново",
            )
        now = utcnow()
        available_at = contract.otp_sent_at + dt.timedelta(seconds=settings.OTP_RESEND_SECONDS)
        if now < available_at:
            wait = int((available_at - now).total_seconds()) + 1
            raise TooManyAttempts(
                "otp_resend_too_soon",
                f"Новый код можно отправить через {wait} с",
                extra={"retry_after_seconds": wait},
            )
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
        return contract_view(contract, client, actor)
