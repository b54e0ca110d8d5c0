"""The one place tests build rows: clients the way the client app leaves them and the way a
manager has them, passports, devices with photos, tariffs; reading back what the client's chat
and our tables hold.

Two ways to a client in work, with different meanings:
- `claimed_client(actor)`: a «Новый» client taken through the real claim use case (audit and
  journal entries, version 2) — for tests of the steps' rules;
- `client_in_work(manager)`: rows written straight into the tables (contacts and address
  already there, no history) — for step-4 tests that start where steps 1–3 ended.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import uuid
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import select

from privet_manager_app.domain.clients import claims, projection
from privet_manager_app.domain.clients.sync import backfill_manager_clients
from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.common.clock import utcnow
from privet_manager_app.domain.common.errors import ValidationFailed
from privet_manager_app.domain.wizard import contract as contracts
from privet_manager_app.domain.wizard import passport_vault, signing, tariff_apply
from privet_manager_app.domain.wizard import payment as payments
from privet_manager_app.infra.db import transaction
from privet_manager_app.schema.client_app import (
    ClientDevice,
    ClientUser,
    SupportMessage,
    SupportTicket,
)
from privet_manager_app.schema.enums import ClientStatus
from privet_manager_app.schema.tables import (
    ManagerAuditLog,
    ManagerClient,
    ManagerContract,
    ManagerDevice,
    ManagerDevicePhoto,
    ManagerNumberReservation,
    ManagerTariff,
    ManagerUser,
    UserPassport,
)

DEFAULT_DEVICES = (("smartphone", "Apple", "iPhone 13"),)


@dataclasses.dataclass(frozen=True)
class ClientRef:
    id: int  # manager_clients.id — what the wizard works with
    user_id: int  # users.id — the client app's row
    full_name: str = ""
    device_ids: tuple[int, ...] = ()  # our devices (ready_client)
    legacy_device_ids: tuple[int, ...] = ()  # the client app's devices (new_client)


def new_client(
    name: str | None = "иван петров",
    phone: str | None = "8 916 123-45-67",
    email: str | None = None,
    legacy_devices: tuple[tuple[str, str | None, str | None], ...] = (),
) -> ClientRef:
    """A «Новый» client as the client app left it (messy phone, name in lower case)."""
    with transaction() as session:
        user = ClientUser(name=name, phone=phone, email=email)
        session.add(user)
        session.flush()
        device_ids = []
        for kind, brand, model in legacy_devices:
            device = ClientDevice(user_id=user.id, type=kind, brand=brand, model=model)
            session.add(device)
            session.flush()
            device_ids.append(device.id)
        backfill_manager_clients(session)
        client_id = session.execute(
            sa.select(ManagerClient.id).where(ManagerClient.user_id == user.id)
        ).scalar_one()
        return ClientRef(client_id, user.id, legacy_device_ids=tuple(device_ids))


def claimed_client(actor, **kwargs) -> ClientRef:
    client = new_client(**kwargs)
    claims.claim_client(actor, client.id)
    return client


def version_of(client_id: int) -> int:
    with transaction() as session:
        return session.get(ManagerClient, client_id).version


def set_status(client_id: int, status: str) -> None:
    with transaction() as session:
        session.execute(
            sa.update(ManagerClient).where(ManagerClient.id == client_id).values(status=status)
        )


def count(model, *conditions) -> int:
    with transaction() as session:
        statement = sa.select(sa.func.count()).select_from(model)
        if conditions:
            statement = statement.where(*conditions)
        return session.execute(statement).scalar_one()


def files_under(root: Path, prefix: str = "") -> list[str]:
    """Stored object keys of the local backend (temporary `.part` files count too) — all but
    the empty markers used upload links leave at their keys (photos._spend_upload)."""
    base = root / prefix if prefix else root
    if not base.exists():
        return []
    return sorted(
        str(path.relative_to(root))
        for path in base.rglob("*")
        if path.is_file() and path.stat().st_size > 0
    )


def client_in_work(
    manager,
    *,
    name: str = "Анна Смирнова",
    phone: str | None = "+79161234567",
    email: str | None = "anna@example.ru",
    address: str | None = "119021, г. Москва, ул. Льва Толстого, д. 16, кв. 5",
) -> ClientRef:
    """A client in work of the manager, written straight into the tables, with contacts and a
    registration address (no claim history)."""
    now = utcnow()
    with transaction() as session:
        user = ClientUser(name=name, phone=phone, email=email)
        session.add(user)
        session.flush()
        client = ManagerClient(
            user_id=user.id,
            status=ClientStatus.IN_PROGRESS,
            assigned_manager_id=manager.id,
            claimed_at=now,
            registration_address=address,
            postcode="119021" if address else None,
            city="Москва" if address else None,
            street="ул. Льва Толстого" if address else None,
            house="16" if address else None,
            apartment="5" if address else None,
        )
        session.add(client)
        session.flush()
        projection.refresh(session, [client.id])  # in the list, as our use cases leave it
        return ClientRef(id=client.id, user_id=user.id, full_name=name)


def passport_model(user_id: int, **fields) -> UserPassport:
    """An unsaved passport row as the app stores it: the secret fields encrypted."""
    values = {
        "last_name": "Смирнова",
        "first_name": "Анна",
        "middle_name": "Сергеевна",
        "birth_date": dt.date(1985, 3, 12),
        "birth_place": "г. Москва",
        "series": "4512",
        "number": "123456",
        "issue_date": dt.date(2010, 2, 1),
        "issued_by": "Отделением УФМС России по г. Москве по району Хамовники",
        "division_code": "770-001",
        **fields,
    }
    secret = {field: values.pop(field) for field in passport_vault.SECRET_FIELDS}
    return UserPassport(user_id=user_id, **values, **passport_vault.sealed_columns(user_id, secret))


def add_passport(
    client: ClientRef,
    *,
    last_name: str = "Смирнова",
    first_name: str = "Анна",
    middle_name: str | None = "Сергеевна",
    series: str = "4512",
    number: str = "123456",
) -> None:
    with transaction() as session:
        session.add(
            passport_model(
                client.user_id,
                last_name=last_name,
                first_name=first_name,
                middle_name=middle_name,
                series=series,
                number=number,
            )
        )


def add_device(
    client_id: int,
    category: str = "smartphone",
    brand: str = "Apple",
    model: str = "iPhone 13",
    *,
    photo: bool = True,
    serial_number: str | None = "F2LXK1ABCD",
) -> int:
    with transaction() as session:
        device = ManagerDevice(
            client_id=client_id,
            category=category,
            brand=brand,
            model=model,
            serial_number=serial_number,
            purchase_year=2022,
            condition="good",
        )
        session.add(device)
        session.flush()
        if photo:
            add_photo_row(session, device.id)
        return device.id


def add_photo_row(session, device_id: int) -> None:
    key = f"photos/{device_id}/{uuid.uuid4().hex}"
    session.add(
        ManagerDevicePhoto(
            device_id=device_id,
            file_key=f"{key}.jpg",
            thumb_key=f"{key}-thumb.jpg",
            content_type="image/jpeg",
            width=1200,
            height=900,
            size_bytes=123_456,
            sha256=hashlib.sha256(key.encode()).hexdigest(),
        )
    )


def ready_client(
    manager,
    devices: Sequence[tuple[str, str, str]] = DEFAULT_DEVICES,
    *,
    name: str = "Анна Смирнова",
    last_name: str = "Смирнова",
    first_name: str = "Анна",
    middle_name: str | None = "Сергеевна",
    phone: str = "+79161234567",
    series: str = "4512",
    number: str = "123456",
) -> ClientRef:
    """Steps 1–3 done: contacts, address, passport, devices each with a photo."""
    client = client_in_work(manager, name=name, phone=phone)
    add_passport(
        client,
        last_name=last_name,
        first_name=first_name,
        middle_name=middle_name,
        series=series,
        number=number,
    )
    ids = tuple(add_device(client.id, *device) for device in devices)
    full_name = " ".join(part for part in (last_name, first_name, middle_name) if part)
    return dataclasses.replace(client, device_ids=ids, full_name=full_name)


def make_tariff(
    *,
    code: str | None = None,
    name: str = "Тестовый",
    base_monthly_fee: str = "990.00",
    included_devices: int = 1,
    extra_device_fee: str = "300.00",
    category_fees: dict[str, str] | None = None,
    max_discount_pct: str = "10",
    is_active: bool = True,
) -> int:
    with transaction() as session:
        tariff = ManagerTariff(
            code=code or f"t-{uuid.uuid4().hex[:8]}",
            name=name,
            base_monthly_fee=Decimal(base_monthly_fee),
            included_devices=included_devices,
            extra_device_fee=Decimal(extra_device_fee),
            category_fees=category_fees or {},
            max_discount_pct=Decimal(max_discount_pct),
            is_active=is_active,
        )
        session.add(tariff)
        session.flush()
        return tariff.id


def tariff_id_by_code(code: str) -> int:
    with transaction() as session:
        return session.exec(select(ManagerTariff.id).where(ManagerTariff.code == code)).one()


def chat_messages(user_id: int) -> list[SupportMessage]:
    """The client's chat as the client app reads it: every ticket of the user, oldest first."""
    with transaction() as session:
        return list(
            session.exec(
                select(SupportMessage)
                .join(SupportTicket, SupportTicket.id == SupportMessage.ticket_id)
                .where(SupportTicket.user_id == user_id)
                .order_by(SupportMessage.id)
            ).all()
        )


def last_code(user_id: int) -> str:
    """The code from the newest OTP card in the client's chat (what the client reads out)."""
    cards = [
        m.payload for m in chat_messages(user_id) if (m.payload or {}).get("type") == "contract_otp"
    ]
    return cards[-1]["code"]


def audit_entries(client_id: int, action: str) -> list[ManagerAuditLog]:
    """The client's audit entries of one kind, oldest first."""
    with transaction() as session:
        return list(
            session.exec(
                sa.select(ManagerAuditLog)
                .where(ManagerAuditLog.client_id == client_id, ManagerAuditLog.action == action)
                .order_by(ManagerAuditLog.id)
            ).scalars()
        )


def contract_row(contract_id: int) -> ManagerContract:
    with transaction() as session:
        return session.get(ManagerContract, contract_id)


def number_reservation(number: str) -> ManagerNumberReservation | None:
    with transaction() as session:
        return session.get(ManagerNumberReservation, number)


def client_row(client_id: int) -> ManagerClient:
    with transaction() as session:
        return session.get(ManagerClient, client_id)


def resend_interval_passed(client_id: int) -> None:
    """As if OTP_RESEND_SECONDS had passed since the client's last code (a new contract is
    throttled like a resend)."""
    with transaction() as session:
        for contract in session.exec(
            select(ManagerContract).where(
                ManagerContract.client_id == client_id, ManagerContract.otp_sent_at.is_not(None)
            )
        ).all():
            contract.otp_sent_at -= dt.timedelta(seconds=61)
            session.add(contract)


def update_contract(contract_id: int, **values) -> None:
    with transaction() as session:
        contract = session.get(ManagerContract, contract_id)
        for name, value in values.items():
            setattr(contract, name, value)
        session.add(contract)


# ---- Scenarios: a client brought to a point of step 4 by the real use cases -----------------

TWO_DEVICES = (("smartphone", "Apple", "iPhone 13"), ("tablet", "Apple", "iPad Air"))


def priced_client(manager, devices=TWO_DEVICES, **person) -> ClientRef:
    """A ready client with a tariff applied: 1 device included, 750.50 per extra one."""
    client = ready_client(manager, devices, **person)
    tariff_id = make_tariff(
        name="Семейный", extra_device_fee="750.50", category_fees={"fridge": "700.00"}
    )
    tariff_apply.apply_tariff(manager, client.id, tariff_id)
    return client


def signing_client(manager, *, extra_fee: str = "1500.00") -> ClientRef:
    """A ready client with 2 devices under a tariff that charges `extra_fee` for the second."""
    client = ready_client(manager, TWO_DEVICES)
    tariff_apply.apply_tariff(manager, client.id, make_tariff(extra_device_fee=extra_fee))
    return client


def generated(manager, **kwargs):
    """A signing client whose contract is generated (the code is in the client's chat)."""
    client = signing_client(manager, **kwargs)
    view = contracts.generate_contract(manager, client.id)
    return client, view


def signed_client(manager, extra_fee: str = "1500.00") -> ClientRef:
    client = signing_client(manager, extra_fee=extra_fee)
    contracts.generate_contract(manager, client.id)
    signing.confirm_signature(manager, client.id, last_code(client.user_id), True)
    return client


def wrong_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def five_wrong_codes(manager, client: ClientRef, network: str) -> None:
    """Five wrong guesses at the client's current code, each from its own address in
    `network` (no per-IP delay): what one code adds to the client's wrong-code budget."""
    code = last_code(client.user_id)
    for guess in range(5):
        origin = manager.with_origin(f"{network}.{guess}", "UA")
        with pytest.raises(ValidationFailed):
            signing.confirm_signature(origin, client.id, wrong_code(code), True)


def spend_code_budget(manager, client: ClientRef, network: str) -> None:
    """Ten wrong codes over two contracts (five per code), as the client's budget counts them."""
    five_wrong_codes(manager, client, f"{network}.0")
    resend_interval_passed(client.id)
    contracts.generate_contract(manager, client.id)
    five_wrong_codes(manager, client, f"{network}.1")


def sign_with_tariff(manager, client: ClientRef, tariff_id: int) -> ManagerContract:
    tariff_apply.apply_tariff(manager, client.id, tariff_id)
    contract = contracts.generate_contract(manager, client.id)
    signing.confirm_signature(manager, client.id, last_code(client.user_id), True)
    return contract_row(contract.contract_id)


def invoiced_client(
    manager, devices=(("smartphone", "Apple", "iPhone 13"), ("laptop", "Lenovo", "IdeaPad"))
):
    """A client who signed (surcharge 300,00 ₽) and got an invoice → (client, contract, tariff)."""
    client = ready_client(manager, devices)
    tariff_id = make_tariff(included_devices=1, extra_device_fee="300.00")
    contract = sign_with_tariff(manager, client, tariff_id)
    payments.send_invoice(manager, client.id)
    assert client_row(client.id).status == ClientStatus.AWAITING_PAYMENT
    return client, contract, tariff_id


def demo_manager() -> Actor:
    """The demo seed's manager (manager@example.com): who the browser tests log in as."""
    with transaction() as session:
        row = session.exec(
            select(ManagerUser).where(ManagerUser.email == "manager@example.com")
        ).one()
        return Actor(id=row.id, email=row.email, name=row.name, role=row.role)
