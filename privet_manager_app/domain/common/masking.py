"""Personal data masks: passport numbers never appear in full outside the form and the contract."""

from __future__ import annotations


def mask_passport(series: str | None, number: str | None) -> str:
    """'4512', '123456' → '45** ****56'."""
    series = series or ""
    number = number or ""
    masked_series = series[:2] + "*" * max(0, len(series) - 2)
    masked_number = "*" * max(0, len(number) - 2) + number[-2:]
    return f"{masked_series} {masked_number}".strip()


def mask_value(value: str | None) -> str | None:
    """For audit before/after of sensitive fields: keep the last two characters only."""
    if not value:
        return value
    return "*" * max(0, len(value) - 2) + value[-2:]
