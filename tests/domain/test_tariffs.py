"""Step 4, tariff: the surcharge formula (with property tests), admin editing with versions,
applying a tariff to a client and the REST surface."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import select

from privet_manager_app.dev import demo_tariffs
from privet_manager_app.domain.admin import tariffs
from privet_manager_app.domain.common.errors import Conflict, Forbidden, ValidationFailed
from privet_manager_app.domain.inputs import TariffInput, TariffPatch
from privet_manager_app.domain.wizard import contract as contracts
from privet_manager_app.domain.wizard import tariff_apply
from privet_manager_app.domain.wizard.device_categories import DEVICE_CATEGORIES
from privet_manager_app.domain.wizard.tariff_formula import TariffParams, calculate_surcharge
from privet_manager_app.infra.db import transaction
from privet_manager_app.schema.tables import ManagerAuditLog, ManagerContract
from tests.support.factories import (
    add_device,
    client_in_work,
    client_row,
    make_tariff,
    ready_client,
    tariff_id_by_code,
)


def params(**changes) -> TariffParams:
    values = {
        "code": "test",
        "name": "Тест",
        "version": 1,
        "base_monthly_fee": Decimal("990.00"),
        "included_devices": 1,
        "extra_device_fee": Decimal("300.00"),
        "category_fees": {"fridge": Decimal("700.00"), "tv": Decimal("400.00")},
        "max_discount_pct": Decimal("20"),
    }
    values.update(changes)
    return TariffParams(**values)


# ---- The formula --------------------------------------------------------------------------------


def test_доплата_складывается_из_лишних_устройств_и_категорий_с_понятной_разбивкой():
    surcharge = calculate_surcharge(params(), ["smartphone", "fridge", "tv", "fridge"])
    # 3 devices over the 1 included × 300 + 2 fridges × 700 + 1 TV × 400
    assert surcharge.total == Decimal("2700.00")
    assert [line.label for line in surcharge.lines] == [
        "Дополнительные устройства: 3 × 300,00\u00a0₽",
        "Категория «Телевизор» × 1",
        "Категория «Холодильник» × 2",
    ]
    assert [line.amount for line in surcharge.lines] == [
        Decimal("900.00"),
        Decimal("400.00"),
        Decimal("1400.00"),
    ]
    assert surcharge.breakdown()[0]["amount"] == "900.00"


def test_категория_без_платы_в_тарифе_не_добавляет_ничего():
    surcharge = calculate_surcharge(params(included_devices=5), ["smartphone", "laptop"])
    assert surcharge.total == Decimal("0.00")
    assert surcharge.lines == ()


def test_скидка_округляется_до_копеек_половина_вверх():
    tariff = params(extra_device_fee=Decimal("250.25"), category_fees={}, max_discount_pct=50)
    surcharge = calculate_surcharge(tariff, ["tv", "tv"], Decimal("50"), "акция")
    # 250.25 × 50 % = 125.125 → 125.13 (banker's rounding would give 125.12)
    assert surcharge.total == Decimal("125.13")
    assert surcharge.discount_amount == Decimal("125.12")
    assert surcharge.lines[-1].label == "Скидка 50% (акция)"
    assert surcharge.lines[-1].amount == Decimal("-125.12")
    assert sum(line.amount for line in surcharge.lines) == surcharge.total


def test_дробная_скидка_пишется_по_русски():
    surcharge = calculate_surcharge(params(), ["tv", "tv"], "12.5", "постоянный клиент")
    assert surcharge.lines[-1].label == "Скидка 12,5% (постоянный клиент)"


@pytest.mark.parametrize(
    ("discount", "reason", "code"),
    [
        ("25", "много", "invalid_discount"),  # over the tariff's 20 %
        ("-1", "минус", "invalid_discount"),
        ("10.555", "точность", "invalid_discount"),
        ("десять", "текст", "invalid_amount"),
        ("10", "", "discount_reason_required"),
        ("10", None, "discount_reason_required"),
    ],
)
def test_скидка_в_пределах_тарифа_и_только_с_причиной(discount, reason, code):
    with pytest.raises(ValidationFailed) as error:
        calculate_surcharge(params(), ["tv", "tv"], discount, reason)
    assert error.value.code == code


def test_нулевая_скидка_причину_не_требует_и_не_хранит():
    surcharge = calculate_surcharge(params(), ["tv", "tv"], "0", "просто так")
    assert surcharge.discount_reason is None
    assert surcharge.total == Decimal("1100.00")  # 1 extra × 300 + 2 TVs × 400


# ---- Property tests of the formula ---------------------------------------------------------------

kopecks = st.integers(min_value=0, max_value=10_000_000)
category_keys = st.sampled_from(sorted(DEVICE_CATEGORIES))


@st.composite
def tariff_and_devices(draw):
    fees = draw(st.dictionaries(category_keys, kopecks, max_size=6))
    tariff = params(
        included_devices=draw(st.integers(min_value=0, max_value=10)),
        extra_device_fee=Decimal(draw(kopecks)) / 100,
        category_fees={key: Decimal(value) / 100 for key, value in fees.items()},
        max_discount_pct=Decimal(draw(st.integers(min_value=0, max_value=10_000))) / 100,
    )
    devices = draw(st.lists(category_keys, max_size=25))
    pct_hundredths = draw(st.integers(min_value=0, max_value=int(tariff.max_discount_pct * 100)))
    return tariff, devices, Decimal(pct_hundredths) / 100


def independent_total(tariff: TariffParams, devices: list[str], pct: Decimal) -> Decimal:
    """The DESIGN §5 formula in exact fractions of a kopeck, rounded half up at the end."""
    extra = max(0, len(devices) - tariff.included_devices)
    subtotal = Fraction(tariff.extra_device_fee) * extra + sum(
        (Fraction(tariff.category_fees.get(category, 0)) for category in devices), Fraction(0)
    )
    total_in_kopecks = subtotal * 100 * (1 - Fraction(pct) / 100)
    rounded = math.floor(total_in_kopecks + Fraction(1, 2))
    return Decimal(rounded) / 100


@settings(max_examples=300, deadline=None)
@given(tariff_and_devices())
def test_формула_совпадает_с_независимым_расчётом_в_дробях(case):
    tariff, devices, pct = case
    surcharge = calculate_surcharge(tariff, devices, pct, "причина")
    assert surcharge.total == independent_total(tariff, devices, pct)
    assert surcharge.total.as_tuple().exponent == -2


@settings(max_examples=300, deadline=None)
@given(tariff_and_devices())
def test_доплата_никогда_не_отрицательна_и_скидка_её_только_уменьшает(case):
    tariff, devices, pct = case
    surcharge = calculate_surcharge(tariff, devices, pct, "причина")
    assert Decimal(0) <= surcharge.total <= surcharge.subtotal
    assert surcharge.total + surcharge.discount_amount == surcharge.subtotal
    assert sum(line.amount for line in surcharge.lines) == surcharge.total


@settings(max_examples=300, deadline=None)
@given(tariff_and_devices(), category_keys)
def test_ещё_одно_устройство_никогда_не_уменьшает_доплату(case, extra_device):
    tariff, devices, pct = case
    before = calculate_surcharge(tariff, devices, pct, "причина")
    after = calculate_surcharge(tariff, [*devices, extra_device], pct, "причина")
    assert after.subtotal >= before.subtotal
    assert after.total >= before.total


@settings(max_examples=200, deadline=None)
@given(tariff_and_devices(), st.integers(min_value=1, max_value=10_000))
def test_скидка_сверх_максимума_тарифа_всегда_отклоняется(case, over):
    tariff, devices, _ = case
    too_much = tariff.max_discount_pct + Decimal(over) / 100
    with pytest.raises(ValidationFailed):
        calculate_surcharge(tariff, devices, too_much, "причина")


def test_превью_в_админке_считает_по_несохранённым_параметрам():
    surcharge = tariffs.preview_tariff_values(
        {
            "code": "",
            "name": "",
            "base_monthly_fee": "990",
            "included_devices": "2",
            "extra_device_fee": "250,50",
            "category_fees": {"fridge": "700"},
            "max_discount_pct": "10",
            "is_active": True,
        },
        ["smartphone", "tablet", "fridge"],
    )
    assert surcharge.total == Decimal("950.50")
    with pytest.raises(ValidationFailed):
        tariffs.preview_tariff_values({"extra_device_fee": "-1"}, ["tv"])


# ---- Demo tariffs -----------------------------------------------------------------------------


def test_демо_тарифы_создаются_один_раз_и_базовый_для_смартфона_без_доплаты(db, manager):
    assert demo_tariffs.ensure_demo_tariffs() == ["basic", "family", "home", "premium"]
    assert demo_tariffs.ensure_demo_tariffs() == []
    client = ready_client(manager)
    applied = tariff_apply.apply_tariff(manager, client.id, tariff_id_by_code("basic"))
    assert applied.surcharge == Decimal("0.00")
    assert applied.breakdown == []
    home = tariff_apply.preview_surcharge(manager, client.id, tariff_id_by_code("home"))
    assert home.surcharge == Decimal("0.00")  # 1 of 5 included, a smartphone has no fee
    assert [tariff.code for tariff in tariffs.list_tariffs(manager)] == [
        "basic",
        "family",
        "home",
        "premium",
    ]


# ---- Applying a tariff to a client --------------------------------------------------------------


def test_применённый_тариф_хранит_снимок_и_разбивку_и_меняет_версию_клиента(db, manager):
    client = ready_client(manager, [("smartphone", "Apple", "iPhone"), ("fridge", "Bosch", "K1")])
    tariff_id = make_tariff(category_fees={"fridge": "700.00"})
    version = client_row(client.id).version
    applied = tariff_apply.apply_tariff(
        manager, client.id, tariff_id, "10", "акция", version=version
    )
    assert applied.surcharge == Decimal("900.00")  # (300 + 700) − 10 %
    assert applied.tariff["version"] == 1
    assert applied.tariff["category_fees"] == {"fridge": "700.00"}
    assert [line["kind"] for line in applied.breakdown] == ["extra_devices", "category", "discount"]
    assert client_row(client.id).version == version + 1
    with transaction() as session:
        audit = session.exec(
            select(ManagerAuditLog).where(ManagerAuditLog.action == "tariff_applied")
        ).one()
    assert audit.changes["surcharge"] == {"before": None, "after": "900.00"}


def test_расчёт_на_устаревшей_версии_карточки_отклоняется(db, manager):
    client = ready_client(manager)
    tariff_id = make_tariff()
    with pytest.raises(Conflict) as error:
        tariff_apply.apply_tariff(manager, client.id, tariff_id, version=999)
    assert error.value.code == "stale_version"


def test_тариф_снятый_с_продажи_выбрать_нельзя(db, manager):
    client = ready_client(manager)
    with pytest.raises(Conflict) as error:
        tariff_apply.apply_tariff(manager, client.id, make_tariff(is_active=False))
    assert error.value.code == "tariff_inactive"


def test_чужой_менеджер_не_применяет_тариф(db, manager, make_manager):
    client = ready_client(manager)
    other = make_manager(name="Мастер Пётр")
    with pytest.raises(Forbidden) as error:
        tariff_apply.apply_tariff(other, client.id, make_tariff())
    assert error.value.code == "not_assignee"


def test_если_устройства_изменились_расчёт_требует_пересчёта(db, manager):
    client = ready_client(manager)
    tariff_apply.apply_tariff(manager, client.id, make_tariff())
    with transaction() as session:
        assert tariff_apply.current_applied(session, client.id).needs_recalculation is False
    add_device(client.id, "tv", "LG", "OLED55")
    with transaction() as session:
        assert tariff_apply.current_applied(session, client.id).needs_recalculation is True
        missing = contracts.readiness(session, client_row(client.id))
    assert missing == ["пересчёт тарифа (устройства изменились после расчёта доплаты)"]


# ---- Administration -----------------------------------------------------------------------------


def test_админ_меняет_тариф_а_прежние_расчёты_и_договоры_сохраняют_свой_снимок(db, manager, admin):
    created = tariffs.create_tariff(
        admin,
        TariffInput(
            code="family-test",
            name="Семейный тест",
            base_monthly_fee="990",
            extra_device_fee="300.00",
            included_devices=1,
            category_fees={"tv": "400"},
            max_discount_pct="10",
        ),
    )
    assert created.version == 1
    assert created.category_fees == {"tv": Decimal("400.00")}
    client = ready_client(manager, [("smartphone", "Apple", "iPhone"), ("tv", "LG", "OLED")])
    applied = tariff_apply.apply_tariff(manager, client.id, created.id)
    assert applied.surcharge == Decimal("700.00")
    contract = contracts.generate_contract(manager, client.id)

    updated = tariffs.update_tariff(
        admin,
        created.id,
        1,
        TariffPatch(extra_device_fee="500.00", category_fees={"tv": "900.00"}),
    )
    assert updated.version == 2
    assert updated.extra_device_fee == Decimal("500.00")

    with transaction() as session:
        kept = tariff_apply.current_applied(session, client.id)
        stored = session.get(ManagerContract, contract.contract_id)
    assert kept.surcharge == Decimal("700.00")
    assert kept.tariff["version"] == 1
    assert kept.tariff["extra_device_fee"] == "300.00"
    assert stored.surcharge == Decimal("700.00")
    assert stored.data_snapshot["tariff"]["version"] == 1
    assert stored.data_snapshot["tariff"]["category_fees"] == {"tv": "400.00"}

    preview = tariff_apply.preview_surcharge(manager, client.id, created.id)
    assert preview.surcharge == Decimal("1400.00")  # the new edition for new calculations
    assert preview.tariff["version"] == 2

    with pytest.raises(Conflict) as stale:
        tariffs.update_tariff(admin, created.id, 1, TariffPatch(name="Старая редакция"))
    assert stale.value.code == "stale_version"


def test_снятие_тарифа_с_продажи_убирает_его_из_выбора(db, manager, admin):
    tariff_id = make_tariff(code="old-one")
    tariffs.set_tariff_active(admin, tariff_id, False)
    assert "old-one" not in [t.code for t in tariffs.list_tariffs(manager)]
    assert "old-one" in [t.code for t in tariffs.list_tariffs(admin, include_inactive=True)]


VALID_TARIFF = {
    "code": "checked",
    "name": "Проверка",
    "base_monthly_fee": "990",
    "extra_device_fee": "300",
    "included_devices": 1,
    "category_fees": {},
    "max_discount_pct": "10",
}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("base_monthly_fee", "-1"),
        ("base_monthly_fee", "10.555"),
        ("extra_device_fee", "abc"),
        ("included_devices", -1),
        ("included_devices", "1.5"),
        ("category_fees", {"tv": "-5"}),
        ("max_discount_pct", "100.5"),
        ("max_discount_pct", "-1"),
    ],
)
def test_параметры_тарифа_не_того_типа_отклоняет_форма(field, value):
    """Out of the input's bounds: refused before the use case, as a REST body is."""
    with pytest.raises(ValidationFailed) as error:
        TariffInput(**{**VALID_TARIFF, field: value})
    assert error.value.code == "validation_error"
    assert [name.split(".")[0] for name in error.value.fields] == [field]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("included_devices", 1001),
        ("category_fees", {"spaceship": "100"}),
        ("code", "Пробел и кириллица"),
        ("name", "   "),
    ],
)
def test_параметры_тарифа_проверяются(db, admin, field, value):
    with pytest.raises(ValidationFailed) as error:
        tariffs.create_tariff(admin, TariffInput(**{**VALID_TARIFF, field: value}))
    assert error.value.code == "invalid_tariff"
    assert field in error.value.fields


def test_код_тарифа_уникален(db, admin):
    make_tariff(code="unique")
    with pytest.raises(Conflict) as error:
        tariffs.create_tariff(
            admin,
            TariffInput(code="UNIQUE", name="Дубль", base_monthly_fee="1", extra_device_fee="1"),
        )
    assert error.value.code == "tariff_code_taken"


def test_менеджер_тарифы_не_создаёт(db, manager):
    with pytest.raises(Forbidden):
        tariffs.create_tariff(
            manager,
            TariffInput(code="nope", name="Нет", base_monthly_fee="1", extra_device_fee="1"),
        )


# ---- REST ---------------------------------------------------------------------------------------


def test_клиент_без_устройств_получает_нулевую_доплату_но_договор_не_готов(db, manager):
    client = client_in_work(manager)
    applied = tariff_apply.apply_tariff(manager, client.id, make_tariff())
    assert applied.surcharge == Decimal("0.00")
