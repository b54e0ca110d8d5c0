"""Device categories: the keys stored in `manager_devices.category` and tariff category fees."""

from __future__ import annotations

DEVICE_CATEGORIES: dict[str, str] = {
    "smartphone": "Смартфон",
    "tablet": "Планшет",
    "laptop": "Ноутбук",
    "computer": "Компьютер",
    "tv": "Телевизор",
    "fridge": "Холодильник",
    "washer": "Стиральная машина",
    "dishwasher": "Посудомоечная машина",
    "oven": "Духовой шкаф",
    "microwave": "Микроволновая печь",
    "air_conditioner": "Кондиционер",
    "vacuum": "Пылесос",
    "console": "Игровая приставка",
    "other": "Другое",
}


def category_label(category: str) -> str:
    return DEVICE_CATEGORIES.get(category, category)
