"""The demo tariffs every dev/test database gets (step 4 needs something to choose from)."""

from __future__ import annotations

from sqlmodel import select

from privet_manager_app.domain.admin.tariffs import clean_tariff_fields
from privet_manager_app.domain.inputs import TariffInput
from privet_manager_app.infra.db import transaction
from privet_manager_app.schema.tables import ManagerTariff

DEMO_TARIFFS = (
    {
        "code": "basic",
        "name": "Базовый",
        "description": "Одно устройство — обычно смартфон. Каждое следующее — за доплату.",
        "base_monthly_fee": "490.00",
        "included_devices": 1,
        "extra_device_fee": "500.00",
        "category_fees": {},
        "max_discount_pct": "0",
    },
    {
        "code": "family",
        "name": "Семейный",
        "description": "До трёх устройств семьи: смартфоны, планшеты, ноутбук.",
        "base_monthly_fee": "990.00",
        "included_devices": 3,
        "extra_device_fee": "300.00",
        "category_fees": {"laptop": "200.00", "computer": "200.00"},
        "max_discount_pct": "10",
    },
    {
        "code": "home",
        "name": "Дом целиком",
        "description": "Вся техника дома, включая крупную бытовую: холодильник, стиральную "
        "машину, телевизор.",
        "base_monthly_fee": "1990.00",
        "included_devices": 5,
        "extra_device_fee": "250.00",
        "category_fees": {
            "tv": "400.00",
            "fridge": "700.00",
            "washer": "600.00",
            "dishwasher": "500.00",
            "air_conditioner": "800.00",
        },
        "max_discount_pct": "15",
    },
    {
        "code": "premium",
        "name": "Премиум",
        "description": "До десяти устройств, выезд мастера в день обращения, подменная техника.",
        "base_monthly_fee": "3490.00",
        "included_devices": 10,
        "extra_device_fee": "200.00",
        "category_fees": {"fridge": "300.00", "washer": "300.00"},
        "max_discount_pct": "20",
    },
)


def ensure_demo_tariffs() -> list[str]:
    """The demo tariffs that are missing (by code); returns the codes created. Idempotent."""
    created = []
    with transaction() as session:
        existing = set(session.exec(select(ManagerTariff.code)).all())
        for spec in DEMO_TARIFFS:
            if spec["code"] in existing:
                continue
            values = clean_tariff_fields(TariffInput(**spec).model_dump())
            session.add(ManagerTariff(**values, version=1))
            created.append(spec["code"])
    return created
