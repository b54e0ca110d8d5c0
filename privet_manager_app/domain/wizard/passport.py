"""Wizard step 2 «Паспорт»: the client's Russian internal passport (`users_passports`).

The full series and number are shown only in the edit form and printed in the contract;
everywhere else (card, list, audit, journal, error messages) they are masked — except on purpose:
the «Показать» action of the client card (`reveal_passport`). Every reveal is written to the
audit log (who, when, from which IP and browser): the operator of personal data must be able to
say who has seen a passport (152-ФЗ, ст. 19).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from pydantic import Field
from sqlmodel import Session, select

from privet_manager_app.domain.clients.access import (
    check_assignee,
    client_for_change,
    is_holder,
    mark_changed,
)
from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.common.clock import moscow_today, utcnow
from privet_manager_app.domain.common.errors import Forbidden, NotFound, ValidationFailed
from privet_manager_app.domain.common.masking import mask_passport
from privet_manager_app.domain.common.notices import Notice
from privet_manager_app.domain.common.rows import find_client
from privet_manager_app.domain.common.text import line_error, person_name_error
from privet_manager_app.domain.history import audit, journal, passport_reads
from privet_manager_app.domain.inputs import PassportInput
from privet_manager_app.domain.views import PassportMaskedView, View
from privet_manager_app.domain.wizard import passport_vault
from privet_manager_app.infra.db import transaction
from privet_manager_app.schema.tables import ManagerClient, UserPassport

MIN_ISSUE_AGE = 14
REPLACEMENT_AGES = (20, 45)
REPLACEMENT_GRACE = dt.timedelta(days=90)  # Положение о паспорте (ПП РФ № 828), п. 15
MAX_AGE_YEARS = 120
# The current passport form exists since 1 October 1997 (ПП РФ № 828 of 08.07.1997).
FIRST_ISSUE_DATE = dt.date(1997, 10, 1)
NAME_MAX_LENGTH = 100
BIRTH_PLACE_MAX_LENGTH = 255
ISSUED_BY_MAX_LENGTH = 500
PASSPORT_FIELDS = PassportInput.fields()
_SPACES = re.compile(r"[\s\u00a0]+")


class PassportView(View):
    """The full passport, for the edit form only."""

    last_name: str
    first_name: str
    middle_name: str | None
    birth_date: dt.date
    birth_place: str
    series: str
    number: str
    number_masked: str
    issue_date: dt.date
    issued_by: str
    division_code: str
    updated_at: dt.datetime


class PassportResult(PassportView):
    warnings: list[Notice] = Field(default_factory=list)
    version: int  # the client's version after the save: the next write sends it


def add_years(day: dt.date, years: int) -> dt.date:
    """The date `years` later; 29 February falls on 28 February (ГК РФ ст. 192 п. 3)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip()
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    return None


def _digits(value: Any) -> str:
    return _SPACES.sub("", value) if isinstance(value, str) else ""


def expiry_notice(birth_date: dt.date, issue_date: dt.date, today: dt.date) -> Notice | None:
    """A passport must be replaced at 20 and at 45; after 90 days of grace it is invalid."""
    for age in REPLACEMENT_AGES:
        birthday = add_years(birth_date, age)
        if issue_date < birthday and today > birthday + REPLACEMENT_GRACE:
            deadline = birthday + REPLACEMENT_GRACE
            return Notice(
                code="passport_expired",
                message=f"Паспорт недействителен: его нужно было заменить в {age} лет "
                f"(не позднее {deadline:%d.%m.%Y}). Попросите клиента действующий паспорт",
            )
    return None


def _validated(raw: dict[str, Any], today: dt.date) -> dict[str, Any]:
    """All fields checked; every error reported at once, in Russian, under the field's name."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}

    for field, label in (("last_name", "Фамилия"), ("first_name", "Имя")):
        cleaned, error = person_name_error(
            raw.get(field) or "", label, max_length=NAME_MAX_LENGTH, strict=True
        )
        errors.update({field: error} if error else {})
        values[field] = cleaned
    middle = raw.get("middle_name") or ""
    if isinstance(middle, str) and middle.strip():
        cleaned, error = person_name_error(
            middle, "Отчество", max_length=NAME_MAX_LENGTH, strict=True
        )
        errors.update({"middle_name": error} if error else {})
        values["middle_name"] = cleaned
    else:
        values["middle_name"] = None
    for field, label, limit in (
        ("birth_place", "Место рождения", BIRTH_PLACE_MAX_LENGTH),
        ("issued_by", "Кем выдан", ISSUED_BY_MAX_LENGTH),
    ):
        value = raw.get(field)
        cleaned, error = line_error(
            value if isinstance(value, str) else "", label, max_length=limit, no_angle_brackets=True
        )
        errors.update({field: error} if error else {})
        values[field] = cleaned

    series = _digits(raw.get("series"))
    if not re.fullmatch(r"\d{4}", series):
        errors["series"] = "Серия — 4 цифры"
    number = _digits(raw.get("number"))
    if not re.fullmatch(r"\d{6}", number):
        errors["number"] = "Номер — 6 цифр"
    code = _digits(raw.get("division_code"))
    if re.fullmatch(r"\d{3}-?\d{3}", code):
        code = f"{code[:3]}-{code[-3:]}"
    else:
        errors["division_code"] = "Код подразделения — 6 цифр в виде 123-456"
    values.update(series=series, number=number, division_code=code)

    birth = _parse_date(raw.get("birth_date"))
    if birth is None:
        errors["birth_date"] = "Дата рождения: нужна дата ДД.ММ.ГГГГ"
    elif birth >= today:
        errors["birth_date"] = "Дата рождения должна быть в прошлом"
    elif birth < add_years(today, -MAX_AGE_YEARS):
        errors["birth_date"] = f"Дата рождения: не раньше чем {MAX_AGE_YEARS} лет назад"
    issue = _parse_date(raw.get("issue_date"))
    if issue is None:
        errors["issue_date"] = "Дата выдачи: нужна дата ДД.ММ.ГГГГ"
    elif issue > today:
        errors["issue_date"] = "Дата выдачи не может быть в будущем"
    elif issue < FIRST_ISSUE_DATE:
        errors["issue_date"] = "Паспорт РФ нового образца выдаётся с 01.10.1997"
    elif birth is not None and "birth_date" not in errors:
        fourteenth = add_years(birth, MIN_ISSUE_AGE)
        if issue < fourteenth:
            errors["issue_date"] = (
                f"Паспорт выдают с 14 лет: дата выдачи не раньше {fourteenth:%d.%m.%Y}"
            )
    values.update(birth_date=birth, issue_date=issue)

    if errors:
        raise ValidationFailed("invalid_passport", next(iter(errors.values())), fields=errors)
    return values


def _values(row: UserPassport) -> dict[str, Any]:
    """The passport as the form has it: the stored fields, the secret ones decrypted."""
    return {
        **{
            field: getattr(row, field)
            for field in PASSPORT_FIELDS
            if field not in passport_vault.SECRET_FIELDS
        },
        **passport_vault.open_row(row).as_dict(),
    }


def _view(row: UserPassport, values: dict[str, Any]) -> dict[str, Any]:
    return {
        **{field: values[field] for field in PASSPORT_FIELDS},
        "number_masked": row.number_masked,
        "updated_at": row.updated_at,
    }


def _warnings(session: Session, row: UserPassport, values: dict[str, Any], today: dt.date):
    warnings = []
    expired = expiry_notice(values["birth_date"], values["issue_date"], today)
    if expired:
        warnings.append(expired)
    duplicate = session.exec(
        select(UserPassport.id).where(
            passport_vault.duplicate_condition(
                values["series"], values["number"], other_than_user=row.user_id
            )
        )
    ).first()
    if duplicate is not None:
        warnings.append(
            Notice(
                code="passport_duplicate",
                message="Паспорт с такой серией и номером уже указан у другого клиента — "
                "проверьте данные",
            )
        )
    return warnings


def passport_row(session: Session, user_id: int) -> UserPassport | None:
    return session.exec(select(UserPassport).where(UserPassport.user_id == user_id)).first()


def _store(row: UserPassport, values: dict[str, Any]) -> None:
    for field, value in values.items():
        if field not in passport_vault.SECRET_FIELDS:
            setattr(row, field, value)
    for column, value in passport_vault.sealed_columns(row.user_id, values).items():
        setattr(row, column, value)


def save_passport(
    actor: Actor, client_id: int, passport: PassportInput, *, version: int
) -> PassportResult:
    """Create or replace the passport. Dates: date objects, «ГГГГ-ММ-ДД» or «ДД.ММ.ГГГГ»."""
    today = moscow_today()
    values = _validated(passport.model_dump(include=set(PASSPORT_FIELDS)), today)
    with transaction() as session:
        client = client_for_change(session, actor, client_id, version)
        row = passport_row(session, client.user_id)
        before = _values(row) if row else {}
        changes = audit.changed_fields(before, values)
        if row is None:
            row = UserPassport(user_id=client.user_id, updated_by=actor.id)
        if changes:
            _store(row, values)
            row.updated_by = actor.id
            row.updated_at = utcnow()
            session.add(row)
            mark_changed(session, client, supersede_contract=True)
            audit.record(
                session,
                actor,
                "passport_saved",
                "passport",
                client.user_id,
                client_id=client.id,
                changes=changes,
            )
            journal.log_event(
                session,
                client.id,
                actor,
                "Шаг «Паспорт»: паспорт "
                f"{mask_passport(values['series'], values['number'])} "
                f"{'сохранён' if not before else 'изменён'}",
            )
            session.flush()
        return PassportResult(
            **_view(row, values),
            warnings=_warnings(session, row, values, today),
            version=client.version,
        )


def form_view(session: Session, client: ManagerClient) -> PassportResult | None:
    """The full passport for the edit form, with its warnings (the caller checked the viewer)."""
    row = passport_row(session, client.user_id)
    if row is None:
        return None
    values = _values(row)
    return PassportResult(
        **_view(row, values),
        warnings=_warnings(session, row, values, moscow_today()),
        version=client.version,
    )


def full_passport(actor: Actor, client_id: int) -> PassportResult | None:
    """The full passport for the edit form: only the assignee or an admin sees the numbers."""
    with transaction() as session:
        client = find_client(session, client_id)
        check_assignee(session, actor, client)
        result = form_view(session, client)
        if result is not None:
            passport_reads.record_passport_read(
                session, actor, client, passport_reads.VIEW_PASSPORT_FORM
            )
        return result


def masked_view(session: Session, user_id: int) -> PassportMaskedView | None:
    """For the client card: the number masked ('45** ****56')."""
    row = passport_row(session, user_id)
    if row is None:
        return None
    view = _view(row, _values(row))
    del view["series"], view["number"]
    return PassportMaskedView(**view)


# ---- Reveal (the client card's «Показать») -----------------------------------------------------


class RevealedPassport(View):
    series: str
    number: str
    number_full: str  # «4512 123456»
    number_masked: str
    revealed_at: dt.datetime


def reveal_passport(actor: Actor, client_id: int) -> RevealedPassport:
    """The full series and number, for the manager who holds the client or an admin."""
    with transaction() as session:
        client = find_client(session, client_id)
        if not is_holder(actor, client):
            raise Forbidden(
                "pii_forbidden",
                "Полный номер паспорта может посмотреть только менеджер, который ведёт клиента, "
                "или администратор",
            )
        passport = passport_row(session, client.user_id)
        if passport is None:
            raise NotFound("passport_not_found", "Паспорт ещё не заполнен")
        secrets = passport_vault.open_row(passport)
        masked = passport.number_masked
        audit.record(
            session,
            actor,
            passport_reads.REVEAL_PASSPORT,
            "passport",
            client.user_id,
            client_id=client.id,
            # What was viewed, never the number itself.
            changes={"viewed": {"before": None, "after": f"серия и номер паспорта {masked}"}},
        )
        return RevealedPassport(
            series=secrets.series,
            number=secrets.number,
            number_full=f"{secrets.series} {secrets.number}",
            number_masked=masked,
            revealed_at=utcnow(),
        )
