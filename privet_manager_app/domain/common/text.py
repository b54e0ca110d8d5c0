"""Free text typed by people: what we accept into names, places and notes.

Text is stored as text and never interpreted (the UI escapes it); still, `<` and `>` have no
place in a person's name, and invisible control characters (RTL overrides, NULs) never have a
place anywhere — they make two equal-looking names differ and break PDFs.
"""

from __future__ import annotations

import functools
import re
import sys
import unicodedata

_NAME_SYMBOLS = re.compile(r"^[^\W\d_]+(?:[ '’\-][^\W\d_]*)*$")


_INVISIBLE = ("Cc", "Cf", "Cs", "Co")


def has_control_chars(value: str, *, allow_newlines: bool = False) -> bool:
    allowed = {"\t", "\n", "\r"} if allow_newlines else {"\t"}
    return any(unicodedata.category(ch) in _INVISIBLE and ch not in allowed for ch in value)


@functools.cache
def control_chars_pattern(*, allow_newlines: bool = False) -> str:
    """A JSON-Schema `pattern` for the strings `has_control_chars` lets through: the refused
    characters as one negated class, so a schema-driven client (a fuzzer, a generated form)
    produces only text the API accepts. Characters of the Basic Multilingual Plane are written as
    `\\uXXXX`, the few beyond it as themselves (ECMA and Rust regexes read both)."""
    allowed = {"\t", "\n", "\r"} if allow_newlines else {"\t"}
    ranges: list[list[int]] = []
    for code in range(sys.maxunicode + 1):
        ch = chr(code)
        category = unicodedata.category(ch)
        # Surrogates are no characters of a regular expression (nor of UTF-8 text).
        if category in _INVISIBLE and category != "Cs" and ch not in allowed:
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])

    def char(code: int) -> str:
        return f"\\u{code:04x}" if code <= 0xFFFF else chr(code)

    parts = [char(a) if a == b else f"{char(a)}-{char(b)}" for a, b in ranges]
    return f"^[^{''.join(parts)}]*$"


def strip_control_chars(value: str) -> str:
    """The same characters removed (tabs and line breaks become spaces)."""
    return "".join(
        " " if ch in "\t\n\r" else ch
        for ch in value
        if ch in "\t\n\r" or unicodedata.category(ch) not in _INVISIBLE
    )


def squash_spaces(value: str) -> str:
    return " ".join(unicodedata.normalize("NFC", value).split())


def line_error(
    value: str, label: str, *, max_length: int, min_length: int = 1, no_angle_brackets=False
) -> tuple[str, str | None]:
    """(cleaned one-line value, Russian error or None)."""
    if has_control_chars(value):
        return value, f"{label}: недопустимые невидимые символы"
    cleaned = squash_spaces(value)
    if len(cleaned) < min_length:
        if min_length <= 1:
            return cleaned, f"{label}: обязательное поле"
        return cleaned, f"{label}: не короче {min_length} символов"
    if len(cleaned) > max_length:
        return cleaned, f"{label}: не длиннее {max_length} символов"
    if no_angle_brackets and ("<" in cleaned or ">" in cleaned):
        return cleaned, f"{label}: символы < и > недопустимы"
    return cleaned, None


def person_name_error(
    value: str, label: str, *, max_length: int, min_length: int = 1, strict: bool = False
) -> tuple[str, str | None]:
    """A person's name. `strict` (passport): letters, spaces, hyphens, apostrophes only."""
    cleaned, error = line_error(
        value, label, max_length=max_length, min_length=min_length, no_angle_brackets=True
    )
    if error:
        return cleaned, error
    if not any(ch.isalpha() for ch in cleaned):
        return cleaned, f"{label}: нужны буквы"
    if strict and not _NAME_SYMBOLS.match(cleaned):
        return cleaned, f"{label}: только буквы, пробел, дефис и апостроф"
    return cleaned, None


def multiline_error(value: str, label: str, *, max_length: int) -> tuple[str, str | None]:
    if has_control_chars(value, allow_newlines=True):
        return value, f"{label}: недопустимые невидимые символы"
    cleaned = unicodedata.normalize("NFC", value).replace("\r\n", "\n").strip()
    if len(cleaned) > max_length:
        return cleaned, f"{label}: не длиннее {max_length} символов"
    return cleaned, None
