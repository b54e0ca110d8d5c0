"""Contracts and signature certificates as the app renders them, built in memory (no database):
the same code paths (`build_snapshot`, `contract_document`, `certificate_document`) fed with
model objects that were never saved. Each index gives a different person, devices and amount,
so a document that picked up another's state is visible in its text."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.wizard.contract import ContractData, build_snapshot
from privet_manager_app.domain.wizard.contract_text import (
    certificate_document,
    contract_document,
    signer_identity,
)
from privet_manager_app.domain.wizard.signing import canonical_json, iso_utc, signature_hmac
from privet_manager_app.domain.wizard.tariff_formula import TariffParams, calculate_surcharge
from privet_manager_app.infra.pdf import Document
from privet_manager_app.schema.client_app import ClientUser
from privet_manager_app.schema.enums import ClientStatus
from privet_manager_app.schema.tables import (
    ManagerClient,
    ManagerClientTariff,
    ManagerDevice,
)
from tests.support.factories import passport_model

PEOPLE = (
    ("Смирнова", "Анна", "Сергеевна"),
    ("Иванов", "Пётр", "Алексеевич"),
    ("Кузнецова", "Мария", None),
    ("Ёлкин", "Фёдор", "Ильич"),
    ("Шевченко", "Оксана", "Тарасовна"),
)
DEVICES = (
    ("smartphone", "Apple", "iPhone 13"),
    ("fridge", "Bosch", "KGN39VI25R"),
    ("washer", "Haier", "HW70-BP12929"),
    ("tablet", "Samsung", "Galaxy Tab S9"),
    ("tv", "LG", "OLED55C3"),
)
GENERATED_AT = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)


def _tariff() -> TariffParams:
    return TariffParams(
        tariff_id=7,
        code="home",
        name="Дом целиком",
        version=3,
        base_monthly_fee=Decimal("990.00"),
        included_devices=1,
        extra_device_fee=Decimal("250.50"),
        category_fees={"fridge": Decimal("700.00"), "washer": Decimal("600.00")},
        max_discount_pct=Decimal("15"),
    )


def contract_snapshot(index: int) -> dict:
    """The data snapshot of contract number `index`, as `generate_contract` would freeze it."""
    last, first, middle = PEOPLE[index % len(PEOPLE)]
    devices = [
        ManagerDevice(
            id=100 * index + position,
            client_id=index,
            category=category,
            brand=brand,
            model=model,
            serial_number=f"SN{index:04d}{position}",
            purchase_year=2018 + position,
            condition="good",
        )
        for position, (category, brand, model) in enumerate(
            DEVICES[: 1 + index % len(DEVICES)], start=1
        )
    ]
    tariff = _tariff()
    surcharge = calculate_surcharge(
        tariff, [device.category for device in devices], index % 3 * 5, "постоянный клиент"
    )
    data = ContractData(
        client=ManagerClient(
            id=index,
            user_id=1000 + index,
            status=ClientStatus.IN_PROGRESS,
            registration_address=f"119021, г. Москва, ул. Льва Толстого, д. {index + 1}, кв. 5",
            postcode="119021",
            city="Москва",
            street="ул. Льва Толстого",
            house=str(index + 1),
            apartment="5",
        ),
        user=ClientUser(
            id=1000 + index,
            name=f"{first} {last}",
            phone=f"+7916{index:07d}",
            email=f"client{index}@example.ru",
        ),
        passport=passport_model(
            1000 + index,
            last_name=last,
            first_name=first,
            middle_name=middle,
            birth_date=dt.date(1980 + index % 20, 3, 12),
            series=f"{4500 + index % 99:04d}",
            number=f"{123456 + index:06d}",
        ),
        devices=devices,
        photo_counts={device.id: 1 for device in devices},
        applied=ManagerClientTariff(
            id=500 + index,
            client_id=index,
            tariff_id=7,
            tariff_snapshot=tariff.snapshot(),
            devices_count=len(devices),
            surcharge=surcharge.total,
            discount_pct=surcharge.discount_pct,
            discount_reason=surcharge.discount_reason,
            breakdown=surcharge.breakdown(),
        ),
    )
    manager = Actor(id=3, email="master@example.com", name="Мастер Анна", role="manager")
    now = GENERATED_AT + dt.timedelta(minutes=index)
    return build_snapshot(data, manager, f"ПМ-2026-{index + 1:06d}", now)


def contract(index: int) -> Document:
    return contract_document(contract_snapshot(index))


def certificate(index: int) -> Document:
    """The signature certificate of contract `index`, with the evidence `_sign` assembles."""
    snapshot = contract_snapshot(index)
    signed_at = GENERATED_AT + dt.timedelta(minutes=index, seconds=95)
    payload = {
        "contract_number": snapshot["number"],
        "user_id": snapshot["client"]["user_id"],
        "pdf_sha256": hashlib.sha256(snapshot["number"].encode()).hexdigest(),
        "otp_message_id": 7000 + index,
        "signed_at": iso_utc(signed_at),
        "ip": f"10.0.0.{index % 250 + 1}",
        "user_agent": f"Mozilla/5.0 (iPhone; CPU iPhone OS 17_{index % 7} like Mac OS X)",
    }
    evidence = {
        **payload,
        **signer_identity(snapshot),
        "signature_hmac": signature_hmac(payload),
        "canonical_json": canonical_json(payload),
        "contract_date": snapshot["contract_date"],
        "city": snapshot["city"],
        "company_name": snapshot["company"]["name"],
        "amount": snapshot["surcharge"]["total"],
        "otp_sent_at": iso_utc(signed_at - dt.timedelta(seconds=80)),
        "pep_agreed_at": iso_utc(signed_at - dt.timedelta(seconds=5)),
        "otp_send_count": 1 + index % 3,
        "otp_failed_attempts": index % 4,
        "manager_name": snapshot["manager"]["name"],
        "manager_email": "master@example.com",
        "verify_url": snapshot["verify_url"],
    }
    return certificate_document(evidence)
