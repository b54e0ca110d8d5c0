"""Demo data for the quick start: managers, tariffs, clients typed the client app's way, and a
few clients already taken through the wizard (by the real use cases) so every tab has data."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw
from sqlmodel import select

from privet_manager_app.dev.client_app_fixture import (
    FIRST_NAMES_F,
    FIRST_NAMES_M,
    LAST_NAMES_M,
    add_client_app_users,
    random_address,
)
from privet_manager_app.dev.demo_tariffs import ensure_demo_tariffs
from privet_manager_app.domain.admin import auth, tariffs
from privet_manager_app.domain.clients import claims, sync
from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.inputs import (
    DeviceInput,
    PassportInput,
    PaymentInput,
    ProfileInput,
)
from privet_manager_app.domain.wizard import contract as contracts
from privet_manager_app.domain.wizard import devices, photos, profile, signing, tariff_apply
from privet_manager_app.domain.wizard import passport as passports
from privet_manager_app.domain.wizard import payment as payments
from privet_manager_app.infra.db import transaction
from privet_manager_app.schema.client_app import SupportMessage, SupportTicket
from privet_manager_app.schema.enums import ManagerRole
from privet_manager_app.schema.tables import ManagerClient, ManagerUser

DEMO_PASSWORD = "ChangeMe123"  # noqa: S105 - the original README's demo password, dev only
DEMO_MANAGERS = (
    ("manager@example.com", "Главный мастер", ManagerRole.MANAGER),
    ("admin@example.com", "Администратор", ManagerRole.ADMIN),
    ("master2@example.com", "Мастер Пётр Соколов", ManagerRole.MANAGER),
)


def has_managers() -> bool:
    with transaction() as session:
        return session.exec(select(ManagerUser.id).limit(1)).first() is not None


def existing_demo_managers() -> list[tuple[str, str, str]]:
    with transaction() as session:
        existing = set(session.exec(select(ManagerUser.email)).all())
    return [spec for spec in DEMO_MANAGERS if spec[0] in existing]


def ensure_demo_managers() -> list[str]:
    created = []
    with transaction() as session:
        existing = set(session.exec(select(ManagerUser.email)).all())
    for email, name, role in DEMO_MANAGERS:
        if email not in existing:
            auth.create_manager(email, name, DEMO_PASSWORD, role)
            created.append(email)
    return created


# What the first demo clients have been through, so every tab and the dashboard have data.
DEMO_JOURNEYS = (
    "processed_free",
    "processed_paid",
    "awaiting_payment",
    "contract_sent",
    "in_progress",
    "in_progress",
)
DEMO_DEVICES = (
    ("smartphone", "Samsung", "Galaxy S23"),
    ("laptop", "Lenovo", "IdeaPad 5"),
)


def _demo_photo(rng: random.Random) -> bytes:
    """A small picture standing in for a phone photo of the device."""
    image = Image.new("RGB", (800, 600), (rng.randint(60, 200), rng.randint(60, 200), 220))
    ImageDraw.Draw(image).rectangle((250, 120, 550, 480), outline="white", width=12)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def _code_from_chat(user_id: int) -> str:
    """What the client reads out: the code in the newest OTP card of their chat."""
    with transaction() as session:
        payloads = session.exec(
            select(SupportMessage.payload)
            .join(SupportTicket, SupportTicket.id == SupportMessage.ticket_id)
            .where(SupportTicket.user_id == user_id)
            .order_by(SupportMessage.id.desc())
        ).all()
    return next(p["code"] for p in payloads if (p or {}).get("type") == "contract_otp")


def _walk(actor: Actor, client: ManagerClient, journey: str, rng: random.Random) -> None:
    """Take one client as far as `journey` through the real use cases (audit and log included)."""
    card = claims.claim_client(actor, client.id)
    postcode, city, street, house = random_address(rng)
    apartment = rng.randint(1, 200)
    view = profile.update_profile(
        actor,
        client.id,
        ProfileInput(
            phone=f"+7916{rng.randint(1_000_000, 9_999_999)}",
            registration_address=f"{postcode}, г. {city}, {street}, д. {house}, кв. {apartment}",
        ),
        version=card.version,
    )
    if journey == "in_progress":
        return
    female = rng.random() < 0.5
    first = rng.choice(FIRST_NAMES_F if female else FIRST_NAMES_M)
    last = rng.choice(LAST_NAMES_M) + ("а" if female else "")
    passports.save_passport(
        actor,
        client.id,
        PassportInput(
            last_name=last,
            first_name=first,
            middle_name="Сергеевна" if female else "Сергеевич",
            birth_date=f"{rng.randint(1960, 2000)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
            birth_place=f"г. {city}",
            series=f"45{rng.randint(10, 99)}",
            number=f"{rng.randint(100_000, 999_999)}",
            issue_date="2021-06-01",
            issued_by="ГУ МВД России по г. Москве",
            division_code="770-001",
        ),
        version=view.version,
    )
    kinds = DEMO_DEVICES[:1] if journey == "processed_free" else DEMO_DEVICES
    for category, brand, model in kinds:
        device = devices.add_device(
            actor,
            client.id,
            DeviceInput(category=category, brand=brand, model=model, purchase_year=2022),
        )
        photos.attach_photo_bytes(actor, client.id, device.id, _demo_photo(rng), "photo.jpg")
    basic = next(t for t in tariffs.list_tariffs(actor) if t.code == "basic")
    tariff_apply.apply_tariff(actor, client.id, basic.id)
    contract = contracts.generate_contract(actor, client.id)
    if journey == "contract_sent":
        return
    signer = actor.with_origin("127.0.0.1", "demo-seed")
    signing.confirm_signature(signer, client.id, _code_from_chat(client.user_id), True)
    if journey == "processed_paid":
        payment = PaymentInput(amount=contract.surcharge, method="card", reference="демо-чек")
        payments.confirm_payment(actor, client.id, payment)
    elif journey == "awaiting_payment":
        payments.send_invoice(actor, client.id)


def seed_demo(client_count: int, *, seed: int | None = None) -> dict[str, int]:
    """Add `client_count` clients; the first few are taken through the wizard to various steps."""
    ensure_demo_managers()
    ensure_demo_tariffs()
    rng = random.Random(seed)
    with transaction() as session:
        users = add_client_app_users(session, client_count, seed=rng.randint(0, 10**6))
        sync.backfill_manager_clients(session)
        managers = session.exec(
            select(ManagerUser).where(ManagerUser.role == ManagerRole.MANAGER)
        ).all()
        user_ids = [user.id for user in users[: len(DEMO_JOURNEYS)]]
        chosen = session.exec(
            select(ManagerClient)
            .where(ManagerClient.user_id.in_(user_ids))
            .order_by(ManagerClient.id)
        ).all()
    for index, (client, journey) in enumerate(zip(chosen, DEMO_JOURNEYS, strict=False)):
        manager = managers[index % len(managers)]
        actor = Actor(id=manager.id, email=manager.email, name=manager.name, role=manager.role)
        _walk(actor, client, journey, rng)
    return {"clients": len(users), "in_work": len(chosen)}
