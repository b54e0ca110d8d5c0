"""Russian phone numbers: normalised to E.164 (+7XXXXXXXXXX) with Google's libphonenumber."""

from __future__ import annotations

import re

import phonenumbers

from privet_manager_app.domain.common.errors import ValidationFailed

_NON_DIGITS = re.compile(r"\D")
# A Russian mobile number in the forms people type it (+7 916 123-45-67, 8 (916) 1234567,
# 9161234567): libphonenumber formats every +7 9xx the same way (3-3-2-2), and parsing one
# costs ~50 µs — most of the cost of a CSV row. Anything else goes to the library. The test
# compares the shortcut with the library over every 9xx prefix and every such form.
_PLAIN_PHONE = re.compile(r"\+?[\d\s()\-]+")


def _mobile_national(stored: str) -> str | None:
    """'9161234567' when `stored` is plainly a Russian mobile number, else None."""
    text = stored.strip()
    if not _PLAIN_PHONE.fullmatch(text):
        return None
    digits = _NON_DIGITS.sub("", text)
    if text.startswith("+"):
        national = digits[1:] if len(digits) == 11 and digits[0] == "7" else ""
    elif len(digits) == 11 and digits[0] in "78":  # 8 916 …, and 7916… typed without the +
        national = digits[1:]
    elif len(digits) == 10:
        national = digits
    else:
        return None
    return national if national[:1] == "9" else None


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
    national = _mobile_national(stored)
    if national is not None:
        return f"+7 {national[:3]} {national[3:6]}-{national[6:8]}-{national[8:]}"
    return _display_by_library(stored)


def _display_by_library(stored: str) -> str:
    try:
        return phonenumbers.format_number(
            phonenumbers.parse(normalize_russian_phone(stored), "RU"),
            phonenumbers.PhoneNumberFormat.INTERNATIONAL,
        )
    except ValidationFailed:
        return stored


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed("invalid_phone", message, fields={"phone": message})
