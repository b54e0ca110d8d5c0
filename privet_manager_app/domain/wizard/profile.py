"""Wizard step 1 «Данные»: name, phone, e-mail (written to the client app's `users` row — the
client sees them in «Привет Супер») and the registration address (ours, `manager_clients`)."""

from __future__ import annotations

from typing import Any

from email_validator import EmailNotValidError, validate_email
from pydantic import Field
from sqlmodel import Session

from privet_manager_app.domain.clients import projection
from privet_manager_app.domain.clients.access import client_for_change, mark_changed
from privet_manager_app.domain.clients.listing import load_card
from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.common.clock import utcnow
from privet_manager_app.domain.common.errors import DomainError, ValidationFailed
from privet_manager_app.domain.common.notices import Notice
from privet_manager_app.domain.common.text import line_error, person_name_error
from privet_manager_app.domain.history import audit, journal
from privet_manager_app.domain.inputs import ProfileInput
from privet_manager_app.domain.views import AddressView, ClientCard
from privet_manager_app.domain.wizard import addresses
from privet_manager_app.domain.wizard.phones import normalize_russian_phone
from privet_manager_app.infra.db import transaction
from privet_manager_app.schema.client_app import ClientUser
from privet_manager_app.schema.tables import ManagerClient

NAME_MIN_LENGTH = 2
NAME_MAX_LENGTH = 255
EMAIL_MAX_LENGTH = 255
CONTACT_FIELDS = ("name", "phone", "email")
_LABELS = {
    "name": "имя",
    "phone": "телефон",
    "email": "email",
    "registration_address": "адрес",
    **{name: "адрес" for name in addresses.FIELDS},
}


class ProfileView(ClientCard):
    address: AddressView
    # Parts of a typed address line the parser could not place: the manager fixes the fields.
    unrecognized_address_parts: list[str] = Field(default_factory=list)
    warnings: list[Notice] = Field(default_factory=list)


def _validated(
    name: str | None,
    phone: str | None,
    email: str | None,
    registration_address: str | None,
    address: dict[str, Any] | None,
) -> tuple[dict[str, Any], addresses.ParsedAddress | None, dict[str, Any] | None]:
    """Every field checked, every error reported at once."""
    errors: dict[str, str] = {}
    codes: list[str] = []
    values: dict[str, Any] = {}

    def fail(field: str, message: str, code: str) -> None:
        errors[field] = message
        codes.append(code)

    if name is not None:
        cleaned, error = person_name_error(
            name, "Имя", min_length=NAME_MIN_LENGTH, max_length=NAME_MAX_LENGTH
        )
        if error:
            fail("name", error, "invalid_name")
        else:
            values["name"] = cleaned
    if phone is not None:
        try:
            values["phone"] = normalize_russian_phone(phone[:100])
        except ValidationFailed as error:
            fail("phone", error.message, error.code)
    if email is not None:
        text = email.strip()
        if not text:
            values["email"] = None
        elif len(text) > EMAIL_MAX_LENGTH:
            fail("email", "Email не длиннее 255 символов", "invalid_email")
        else:
            try:
                values["email"] = validate_email(text, check_deliverability=False).normalized
            except EmailNotValidError:
                fail("email", "Некорректный email", "invalid_email")
    parsed = None
    if registration_address is not None:
        cleaned, error = line_error(
            registration_address,
            "Адрес",
            max_length=addresses.MAX_LINE_LENGTH,
            min_length=0,
            no_angle_brackets=True,
        )
        if error:
            fail("registration_address", error, "invalid_address")
        else:
            values["registration_address"] = cleaned or None
            parsed = addresses.parse_address(cleaned)
    corrected = None
    if address is not None:
        try:
            corrected = addresses.validate_fields(address)
        except DomainError as error:
            errors.update(error.fields)
            codes.append(error.code)
    if errors:
        code = codes[0] if len(codes) == 1 else "invalid_profile"
        raise ValidationFailed(code, next(iter(errors.values())), fields=errors)
    return values, parsed, corrected


def _phone_in_use(session: Session, user_id: int, phone: str) -> int:
    # The projection's btree on the phone's last 10 digits: a lookup under the client's row
    # lock, not a scan of every `users` row.
    return projection.other_clients_with_phone(session, user_id, phone)


def _address_of(client: ManagerClient) -> dict[str, Any]:
    return {name: getattr(client, name) for name in addresses.FIELDS}


def profile_view(
    session: Session,
    client: ManagerClient,
    *,
    warnings: list[Notice] | None = None,
    unrecognized: list[str] | None = None,
) -> ProfileView:
    card = load_card(session, client.id)
    return ProfileView(
        **card.model_dump(),
        address=AddressView(**_address_of(client)),
        unrecognized_address_parts=unrecognized or [],
        warnings=warnings or [],
    )


def update_profile(
    actor: Actor, client_id: int, profile: ProfileInput, *, version: int
) -> ProfileView:
    """Save step 1. A field left out (None) stays as it is; `email=""` clears the e-mail.

    `registration_address` (a typed line) is parsed into the fields and stored as typed;
    `address` (some fields) corrects fields one by one, and then the line is rebuilt from the
    fields in canonical form. Both at once: the line is parsed, then the given fields win.
    """
    address = profile.address.model_dump(exclude_unset=True) if profile.address else None
    values, parsed, corrected = _validated(
        profile.name, profile.phone, profile.email, profile.registration_address, address
    )
    with transaction() as session:
        client = client_for_change(session, actor, client_id, version)
        user = session.get(ClientUser, client.user_id)
        before = {
            **{field: getattr(user, field) for field in CONTACT_FIELDS},
            "registration_address": client.registration_address,
            **_address_of(client),
        }
        after = dict(before)
        after.update({field: values[field] for field in CONTACT_FIELDS if field in values})
        if parsed is not None:
            after.update(parsed.fields())
            after["registration_address"] = values["registration_address"]
        if corrected is not None:
            after.update(corrected)
            after["registration_address"] = (
                addresses.format_address({name: after[name] for name in addresses.FIELDS}) or None
            )
        changes = audit.changed_fields(before, after)

        warnings = []
        if "phone" in values and _phone_in_use(session, user.id, values["phone"]):
            warnings.append(
                Notice(
                    code="phone_in_use",
                    message="Этот телефон уже указан у другого клиента «Привет Супер» — "
                    "проверьте, не дубль ли это",
                )
            )
        if changes:
            now = utcnow()
            if any(field in changes for field in CONTACT_FIELDS):
                for field in CONTACT_FIELDS:
                    setattr(user, field, after[field])
                user.updated_at = now
                session.add(user)
            for field in ("registration_address", *addresses.FIELDS):
                setattr(client, field, after[field])
            mark_changed(session, client, supersede_contract=True)
            audit.record(
                session,
                actor,
                "profile_updated",
                "client",
                client.id,
                client_id=client.id,
                changes=changes,
            )
            labels = list(dict.fromkeys(_LABELS[field] for field in changes))
            journal.log_event(
                session, client.id, actor, "Шаг «Данные»: изменены " + ", ".join(labels)
            )
            session.flush()
        return profile_view(
            session,
            client,
            warnings=warnings,
            unrecognized=parsed.unrecognized if parsed is not None else None,
        )


def get_profile(actor: Actor, client_id: int) -> ProfileView:
    """The step-1 form as stored (any manager may look; only the assignee may save)."""
    with transaction() as session:
        card = load_card(session, client_id)
        client = session.get(ManagerClient, card.id)
        return profile_view(session, client)
