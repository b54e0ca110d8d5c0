"""The registration address typed as one line → fields; fields → the canonical line."""

from __future__ import annotations

import pytest

from privet_manager_app.domain.common.errors import ValidationFailed
from privet_manager_app.domain.wizard.addresses import (
    format_address,
    parse_address,
    validate_fields,
)

CASES = [
    (
        "г. Москва, ул. Тверская, д. 12, кв. 5",
        {"city": "г. Москва", "street": "ул. Тверская", "house": "12", "apartment": "5"},
    ),
    (
        "Москва, Тверская ул., 12, 5",
        {"city": "Москва", "street": "Тверская ул.", "house": "12", "apartment": "5"},
    ),
    (
        "Московская обл., г. Химки, ул. Ленина, д 5 к2 кв 17",
        {
            "region": "Московская обл.",
            "city": "г. Химки",
            "street": "ул. Ленина",
            "house": "5",
            "building": "2",
            "apartment": "17",
        },
    ),
    (
        "141400, Московская область, г.Химки, ул.Ленина, д.5, корп.2, кв.17",
        {
            "postcode": "141400",
            "region": "Московская обл.",
            "city": "г. Химки",
            "street": "ул. Ленина",
            "house": "5",
            "building": "2",
            "apartment": "17",
        },
    ),
    (
        "ул. Ленина, д 5 к2 кв 17",
        {"street": "ул. Ленина", "house": "5", "building": "2", "apartment": "17"},
    ),
    (
        "Санкт-Петербург, Невский пр-т, д. 28, лит. А, пом. 3",
        {
            "city": "Санкт-Петербург",
            "street": "Невский пр-т",
            "house": "28",
            "building": "лит. А",
            "apartment": "пом. 3",
        },
    ),
    (
        "Республика Татарстан, г. Казань, ул. Баумана, 7",
        {"region": "Респ. Татарстан", "city": "г. Казань", "street": "ул. Баумана", "house": "7"},
    ),
    (
        "Краснодарский край, ст-ца Каневская, ул. Горького 15",
        {
            "region": "Краснодарский край",
            "city": "ст-ца Каневская",
            "street": "ул. Горького",
            "house": "15",
        },
    ),
    (
        "Московская обл., Одинцовский р-н, д. Ивановка, д. 3",
        {"region": "Московская обл., Одинцовский р-н", "city": "д. Ивановка", "house": "3"},
    ),
    (
        "г. Москва ул. Тверская д. 12 кв. 5",
        {"city": "г. Москва", "street": "ул. Тверская", "house": "12", "apartment": "5"},
    ),
    (
        "Москва, Ленинский проспект 45-12",
        {"city": "Москва", "street": "Ленинский пр-т", "house": "45", "apartment": "12"},
    ),
    (
        "Ханты-Мансийский автономный округ, г. Сургут, пр-т Мира, д. 10/2, кв. 99",
        {
            "region": "Ханты-Мансийский АО",
            "city": "г. Сургут",
            "street": "пр-т Мира",
            "house": "10/2",
            "apartment": "99",
        },
    ),
    (
        "г Шахты, ул 8 Марта, дом 3А, квартира 12",
        {"city": "г. Шахты", "street": "ул. 8 Марта", "house": "3А", "apartment": "12"},
    ),
    (
        "Россия, 620000, Екатеринбург, ул. Малышева, 51, стр. 1, оф. 204",
        {
            "postcode": "620000",
            "city": "Екатеринбург",
            "street": "ул. Малышева",
            "house": "51",
            "building": "стр. 1",
            "apartment": "оф. 204",
        },
    ),
    (
        "с. Ивановское, ул. Центральная, д. 1",
        {"city": "с. Ивановское", "street": "ул. Центральная", "house": "1"},
    ),
    (
        "пос. Октябрьский, 3-я ул. Строителей, д 7",
        {"city": "пос. Октябрьский", "street": "3-я ул. Строителей", "house": "7"},
    ),
    (
        "Новосибирск, Красный пр-т 12к3 кв 4",
        {
            "city": "Новосибирск",
            "street": "Красный пр-т",
            "house": "12",
            "building": "3",
            "apartment": "4",
        },
    ),
    (
        "ул. 1905 года, д. 7, корп. 1, стр. 2, кв. 3",
        {"street": "ул. 1905 года", "house": "7", "building": "1 стр. 2", "apartment": "3"},
    ),
    ("Каширское ш., 24", {"street": "Каширское ш.", "house": "24"}),
    (
        "МО, г. Химки, ул. Мира, 5",
        {"region": "Московская обл.", "city": "г. Химки", "street": "ул. Мира", "house": "5"},
    ),
    (
        "ул. Карла Маркса, д. 5",
        {"street": "ул. Карла Маркса", "house": "5"},
    ),
    (
        "  г. Москва ,  ул. Тверская,, д. 12  ",
        {"city": "г. Москва", "street": "ул. Тверская", "house": "12"},
    ),
    (
        "630099, г. Новосибирск, Красный проспект, дом № 18, квартира 7",
        {
            "postcode": "630099",
            "city": "г. Новосибирск",
            "street": "Красный пр-т",
            "house": "18",
            "apartment": "7",
        },
    ),
]


@pytest.mark.parametrize(("line", "expected"), CASES, ids=[case[0] for case in CASES])
def test_адрес_одной_строкой_раскладывается_по_полям(line, expected):
    parsed = parse_address(line)
    assert {name: value for name, value in parsed.fields().items() if value} == expected
    assert parsed.unrecognized == []


def test_москва_без_региона_остаётся_без_региона():
    parsed = parse_address("Москва, ул. Тверская, д. 1")
    assert parsed.region is None
    assert parsed.city == "Москва"


def test_непонятная_часть_адреса_не_теряется_а_показывается_менеджеру():
    parsed = parse_address("г. Москва, какая-то приписка 123, ул. Тверская, д. 1")
    assert parsed.city == "г. Москва"
    assert parsed.house == "1"
    assert "какая-то приписка 123" in parsed.unrecognized


def test_пустая_строка_даёт_пустой_адрес():
    assert not any(parse_address("   ").fields().values())


def test_деревня_не_путается_с_номером_дома():
    parsed = parse_address("д. Ивановка, ул. Садовая, д. 3")
    assert parsed.city == "д. Ивановка"
    assert parsed.house == "3"


def test_строка_собирается_из_полей_в_каноническом_порядке():
    line = format_address(
        {
            "apartment": "17",
            "building": "2",
            "house": "5",
            "street": "ул. Ленина",
            "city": "г. Химки",
            "region": "Московская обл.",
            "postcode": "141400",
        }
    )
    assert line == "141400, Московская обл., г. Химки, ул. Ленина, д. 5, корп. 2, кв. 17"
    assert format_address({"city": "г. Москва", "house": "вл. 3", "building": "стр. 1"}) == (
        "г. Москва, вл. 3, стр. 1"
    )


def test_разбор_и_сборка_сходятся():
    line = "141400, Московская обл., г. Химки, ул. Ленина, д. 5, корп. 2, кв. 17"
    assert format_address(parse_address(line).fields()) == line


def test_поля_адреса_проверяются_все_сразу():
    with pytest.raises(ValidationFailed) as error:
        validate_fields({"postcode": "12345", "house": "1" * 21, "city": "<b>Москва</b>"})
    assert set(error.value.fields) == {"address.postcode", "address.house", "address.city"}
    assert error.value.fields["address.postcode"] == "Индекс — 6 цифр"


def test_пустое_поле_адреса_очищает_его():
    assert validate_fields({"apartment": "  ", "house": " 5 "}) == {"apartment": None, "house": "5"}


def test_неизвестное_поле_адреса_отклоняется():
    with pytest.raises(ValidationFailed) as error:
        validate_fields({"country": "Россия"})
    assert "address.country" in error.value.fields
