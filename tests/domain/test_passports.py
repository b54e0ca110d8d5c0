"""Step 2 «Паспорт»: the rules of DESIGN §5, warnings, and masking everywhere but the form."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from privet_manager_app.domain.clients import card as client_card
from privet_manager_app.domain.common.clock import moscow_today
from privet_manager_app.domain.common.errors import Conflict, Forbidden, ValidationFailed
from privet_manager_app.domain.inputs import PassportInput
from privet_manager_app.domain.wizard import passport as passports
from privet_manager_app.domain.wizard.passport import add_years, expiry_notice
from privet_manager_app.infra.db import transaction
from privet_manager_app.schema.tables import ManagerAuditLog, ManagerSupportMessage, UserPassport
from tests.support.factories import claimed_client, count
from tests.support.samples import without_times

TODAY = moscow_today()


def _fields(**overrides):
    birth = add_years(TODAY, -30)
    fields = {
        "last_name": "Петров",
        "first_name": "Иван",
        "middle_name": "Сергеевич",
        "birth_date": birth.isoformat(),
        "birth_place": "гор. Москва",
        "series": "4512",
        "number": "123456",
        "issue_date": add_years(birth, 20) + dt.timedelta(days=10),
        "issued_by": "ОВД района Хамовники г. Москвы",
        "division_code": "772-001",
    }
    fields.update(overrides)
    return fields


def _save(actor, client_id: int, *, version: int = 2, **overrides) -> passports.PassportResult:
    """Step 2 saved with the sample passport, changed by `overrides`; a fresh client is at v2."""
    return passports.save_passport(
        actor, client_id, PassportInput(**_fields(**overrides)), version=version
    )


def test_паспорт_сохраняется_и_в_форме_виден_полностью(manager):
    client = claimed_client(manager)
    result = _save(manager, client.id)
    assert (result.series, result.number, result.number_masked) == ("4512", "123456", "45** ****56")
    assert result.warnings == []
    assert result.version == 3
    full = passports.full_passport(manager, client.id)
    assert full.number == "123456"
    assert full.middle_name == "Сергеевич"


def test_в_карточке_клиента_номер_паспорта_замаскирован(manager):
    client = claimed_client(manager)
    _save(manager, client.id)
    detail = client_card.get_client(manager, client.id)
    assert detail.passport.number_masked == "45** ****56"
    dumped = without_times(detail.model_dump_json())
    assert "<time>" in dumped  # the times were there and are cut out, not the whole text
    assert "123456" not in dumped
    assert "4512" not in dumped


def test_в_аудите_и_журнале_номер_замаскирован(manager):
    client = claimed_client(manager)
    _save(manager, client.id)
    _save(manager, client.id, number="654321", version=3)
    with transaction() as session:
        changes = (
            session.execute(
                sa.select(ManagerAuditLog.changes).where(ManagerAuditLog.action == "passport_saved")
            )
            .scalars()
            .all()
        )
        journal = session.execute(sa.select(ManagerSupportMessage.body)).scalars().all()
    everything = json.dumps(changes, ensure_ascii=False) + " ".join(journal)
    for secret in ("4512", "123456", "654321", "772-001"):
        assert secret not in everything
    assert changes[1] == {"number": {"before": "****56", "after": "****21"}}
    assert "Шаг «Паспорт»: паспорт 45** ****21 изменён" in journal


def test_код_подразделения_без_дефиса_и_серия_с_пробелом_нормализуются(manager):
    client = claimed_client(manager)
    result = _save(manager, client.id, series="45 12", division_code="772001")
    assert (result.series, result.division_code) == ("4512", "772-001")


def test_даты_принимаются_и_в_русском_формате(manager):
    client = claimed_client(manager)
    result = _save(manager, client.id, birth_date="15.03.1990", issue_date="20.03.2010")
    assert result.birth_date == dt.date(1990, 3, 15)
    assert result.issue_date == dt.date(2010, 3, 20)


def test_все_ошибки_паспорта_сообщаются_сразу(manager):
    client = claimed_client(manager)
    with pytest.raises(ValidationFailed) as error:
        passports.save_passport(
            manager,
            client.id,
            PassportInput(
                **_fields(
                    last_name="",
                    first_name="Иван2",
                    series="451",
                    number="12345a",
                    division_code="77-2001",
                    birth_date=(TODAY + dt.timedelta(days=1)).isoformat(),
                    issue_date=(TODAY + dt.timedelta(days=1)).isoformat(),
                    birth_place="",
                    issued_by="",
                )
            ),
            version=2,
        )
    assert error.value.code == "invalid_passport"
    assert set(error.value.fields) == {
        "last_name",
        "first_name",
        "series",
        "number",
        "division_code",
        "birth_date",
        "issue_date",
        "birth_place",
        "issued_by",
    }
    assert error.value.fields["series"] == "Серия — 4 цифры"
    assert error.value.fields["number"] == "Номер — 6 цифр"
    assert error.value.fields["birth_date"] == "Дата рождения должна быть в прошлом"
    assert error.value.fields["issue_date"] == "Дата выдачи не может быть в будущем"
    assert count(UserPassport) == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("series", "45123"),
        ("series", "АБВГ"),
        ("number", "12345"),
        ("number", "1234567"),
        ("division_code", "772-0011"),
        ("division_code", "код"),
        ("birth_date", "вчера"),
        ("issue_date", "2010-02-30"),
        ("last_name", "<script>"),
        ("last_name", "Петров\u202e"),
        ("first_name", "И" * 101),
        ("middle_name", "Сергеевич1"),
        ("issued_by", "О" * 501),
        ("birth_place", "М" * 256),
    ],
)
def test_неверное_поле_паспорта_отклоняется(manager, field, value):
    client = claimed_client(manager)
    with pytest.raises(ValidationFailed) as error:
        _save(manager, client.id, **{field: value})
    assert list(error.value.fields) == [field]


def test_дата_рождения_не_раньше_чем_120_лет_назад(manager):
    client = claimed_client(manager)
    old = add_years(TODAY, -121)
    with pytest.raises(ValidationFailed) as error:
        _save(manager, client.id, birth_date=old, issue_date="2000-01-01")
    assert "birth_date" in error.value.fields


def test_паспорт_выдают_не_раньше_14_лет(manager):
    client = claimed_client(manager)
    birth = dt.date(2000, 6, 15)
    with pytest.raises(ValidationFailed) as error:
        _save(manager, client.id, birth_date=birth, issue_date=dt.date(2014, 6, 14))
    assert error.value.fields["issue_date"] == (
        "Паспорт выдают с 14 лет: дата выдачи не раньше 15.06.2014"
    )
    result = _save(manager, client.id, birth_date=birth, issue_date=dt.date(2014, 6, 15))
    assert result.issue_date == dt.date(2014, 6, 15)


def test_паспорт_старого_образца_до_1997_года_отклоняется(manager):
    client = claimed_client(manager)
    with pytest.raises(ValidationFailed) as error:
        _save(manager, client.id, birth_date="1950-01-01", issue_date="1990-01-01")
    assert "1997" in error.value.fields["issue_date"]


BIRTH = dt.date(1990, 5, 10)


@pytest.mark.parametrize(
    ("issue", "today", "expired"),
    [
        # Issued at 14, not replaced at 20: 90 days of grace, then invalid.
        (dt.date(2004, 6, 1), dt.date(2010, 8, 8), False),  # 20th birthday + 90 days exactly
        (dt.date(2004, 6, 1), dt.date(2010, 8, 9), True),  # the day after the grace
        (dt.date(2004, 6, 1), dt.date(2010, 5, 11), False),  # just turned 20
        # Replaced at 20: valid until 45 + 90 days.
        (dt.date(2010, 6, 1), dt.date(2035, 8, 8), False),
        (dt.date(2010, 6, 1), dt.date(2035, 8, 9), True),
        # Replaced at 45: valid for life.
        (dt.date(2035, 6, 1), dt.date(2080, 1, 1), False),
        # Issued at 14 and never replaced: long expired.
        (dt.date(2004, 6, 1), dt.date(2040, 1, 1), True),
    ],
)
def test_паспорт_не_заменённый_в_20_или_45_лет_помечается_просроченным(issue, today, expired):
    notice = expiry_notice(BIRTH, issue, today)
    assert (notice is not None) == expired
    if expired:
        assert notice.code == "passport_expired"


def test_родившийся_29_февраля_меняет_паспорт_с_28_февраля():
    birth = dt.date(2000, 2, 29)
    assert add_years(birth, 20) == dt.date(2020, 2, 29)
    assert add_years(birth, 45) == dt.date(2045, 2, 28)
    assert expiry_notice(birth, dt.date(2020, 3, 1), dt.date(2045, 5, 29)) is None
    assert expiry_notice(birth, dt.date(2020, 3, 1), dt.date(2045, 5, 30)) is not None


def test_просроченный_паспорт_сохраняется_с_предупреждением(manager):
    client = claimed_client(manager)
    birth = add_years(TODAY, -25)
    result = passports.save_passport(
        manager,
        client.id,
        PassportInput(
            **_fields(birth_date=birth, issue_date=add_years(birth, 14) + dt.timedelta(days=5))
        ),
        version=2,
    )
    assert [notice.code for notice in result.warnings] == ["passport_expired"]
    assert "20 лет" in result.warnings[0].message
    assert count(UserPassport) == 1


def test_такой_же_паспорт_у_другого_клиента_помечается(manager):
    first = claimed_client(manager)
    second = claimed_client(manager, name="Пётр", phone=None)
    _save(manager, first.id)
    result = _save(manager, second.id, last_name="Сидоров")
    assert [notice.code for notice in result.warnings] == ["passport_duplicate"]
    # Saving the first client again also shows the clash.
    again = passports.full_passport(manager, first.id)
    assert [notice.code for notice in again.warnings] == ["passport_duplicate"]


def test_полный_номер_видит_только_ответственный_или_админ(manager, make_manager, admin):
    other = make_manager(name="Мастер Виктор")
    client = claimed_client(manager)
    assert passports.full_passport(manager, client.id) is None
    _save(manager, client.id)
    with pytest.raises(Forbidden):
        passports.full_passport(other, client.id)
    assert passports.full_passport(admin, client.id).number == "123456"
    assert client_card.get_client(other, client.id).passport.number_masked == "45** ****56"


def test_паспорт_по_устаревшей_версии_не_сохраняется(manager):
    client = claimed_client(manager)
    _save(manager, client.id)
    with pytest.raises(Conflict) as error:
        _save(manager, client.id, number="000001")
    assert error.value.code == "stale_version"
    assert passports.full_passport(manager, client.id).number == "123456"


def test_повторное_сохранение_того_же_паспорта_не_меняет_версию(manager):
    client = claimed_client(manager)
    _save(manager, client.id)
    result = _save(manager, client.id, version=3)
    assert result.version == 3
    assert count(ManagerAuditLog, ManagerAuditLog.action == "passport_saved") == 1
