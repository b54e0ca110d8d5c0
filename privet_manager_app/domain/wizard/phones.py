"""Russian phone numbers: normalised to E.164 (+7XXXXXXXXXX) with Google's libphonenumber."""

from __future__ import annotations

import re

import phonenumbers

from privet_manager_app.domain.common.errors import ValidationFailed

_NON_DIGITS = re.compile(r"\D")
# A Russian mobile number as stored: libphonenumber formats every +7 9xx the same way
# (3-3-2-2), and parsing one costs ~50 µs, most of the cost of a CSV row. The test compares
# this shortcut with the library over every 9xx prefix.
_STORED_MOBILE = re.compile(r"\+79\d{9}")


def normalize_russian_phone(raw: str) -> str:
    """'8 (916) 123-45-67', '+7 916 1234567', '9161234567' → '+79161234567'.

    +7 is shared with Kazakhstan (+7 6xx/7xx): libphonenumber tells them apart, and only a
    Russian number is accepted.
    """
    text = (raw or "").strip()
    if not text:
        raise _invalid("Укажите телефон")
    digits = _NON_DIGITS.sub("", text)
    if len(digits) == 10 and not text.startswith("+"):
        text = "+7" + digits
    elif len(digits) == 11 and digits[0] == "8" and not text.startswith("+"):
        text = "+7" + digits[1:]
    try:
        number = phonenumbers.parse(text, "RU")
    except phonenumbers.NumberParseException:
        raise _invalid("Не похоже на номер телефона") from None
    region = phonenumbers.region_code_for_number(number)
    if number.country_code == 7 and region == "KZ":
        raise _invalid("Это номер Казахстана (+7 7xx), нужен российский номер")
    if region != "RU" or not phonenumbers.is_valid_number(number):
        raise _invalid("Нужен действующий российский номер: +7 и 10 цифр")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(stored: str | None) -> str:
    """'+79161234567' → '+7 916 123-45-67'; anything unparseable is shown as stored."""
    if not stored:
        return ""
    if _STORED_MOBILE.fullmatch(stored):
        return f"+7 {stored[2:5]} {stored[5:8]}-{stored[8:10]}-{stored[10:]}"
    try:
        return phonenumbers.format_number(
            phonenumbers.parse(normalize_russian_phone(stored), "RU"),
            phonenumbers.PhoneNumberFormat.INTERNATIONAL,
        )
    except ValidationFailed:
        return stored


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed("invalid_phone", message, fields={"phone": message})
