"""The machine-readable zone of the Russian internal passport: layout, check digits, OCR repair.

Pure: no database, no image. Lines come from a real passport specimen published with a public
MRZ parser's tests, from ICAO 9303's own examples, and from the project's encoder.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest

from privet_manager_app.domain.wizard import passport_mrz
from privet_manager_app.domain.wizard.passport_mrz import NotAZone, check_digit, decode, encode
from tests.support.passport_samples import random_person

TODAY = dt.date(2026, 11, 1)
# A real passport's zone (the MRZParser test suite's «testTD3RussianPassport»): ЗДРИЛЮК СЕРГЕЙ
# АНАТОЛЬЕВИЧ, 39 14 935349, born 23.07.1972, issued 18.12.2015 by division 910-003.
REAL_LINE1 = "PNRUSZDRIL7K<<SERGEQ<ANATOL9EVI3<<<<<<<<<<<<"
REAL_LINE2 = "3919353498RUS7207233M<<<<<<<4151218910003<50"
PERSON = {
    "last_name": "Иванова",
    "first_name": "Наталья",
    "middle_name": "Петровна",
    "birth_date": dt.date(1985, 3, 15),
    "sex": "F",
    "series": "4512",
    "number": "345678",
    "issue_date": dt.date(2019, 6, 20),
    "division_code": "770-001",
}


def _with(line: str, position: int, char: str) -> str:
    return line[:position] + char + line[position + 1 :]


def test_контрольные_цифры_по_icao_9303():
    # ICAO Doc 9303 Part 3, the worked examples of §4.9 and the specimen «L898902C3».
    assert check_digit("520727") == 3
    assert check_digit("L898902C3") == 6
    assert check_digit("740812") == 2
    assert check_digit("<<<<<<") == 0


def test_настоящий_паспорт_читается_полностью():
    zone = decode(REAL_LINE1, REAL_LINE2, today=TODAY)
    assert zone.fields() == {
        "last_name": "Здрилюк",
        "first_name": "Сергей",
        "middle_name": "Анатольевич",
        "birth_date": "1972-07-23",
        "sex": "M",
        "series": "3914",
        "number": "935349",
        "issue_date": "2015-12-18",
        "division_code": "910-003",
    }
    assert zone.unchecked == ()


def test_кодировщик_пишет_те_же_строки_что_в_настоящем_паспорте():
    lines = encode(
        last_name="Здрилюк",
        first_name="Сергей",
        middle_name="Анатольевич",
        birth_date=dt.date(1972, 7, 23),
        sex="M",
        series="3914",
        number="935349",
        issue_date=dt.date(2015, 12, 18),
        division_code="910-003",
    )
    assert lines == (REAL_LINE1, REAL_LINE2)


def test_буквы_ё_й_щ_ъ_ь_э_ю_я_ч_ш_пишутся_цифрами_и_читаются_обратно():
    line1, line2 = encode(
        **{
            **PERSON,
            "last_name": "Щёчкин-Подъячев",
            "first_name": "Эльмира",
            "middle_name": "Юрьевна",
        }
    )
    assert line1 == "PNRUSW23KIN<PODX83EV<<6L9MIRA<7R9EVNA<<<<<<<"
    zone = decode(line1, line2, today=TODAY)
    assert (zone.last_name, zone.first_name, zone.middle_name) == (
        "Щёчкин-Подъячев",
        "Эльмира",
        "Юрьевна",
    )


def test_случайные_паспорта_кодируются_и_читаются_без_потерь():
    rng = random.Random(7)
    for _ in range(300):
        person = random_person(rng)
        zone = decode(*person.zone(), today=TODAY)
        assert zone.series == person.series
        assert zone.number == person.number
        assert zone.birth_date == person.birth_date
        assert zone.issue_date == person.issue_date
        assert zone.division_code == person.division_code
        assert zone.sex == person.sex
        assert zone.last_name == person.last_name
        if "<" in person.zone()[0][-1]:  # not cut short
            assert zone.middle_name == person.middle_name
            assert zone.unchecked == ()


def test_ошибка_в_дате_рождения_помечается_проверьте():
    line1, line2 = encode(**PERSON)
    misread = _with(line2, 15, "1" if line2[15] != "1" else "2")  # month digit changed
    zone = decode(line1, misread, today=TODAY)
    assert zone.unchecked == ("birth_date",)
    assert zone.series == PERSON["series"]


def test_ошибка_в_номере_помечает_серию_и_номер():
    line1, line2 = encode(**PERSON)
    zone = decode(line1, _with(line2, 5, "9" if line2[5] != "9" else "0"), today=TODAY)
    assert zone.unchecked == ("series", "number")
    assert zone.number != PERSON["number"]  # returned as read, for the manager to fix


def test_ошибка_в_коде_подразделения_помечает_поля_второй_контрольной_цифры():
    line1, line2 = encode(**PERSON)
    zone = decode(line1, _with(line2, 37, "9" if line2[37] != "9" else "1"), today=TODAY)
    assert set(zone.unchecked) == {"series", "issue_date", "division_code"}


def test_неверная_итоговая_контрольная_цифра_помечает_все_поля_второй_строки():
    line1, line2 = encode(**PERSON)
    wrong = str((int(line2[43]) + 1) % 10)
    zone = decode(line1, _with(line2, 43, wrong), today=TODAY)
    assert set(zone.unchecked) == {"series", "number", "birth_date", "issue_date", "division_code"}


def test_буква_вместо_цифры_исправляется_по_типу_поля():
    line1, line2 = encode(**PERSON)
    position = line2.index("0", 13)  # a zero of a date, read as the letter O
    zone = decode(line1, _with(line2, position, "O"), today=TODAY)
    assert zone.unchecked == ()
    assert zone.fields() == decode(line1, line2, today=TODAY).fields()


def test_нечитаемая_цифра_восстанавливается_по_контрольной_если_место_известно():
    line1, line2 = encode(**PERSON)
    assert line2[4] == "4"
    misread = _with(line2, 4, "1")  # OCR-B «4» taken for «1»
    assert decode(line1, misread, today=TODAY).unchecked == ("series", "number")
    # The OCR doubted that very glyph: one unknown place, one value passes the check digit.
    zone = decode(line1, misread, today=TODAY, doubtful=[4])
    assert zone.unchecked == ()
    assert zone.number == PERSON["number"]


def test_две_сомнительные_цифры_в_одном_поле_не_угадываются():
    line1, line2 = encode(**PERSON)
    misread = _with(_with(line2, 3, "8"), 6, "8")
    zone = decode(line1, misread, today=TODAY, doubtful=range(44))
    if zone.number != PERSON["number"]:
        assert "number" in zone.unchecked


def test_потерянный_или_лишний_заполнитель_во_второй_строке_выравнивается():
    line1, line2 = encode(**PERSON)
    assert decode(line1, line2.replace("<<<<<<<", "<<<<<<", 1), today=TODAY).unchecked == ()
    assert decode(line1, line2.replace("<<<<<<<", "<<<<<<<<", 1), today=TODAY).unchecked == ()


def test_заполнители_прочитанные_как_буквы_в_конце_первой_строки_отбрасываются():
    line1, line2 = encode(**PERSON)
    noisy = line1[:30] + line1[30:].replace("<<<", "<K<", 1)[:-2] + "KK"
    zone = decode(noisy, line2, today=TODAY)
    assert (zone.last_name, zone.first_name, zone.middle_name) == ("Иванова", "Наталья", "Петровна")


def test_цифры_0_1_5_в_имени_это_буквы_o_i_s():
    line1, line2 = encode(**PERSON)
    zone = decode(line1.replace("IVANOVA", "1VAN0VA"), line2, today=TODAY)
    assert zone.last_name == "Иванова"


def test_длинное_имя_обрезано_по_правилам_и_помечено():
    person = {**PERSON, "last_name": "Константинопольская-Римская", "first_name": "Александра"}
    line1, line2 = encode(**person)
    assert len(line1) == 44
    assert not line1.endswith("<")
    # Surname and name take 38 characters or more: the name is cut at the 42nd character of
    # the line, then a filler and the patronymic's initial.
    assert line1 == "PNRUS" + "KONSTANTINOPOL9SKA8<RIMSKA8<<ALEKSAND<P"
    zone = decode(line1, line2, today=TODAY)
    assert zone.last_name == "Константинопольская-Римская"
    assert {"first_name", "middle_name"} <= set(zone.unchecked)


def test_не_зона_паспорта_не_читается():
    with pytest.raises(NotAZone):
        decode(
            "HELLO WORLD THIS IS NOT A PASSPORT AT ALL OK", "1234567890" * 4 + "1234", today=TODAY
        )
    with pytest.raises(NotAZone):
        decode("PNRUS", "", today=TODAY)


def test_поля_в_формате_формы_паспорта():
    zone = decode(*encode(**PERSON), today=TODAY)
    fields = zone.fields()
    assert (fields["series"], fields["number"]) == ("4512", "345678")
    assert fields["division_code"] == "770-001"
    assert (fields["birth_date"], fields["issue_date"]) == ("1985-03-15", "2019-06-20")
    assert set(fields) == set(passport_mrz.FIELDS)


def test_потерянная_цифра_в_начале_второй_строки_восстанавливается_по_контрольной():
    # OCR lost the first glyph and the 44-cell grid padded the end with a filler.
    line1, line2 = encode(**PERSON)
    zone = decode(line1, line2[1:] + "<", today=TODAY)
    assert zone.unchecked == ()
    assert (zone.series, zone.number) == (PERSON["series"], PERSON["number"])


def test_две_нечитаемые_цифры_не_угадываются_даже_если_догадка_сошлась():
    # «5524…» read as «<<24…»: guessing «00» happens to satisfy the check digit (7·5 + 3·5 ≡ 0),
    # yet ten pairs do — the field is flagged, not filled with a coincidence.
    line1, line2 = encode(**{**PERSON, "series": "5523", "number": "453994"})
    zone = decode(line1, "<<" + line2[2:], today=TODAY)
    assert {"series", "number"} <= set(zone.unchecked)
