"""Step 1 «Данные»: contact fields into the client app's `users`, the address into ours."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from privet_manager_app.domain.clients import card as client_card
from privet_manager_app.domain.clients import listing as clients
from privet_manager_app.domain.common.errors import Conflict, Forbidden, ValidationFailed
from privet_manager_app.domain.inputs import ProfileInput
from privet_manager_app.domain.wizard import profile
from privet_manager_app.infra.db import transaction
from privet_manager_app.schema.client_app import ClientUser
from privet_manager_app.schema.tables import (
    ManagerAuditLog,
    ManagerContract,
    ManagerSupportMessage,
)
from tests.support.factories import (
    claimed_client,
    client_row,
    count,
    new_client,
    set_status,
    version_of,
)


def _user(user_id: int) -> ClientUser:
    with transaction() as session:
        return session.get(ClientUser, user_id)


def test_имя_телефон_и_email_пишутся_в_строку_клиента_приложения(manager):
    client = claimed_client(manager)
    before = _user(client.user_id).updated_at
    view = profile.update_profile(
        manager,
        client.id,
        ProfileInput(
            name="  Иван   Петров ", phone="8 (916) 765-43-21", email="Ivan.Petrov@Example.RU"
        ),
        version=2,
    )
    user = _user(client.user_id)
    assert (user.name, user.phone, user.email) == (
        "Иван Петров",
        "+79167654321",
        "Ivan.Petrov@example.ru",
    )
    assert user.updated_at > before
    assert view.version == 3
    assert view.phone_display == "+7 916 765-43-21"
    assert view.warnings == []


def test_каждое_изменение_оставляет_запись_в_аудите_и_журнале(manager):
    client = claimed_client(manager)
    profile.update_profile(
        manager, client.id, ProfileInput(name="Иван Петров", phone="+79161234567"), version=2
    )
    with transaction() as session:
        entry = session.execute(
            sa.select(ManagerAuditLog).where(ManagerAuditLog.action == "profile_updated")
        ).scalar_one()
        journal = (
            session.execute(
                sa.select(ManagerSupportMessage.body).order_by(ManagerSupportMessage.id.desc())
            )
            .scalars()
            .first()
        )
    # The phone typed as "8 916 123-45-67" becomes E.164: that is a change too.
    assert entry.changes["name"] == {"before": "иван петров", "after": "Иван Петров"}
    assert entry.changes["phone"] == {"before": "8 916 123-45-67", "after": "+79161234567"}
    assert entry.manager_id == manager.id
    assert entry.client_id == client.id
    assert journal == "Шаг «Данные»: изменены имя, телефон"


def test_сохранение_без_изменений_не_меняет_версию(manager):
    client = claimed_client(manager, name="Иван Петров", phone="+79161234567")
    view = profile.update_profile(manager, client.id, ProfileInput(name="Иван Петров"), version=2)
    assert view.version == 2
    assert count(ManagerAuditLog, ManagerAuditLog.action == "profile_updated") == 0


@pytest.mark.parametrize(
    ("phone", "message_part"),
    [
        ("+7 701 123 45 67", "Казахстан"),
        ("+7 727 123 45 67", "Казахстан"),
        ("12345", "российский"),
        ("+44 20 7946 0958", "российский"),
        ("телефон", "номер"),
    ],
)
def test_нероссийский_или_неверный_телефон_отклоняется(manager, phone, message_part):
    client = claimed_client(manager)
    with pytest.raises(ValidationFailed) as error:
        profile.update_profile(manager, client.id, ProfileInput(phone=phone), version=2)
    assert error.value.code == "invalid_phone"
    assert message_part in error.value.fields["phone"]
    assert _user(client.user_id).phone == "8 916 123-45-67"
    assert version_of(client.id) == 2


def test_все_ошибки_полей_сообщаются_сразу(manager):
    client = claimed_client(manager)
    with pytest.raises(ValidationFailed) as error:
        profile.update_profile(
            manager,
            client.id,
            ProfileInput(
                name="И", phone="+7 701 123 45 67", email="не-почта", address={"postcode": "12"}
            ),
            version=2,
        )
    assert error.value.code == "invalid_profile"
    assert set(error.value.fields) == {"name", "phone", "email", "address.postcode"}


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("<script>alert(1)</script>", "invalid_name"),
        ("Иван <b>Петров</b>", "invalid_name"),
        ("Иван\u202eПетров", "invalid_name"),
        ("Иван\x00", "invalid_name"),
        ("И", "invalid_name"),
        ("   ", "invalid_name"),
        ("12345", "invalid_name"),
        ("Я" * 256, "invalid_name"),
    ],
)
def test_имя_с_html_управляющими_символами_или_неверной_длины_отклоняется(manager, name, code):
    client = claimed_client(manager)
    with pytest.raises(ValidationFailed) as error:
        profile.update_profile(manager, client.id, ProfileInput(name=name), version=2)
    assert error.value.code == code
    assert "name" in error.value.fields
    assert _user(client.user_id).name == "иван петров"


def test_html_в_имени_отклоняется_с_понятным_сообщением(manager):
    client = claimed_client(manager)
    with pytest.raises(ValidationFailed) as error:
        profile.update_profile(manager, client.id, ProfileInput(name="<b>Иван</b>"), version=2)
    assert error.value.fields["name"] == "Имя: символы < и > недопустимы"


def test_имя_с_апострофом_и_амперсандом_сохраняется_как_текст(manager):
    client = claimed_client(manager)
    profile.update_profile(manager, client.id, ProfileInput(name="Д'Артаньян & Ко"), version=2)
    assert _user(client.user_id).name == "Д'Артаньян & Ко"


def test_пустой_email_стирает_его_а_неверный_отклоняется(manager):
    client = claimed_client(manager, email="old@example.ru")
    with pytest.raises(ValidationFailed) as error:
        profile.update_profile(manager, client.id, ProfileInput(email="a@b"), version=2)
    assert error.value.code == "invalid_email"
    profile.update_profile(manager, client.id, ProfileInput(email="  "), version=2)
    assert _user(client.user_id).email is None


def test_адрес_строкой_раскладывается_и_виден_в_списке(manager):
    client = claimed_client(manager)
    line = "Московская обл., г. Химки, ул. Ленина, д 5 к2 кв 17"
    view = profile.update_profile(
        manager, client.id, ProfileInput(registration_address=line), version=2
    )
    assert view.registration_address == line
    assert view.address.city == "г. Химки"
    assert view.address.building == "2"
    assert view.unrecognized_address_parts == []
    stored = client_row(client.id)
    assert (stored.region, stored.street, stored.house, stored.apartment) == (
        "Московская обл.",
        "ул. Ленина",
        "5",
        "17",
    )
    page = clients.list_clients(manager, tab="mine")
    assert [card.registration_address for card in page.items] == [line]
    assert client_card.get_client(manager, client.id).address.apartment == "17"


def test_поля_адреса_правятся_по_одному_и_строка_пересобирается(manager):
    client = claimed_client(manager)
    profile.update_profile(
        manager,
        client.id,
        ProfileInput(registration_address="г. Москва, ул. Тверская, д. 12, кв. 5"),
        version=2,
    )
    view = profile.update_profile(
        manager,
        client.id,
        ProfileInput(address={"apartment": "15", "postcode": "125009"}),
        version=3,
    )
    assert view.registration_address == "125009, г. Москва, ул. Тверская, д. 12, кв. 15"
    assert view.address.street == "ул. Тверская"
    view = profile.update_profile(
        manager, client.id, ProfileInput(address={"apartment": ""}), version=4
    )
    assert view.registration_address == "125009, г. Москва, ул. Тверская, д. 12"
    assert view.address.apartment is None


def test_строка_и_поля_вместе_поля_главнее(manager):
    client = claimed_client(manager)
    view = profile.update_profile(
        manager,
        client.id,
        ProfileInput(
            registration_address="Москва Тверская 12",
            address={"city": "г. Москва", "street": "ул. Тверская", "house": "12"},
        ),
        version=2,
    )
    assert view.registration_address == "г. Москва, ул. Тверская, д. 12"
    assert view.unrecognized_address_parts == ["Москва Тверская 12"]


def test_нераспознанная_часть_адреса_возвращается_менеджеру(manager):
    client = claimed_client(manager)
    view = profile.update_profile(
        manager,
        client.id,
        ProfileInput(registration_address="г. Москва, ул. Тверская, д. 3, вход со двора 2"),
        version=2,
    )
    assert view.unrecognized_address_parts == ["вход со двора 2"]
    assert view.registration_address == "г. Москва, ул. Тверская, д. 3, вход со двора 2"


def test_слишком_длинный_адрес_отклоняется(manager):
    client = claimed_client(manager)
    with pytest.raises(ValidationFailed) as error:
        profile.update_profile(
            manager, client.id, ProfileInput(registration_address="д" * 501), version=2
        )
    assert error.value.code == "invalid_address"
    assert client_row(client.id).registration_address is None


def test_устаревшая_версия_не_перезаписывает_чужую_правку(manager):
    client = claimed_client(manager)
    profile.update_profile(manager, client.id, ProfileInput(name="Иван Петров"), version=2)
    with pytest.raises(Conflict) as error:
        profile.update_profile(manager, client.id, ProfileInput(name="Пётр Иванов"), version=2)
    assert error.value.code == "stale_version"
    assert error.value.extra == {"current_version": 3}
    assert "изменились" in error.value.message
    assert _user(client.user_id).name == "Иван Петров"


def test_чужой_менеджер_не_меняет_данные_а_админ_может(manager, make_manager, admin):
    other = make_manager(name="Мастер Виктор")
    client = claimed_client(manager)
    with pytest.raises(Forbidden) as error:
        profile.update_profile(other, client.id, ProfileInput(name="Пётр"), version=2)
    assert error.value.code == "not_assignee"
    assert "Мастер Анна" in error.value.message
    profile.update_profile(admin, client.id, ProfileInput(name="Пётр Первый"), version=2)
    assert _user(client.user_id).name == "Пётр Первый"


def test_нового_клиента_сначала_нужно_взять_в_работу(manager):
    client = new_client()
    with pytest.raises(Conflict) as error:
        profile.update_profile(manager, client.id, ProfileInput(name="Пётр Первый"), version=1)
    assert error.value.code == "not_claimed"


def test_телефон_другого_клиента_даёт_предупреждение_но_сохраняется(manager):
    new_client(name="Другой", phone="8 (916) 111-22-33")
    client = claimed_client(manager)
    view = profile.update_profile(
        manager, client.id, ProfileInput(phone="+7 916 111 22 33"), version=2
    )
    assert [notice.code for notice in view.warnings] == ["phone_in_use"]
    assert _user(client.user_id).phone == "+79161112233"


def test_правка_после_отправки_договора_аннулирует_неподписанный_договор(manager):
    client = claimed_client(manager)
    with transaction() as session:
        contract = ManagerContract(
            client_id=client.id,
            number="ПМ-2026-000001",
            data_snapshot={},
            surcharge=Decimal("0"),
            otp_hash="0" * 64,
        )
        session.add(contract)
        session.flush()
        contract_id = contract.id
    set_status(client.id, "contract_sent")
    view = profile.update_profile(manager, client.id, ProfileInput(name="Иван Петров"), version=2)
    assert view.status == "in_progress"
    with transaction() as session:
        contract = session.get(ManagerContract, contract_id)
    assert contract.status == "superseded"
    assert contract.otp_hash is None


def test_после_подписания_данные_заморожены(manager):
    client = claimed_client(manager)
    set_status(client.id, "signed")
    with pytest.raises(Conflict) as error:
        profile.update_profile(manager, client.id, ProfileInput(name="Иван Петров"), version=2)
    assert error.value.code == "client_frozen"


def test_телефон_показывается_так_же_как_его_форматирует_libphonenumber():
    """The shortcut for stored mobile numbers (the CSV export's hot path) against the library,
    over every 9xx prefix, plus numbers the shortcut must leave to it."""
    import random

    import phonenumbers

    from privet_manager_app.domain.wizard.phones import display_phone

    def by_library(stored: str) -> str:
        number = phonenumbers.parse(stored, "RU")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)

    draw = random.Random(20261202)
    stored = [f"+7{prefix}{draw.randrange(10**7):07d}" for prefix in range(900, 1000)]
    stored += [f"+79{draw.randrange(10**9):09d}" for _ in range(2000)]
    for number in stored:
        assert display_phone(number) == by_library(number), number
    # Not the stored mobile form: formatted by the library, or shown as stored.
    assert display_phone("+74951234567") == "+7 495 123-45-67"
    assert display_phone("8 (916) 123-45-67") == "+7 916 123-45-67"
    assert display_phone("+7916123456") == "+7916123456"
    assert display_phone("не телефон") == "не телефон"
    assert display_phone(None) == ""
