"""Money and the ways a contract spells it: Decimal rubles, «1 500,00 ₽», the amount in words.

Never a float: amounts are `Decimal` with two places, rounded half-up to kopecks (ГК РФ and
accounting practice round a half kopeck up, not to even).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from num2words import num2words

from privet_manager_app.domain.common.errors import ValidationFailed

KOPECK = Decimal("0.01")
ZERO = Decimal("0.00")
# The largest sum a manager types (a fee, a payment): far above any real one, and far below
# NUMERIC(12,2)'s ten digits of rubles even when a fee is multiplied by the devices.
MAX_AMOUNT = Decimal("10000000.00")
# Any number with more digits before the point is refused before it is rounded or compared:
# quantize() of `1e30` to kopecks overflows Decimal's 28-digit context.
_MAX_WHOLE_DIGITS = 15
NBSP = "\u00a0"


def to_kopecks(value: Decimal) -> Decimal:
    return value.quantize(KOPECK, rounding=ROUND_HALF_UP)


def parse_decimal(value: object, field: str, label: str) -> Decimal:
    """A Decimal from what a form or JSON gives (Decimal, int, '1500.50', '1500,50')."""
    if isinstance(value, bool) or value is None:
        raise _invalid(field, f"{label}: нужно число")
    if isinstance(value, float):
        value = repr(value)
    text = str(value).strip().replace(NBSP, "").replace(" ", "").replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise _invalid(field, f"{label}: нужно число, например 1500.00") from None
    if not number.is_finite():
        raise _invalid(field, f"{label}: нужно число, например 1500.00")
    if number and number.adjusted() >= _MAX_WHOLE_DIGITS:
        raise _invalid(field, f"{label}: слишком большое число")
    if number.as_tuple().exponent < -_MAX_WHOLE_DIGITS:  # 1E-999999: no kopecks in it either
        raise _invalid(field, f"{label}: слишком много знаков после запятой")
    return number


def parse_money(value: object, field: str = "amount", label: str = "Сумма") -> Decimal:
    """Rubles ≥ 0 with at most two decimals, as a Decimal with exactly two."""
    number = parse_decimal(value, field, label)
    if number < 0:
        raise _invalid(field, f"{label} не может быть отрицательной")
    if number > MAX_AMOUNT:
        raise _invalid(field, f"{label}: не больше {format_rub(MAX_AMOUNT)}")
    if number != number.quantize(KOPECK, rounding=ROUND_HALF_UP):
        raise _invalid(field, f"{label}: не больше двух знаков после запятой (копейки)")
    return number.quantize(KOPECK)


def format_rub(amount: Decimal) -> str:
    """Decimal('1500') → '1 500,00 ₽' (non-breaking spaces: the amount never wraps apart)."""
    whole, _, kopecks = f"{to_kopecks(Decimal(amount)):,.2f}".partition(".")
    return f"{whole.replace(',', NBSP)},{kopecks}{NBSP}₽"


def format_percent(value: Decimal) -> str:
    """Decimal('10.00') → '10', Decimal('12.50') → '12,5'."""
    text = f"{Decimal(value).normalize():f}"
    return text.replace(".", ",")


def amount_in_words(amount: Decimal) -> str:
    """Decimal('1500.00') → 'одна тысяча пятьсот рублей, ноль копеек'."""
    return num2words(to_kopecks(Decimal(amount)), lang="ru", to="currency", currency="RUB")


def amount_with_words(amount: Decimal) -> str:
    """'1 500,00 ₽ (одна тысяча пятьсот рублей, ноль копеек)' — as contracts write sums."""
    return f"{format_rub(amount)} ({amount_in_words(amount)})"


def plural(count: int, one: str, few: str, many: str) -> str:
    """Russian plural after a number: 1 минута, 2 минуты, 5 минут, 21 минута, 11 минут."""
    tens, units = count % 100, count % 10
    if units == 1 and tens != 11:
        return one
    if 2 <= units <= 4 and not 12 <= tens <= 14:
        return few
    return many


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed("invalid_amount", message, fields={field: message})
