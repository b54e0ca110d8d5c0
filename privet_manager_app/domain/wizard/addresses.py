"""Registration addresses: one typed line ⇄ fields (postcode, region, city, street, house,
building, apartment).

Clients and managers type addresses any way («Московская обл., г. Химки, ул. Ленина, д 5 к2 кв
17», «Москва Тверская 12-5»…). The parser recognises the usual Russian abbreviations and leaves
what it cannot place in `unrecognized`, so the manager sees it and fixes the fields by hand; it
never guesses silently. The formatted line is rebuilt from the fields in one canonical order
(postcode, region, city, street, house, building, apartment) — the order of Почта России.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from typing import Any

from privet_manager_app.domain.common.errors import ValidationFailed
from privet_manager_app.domain.inputs import AddressInput

FIELDS = AddressInput.fields()
MAX_LENGTHS = {
    "postcode": 6,
    "region": 150,
    "city": 150,
    "street": 150,
    "house": 20,
    "building": 20,
    "apartment": 20,
}
MAX_LINE_LENGTH = 500
FIELD_LABELS = AddressInput.labels()

_FLAGS = re.IGNORECASE
_LETTER = "а-яёa-z"
_NOT_AFTER_LETTER = rf"(?<![{_LETTER}])"

_POSTCODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")
_NUMBER = r"\d{1,5}"
_APARTMENT = re.compile(
    rf"{_NOT_AFTER_LETTER}(?P<marker>квартира|кв|офис|оф|помещение|пом)\.?\s*(?:№\s*)?"
    rf"(?P<value>{_NUMBER}[{_LETTER}]?)(?![\d{_LETTER}])",
    _FLAGS,
)
_BUILDING = re.compile(
    rf"{_NOT_AFTER_LETTER}(?P<marker>корпус|корп|к|строение|стр|литера|литер|лит)\.?\s*"
    rf"(?P<value>{_NUMBER}[{_LETTER}]?(?![\d{_LETTER}])|[{_LETTER}](?![{_LETTER}\d]))",
    _FLAGS,
)
# «д» followed by a NUMBER is a house; «д. Ивановка» is a village (деревня) and stays for below.
_HOUSE = re.compile(
    rf"{_NOT_AFTER_LETTER}(?P<marker>дом|д|владение|влд|вл)\.?\s*(?:№\s*)?"
    rf"(?P<value>{_NUMBER}(?:\s*/\s*{_NUMBER})?(?:\s?[{_LETTER}](?![{_LETTER}\d.]))?)"
    rf"(?![\d{_LETTER}])",
    _FLAGS,
)
# «Ленина 12-45»: house-apartment written with a dash, a habit of client-typed addresses.
_HOUSE_DASH_APARTMENT = re.compile(
    rf"(?<![\d{_LETTER}-])(?P<house>{_NUMBER}[{_LETTER}]?)\s*-\s*(?P<apartment>{_NUMBER})(?!\d)\s*$",
    _FLAGS,
)
_TRAILING_HOUSE = re.compile(
    rf"\s(?P<value>{_NUMBER}(?:\s*/\s*{_NUMBER})?[{_LETTER}]?)\s*$",
    _FLAGS,
)
_BARE_NUMBER = re.compile(rf"^(?:№\s*)?{_NUMBER}(?:\s*/\s*{_NUMBER})?[{_LETTER}]?$", _FLAGS)

# Canonical abbreviation for every spelling; kinds decide the field.
_REGION_MARKERS = {
    "область": "обл.",
    "обл": "обл.",
    "край": "край",
    "республика": "Респ.",
    "респ": "Респ.",
    "автономный округ": "АО",
    "автономная область": "АО",
    "ао": "АО",
}
_DISTRICT_MARKERS = {
    "муниципальный район": "р-н",
    "район": "р-н",
    "р-н": "р-н",
    "городской округ": "г.о.",
    "г.о": "г.о.",
    "муниципальный округ": "м.о.",
}
# What clients type for the two regions around the capitals.
_REGION_SHORTHANDS = {"мо": "Московская обл.", "ло": "Ленинградская обл."}
_CITY_MARKERS = {
    "город": "г.",
    "гор": "г.",
    "г": "г.",
    "поселок городского типа": "пгт",
    "посёлок городского типа": "пгт",
    "пгт": "пгт",
    "рабочий поселок": "рп",
    "рабочий посёлок": "рп",
    "рп": "рп",
    "поселок": "пос.",
    "посёлок": "пос.",
    "пос": "пос.",
    "п": "пос.",
    "село": "с.",
    "с": "с.",
    "деревня": "д.",
    "дер": "д.",
    "д": "д.",
    "станица": "ст-ца",
    "ст-ца": "ст-ца",
    "хутор": "х.",
    "х": "х.",
    "аул": "аул",
}
_STREET_MARKERS = {
    "улица": "ул.",
    "ул": "ул.",
    "проспект": "пр-т",
    "просп": "пр-т",
    "пр-кт": "пр-т",
    "пр-т": "пр-т",
    "пр": "пр-т",
    "переулок": "пер.",
    "пер": "пер.",
    "набережная": "наб.",
    "наб": "наб.",
    "шоссе": "ш.",
    "ш": "ш.",
    "бульвар": "б-р",
    "б-р": "б-р",
    "бул": "б-р",
    "площадь": "пл.",
    "пл": "пл.",
    "проезд": "пр-д",
    "пр-д": "пр-д",
    "тупик": "туп.",
    "туп": "туп.",
    "аллея": "аллея",
    "микрорайон": "мкр.",
    "мкр": "мкр.",
    "линия": "линия",
    "тракт": "тракт",
    "квартал": "кв-л",
    "кв-л": "кв-л",
    "территория": "тер.",
    "тер": "тер.",
}
# Single-letter markers are words only with a dot or a following space: «г. Шахты» is a city,
# «Шахты» is not a highway.
_FEDERAL_CITIES = {
    "москва": "Москва",
    "санкт-петербург": "Санкт-Петербург",
    "спб": "Санкт-Петербург",
    "севастополь": "Севастополь",
}
_COUNTRY_WORDS = {"россия", "рф", "российская федерация"}
_KIND_FIELD = {"region": "region", "district": "region", "city": "city", "street": "street"}
_PREFIX_KINDS = {"city"}  # «г. Химки»: the name follows the marker
_SUFFIX_KINDS = {"region", "district"}  # «Московская обл.»: the name precedes it


def _marker_pattern(markers: dict[str, str]) -> str:
    spellings = sorted(markers, key=len, reverse=True)
    alternatives = "|".join(re.escape(spelling).replace(r"\ ", r"\s+") for spelling in spellings)
    return rf"{_NOT_AFTER_LETTER}(?P<marker>{alternatives})(?:\.|(?=\s)|$)(?![{_LETTER}])"


_MARKERS = {
    "region": (re.compile(_marker_pattern(_REGION_MARKERS), _FLAGS), _REGION_MARKERS),
    "district": (re.compile(_marker_pattern(_DISTRICT_MARKERS), _FLAGS), _DISTRICT_MARKERS),
    "city": (re.compile(_marker_pattern(_CITY_MARKERS), _FLAGS), _CITY_MARKERS),
    "street": (re.compile(_marker_pattern(_STREET_MARKERS), _FLAGS), _STREET_MARKERS),
}
_KIND_ORDER = ("region", "district", "street", "city")


@dataclasses.dataclass
class ParsedAddress:
    postcode: str | None = None
    region: str | None = None
    city: str | None = None
    street: str | None = None
    house: str | None = None
    building: str | None = None
    apartment: str | None = None
    # Parts of the line the parser could not place: shown to the manager, never dropped silently.
    unrecognized: list[str] = dataclasses.field(default_factory=list)

    def fields(self) -> dict[str, str | None]:
        return {name: getattr(self, name) for name in FIELDS}


def clean_text(value: str) -> str:
    """NFC, no control characters (they become spaces), single spaces, trimmed."""
    value = unicodedata.normalize("NFC", value)
    value = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf") else ch for ch in value)
    return " ".join(value.split())


def _spaced_dots(text: str) -> str:
    # «г.Москва», «ул.Ленина» → «г. Москва», «ул. Ленина» (but not «г.о.», «А.С.»-style initials
    # lose nothing by a space).
    return re.sub(rf"(?<=[{_LETTER}])\.(?=[{_LETTER}]{{2,}})", ". ", text, flags=_FLAGS)


def _key(marker: str) -> str:
    return " ".join(marker.lower().replace("ё", "е").split()).rstrip(".")


def _canonical_marker(kind: str, marker: str) -> str:
    table = _MARKERS[kind][1]
    key = _key(marker)
    for spelling, canonical in table.items():
        if _key(spelling) == key:
            return canonical
    return marker


def _find_markers(segment: str) -> list[tuple[int, int, str, str]]:
    """(start, end, kind, canonical) of every marker in a segment, no overlaps, left to right."""
    found: list[tuple[int, int, str, str]] = []
    for kind in _KIND_ORDER:
        pattern, _table = _MARKERS[kind]
        for match in pattern.finditer(segment):
            start, end = match.span()
            if any(start < other_end and other_start < end for other_start, other_end, *_ in found):
                continue
            found.append((start, end, kind, _canonical_marker(kind, match.group("marker"))))
    return sorted(found)


def _compose(kind: str, marker: str, before: str, after: str) -> str:
    before, after = before.strip(" ,.-"), after.strip(" ,")
    if before and after:
        return f"{before} {marker} {after}"
    if after:
        return f"{marker} {after}"
    if before:
        return f"{before} {marker}"
    return ""


def _split_components(segment: str) -> list[tuple[str | None, str]]:
    """One comma-separated segment → [(kind or None, text)], splitting «г. Химки ул. Ленина»."""
    markers = _find_markers(segment)
    if not markers:
        return [(None, segment)]
    if len(markers) == 1:
        start, end, kind, canonical = markers[0]
        text = _compose(kind, canonical, segment[:start], segment[end:])
        return [(kind, text)] if text else []
    components: list[tuple[str | None, str]] = []
    cursor = 0
    for index, (start, end, kind, canonical) in enumerate(markers):
        next_start = markers[index + 1][0] if index + 1 < len(markers) else len(segment)
        before = segment[cursor:start]
        if kind in _SUFFIX_KINDS:
            text = _compose(kind, canonical, before, "")
            cursor = end
        else:
            if before.strip(" ,"):
                components.append((None, before.strip(" ,")))
            if kind in _PREFIX_KINDS or segment[end:next_start].strip():
                text = _compose(kind, canonical, "", segment[end:next_start])
            else:
                text = canonical
            cursor = next_start
        if text:
            components.append((kind, text))
    if segment[cursor:].strip(" ,"):
        components.append((None, segment[cursor:].strip(" ,")))
    return components


def _take(pattern: re.Pattern[str], text: str) -> tuple[re.Match[str] | None, str]:
    match = pattern.search(text)
    if match is None:
        return None, text
    return match, text[: match.start()] + " , " + text[match.end() :]


def _squash(value: str) -> str:
    return re.sub(r"\s*/\s*", "/", " ".join(value.split()))


def parse_address(line: str) -> ParsedAddress:
    """A one-line Russian address → fields. Never raises: unknown parts go to `unrecognized`."""
    result = ParsedAddress()
    text = _spaced_dots(clean_text(line or ""))
    if not text:
        return result
    text = text.replace(";", ",")

    match, text = _take(_POSTCODE, text)
    if match:
        result.postcode = match.group(1)

    match, text = _take(_APARTMENT, text)
    if match:
        marker = _key(match.group("marker"))
        value = match.group("value")
        result.apartment = value if marker.startswith("кв") else f"{marker[:3]}. {value}"
    buildings = []
    while True:
        match, text = _take(_BUILDING, text)
        if not match:
            break
        marker = _key(match.group("marker"))
        value = match.group("value")
        if marker.startswith("стр"):
            buildings.append(f"стр. {value}")
        elif marker.startswith("лит"):
            buildings.append(f"лит. {value.upper()}")
        else:
            buildings.append(value)
        if len(buildings) == 2:
            break
    if buildings:
        result.building = " ".join(buildings)
    match, text = _take(_HOUSE, text)
    if match:
        marker = _key(match.group("marker"))
        value = _squash(match.group("value"))
        result.house = value if marker.startswith("д") else f"вл. {value}"

    components = [
        component
        for segment in (part.strip() for part in text.split(","))
        if segment
        for component in _split_components(segment)
    ]
    # Marked parts first («ул.», «г.»): unmarked ones only fill what is still empty.
    for kind, component in components:
        if kind is not None:
            _place(result, kind, component)
    for kind, component in components:
        if kind is None:
            _place(result, kind, component)
    for name in FIELDS:
        value = getattr(result, name)
        if value is not None and len(value) > MAX_LENGTHS[name]:
            result.unrecognized.append(value)
            setattr(result, name, None)
    return result


def _place(result: ParsedAddress, kind: str | None, text: str) -> None:
    text = text.strip(" ,")
    if not text:
        return
    if kind == "street" and result.house is None:
        dashed = _HOUSE_DASH_APARTMENT.search(text)
        if dashed and result.apartment is None:
            result.house, result.apartment = dashed.group("house"), dashed.group("apartment")
            text = text[: dashed.start()].strip()
        else:
            trailing = _TRAILING_HOUSE.search(text)
            if trailing and trailing.start() > 0:
                result.house = _squash(trailing.group("value"))
                text = text[: trailing.start()].strip()
    if kind is not None:
        field = _KIND_FIELD[kind]
        current = getattr(result, field)
        if current is None:
            setattr(result, field, text)
        elif kind == "district" and field == "region":
            setattr(result, field, f"{current}, {text}")
        else:
            result.unrecognized.append(text)
        return
    lowered = text.lower().replace("ё", "е")
    if lowered in _COUNTRY_WORDS:
        return
    if lowered in _REGION_SHORTHANDS and result.region is None:
        result.region = _REGION_SHORTHANDS[lowered]
        return
    if lowered in _FEDERAL_CITIES and result.city is None:
        result.city = _FEDERAL_CITIES[lowered]
        return
    if _BARE_NUMBER.match(text):
        value = _squash(text.lstrip("№ "))
        if result.house is None:
            result.house = value
        elif result.apartment is None and value.isdigit():
            result.apartment = value
        else:
            result.unrecognized.append(text)
        return
    dashed = _HOUSE_DASH_APARTMENT.fullmatch(text.strip())
    if dashed and result.house is None and result.apartment is None:
        result.house, result.apartment = dashed.group("house"), dashed.group("apartment")
        return
    if result.city is None and not any(ch.isdigit() for ch in text):
        result.city = text
        return
    if result.street is None and result.city is not None:
        # «Москва, Тверская 12»: a bare name after the city is the street.
        _place(result, "street", text)
        return
    result.unrecognized.append(text)


def format_address(fields: dict[str, Any]) -> str:
    """Fields → the canonical line: «123456, Московская обл., г. Химки, ул. Ленина, д. 5,
    корп. 2, кв. 17»."""
    parts = []
    for name in ("postcode", "region", "city", "street"):
        if fields.get(name):
            parts.append(fields[name])
    house = fields.get("house")
    if house:
        parts.append(house if not house[0].isdigit() else f"д. {house}")
    building = fields.get("building")
    if building:
        parts.append(f"корп. {building}" if building[0].isdigit() else building)
    apartment = fields.get("apartment")
    if apartment:
        parts.append(f"кв. {apartment}" if apartment[0].isdigit() else apartment)
    return ", ".join(parts)


def _field_error(name: str, value: str) -> str | None:
    if len(value) > MAX_LENGTHS[name]:
        return f"{FIELD_LABELS[name]}: не длиннее {MAX_LENGTHS[name]} символов"
    if "<" in value or ">" in value:
        return f"{FIELD_LABELS[name]}: символы < и > недопустимы"
    if name == "postcode" and not re.fullmatch(r"\d{6}", value):
        return "Индекс — 6 цифр"
    return None


def validate_fields(fields: dict[str, Any]) -> dict[str, str | None]:
    """Manually corrected fields → cleaned values (empty → None); all errors at once."""
    unknown = sorted(set(fields) - set(FIELDS))
    errors: dict[str, str] = {f"address.{name}": "Неизвестное поле адреса" for name in unknown}
    cleaned: dict[str, str | None] = {}
    for name in FIELDS:
        if name not in fields:
            continue
        value = fields[name]
        if value is None:
            cleaned[name] = None
            continue
        if not isinstance(value, str):
            errors[f"address.{name}"] = "Нужна строка"
            continue
        value = _squash(clean_text(value)) if name in ("house",) else clean_text(value)
        if not value:
            cleaned[name] = None
            continue
        problem = _field_error(name, value)
        if problem:
            errors[f"address.{name}"] = problem
        else:
            cleaned[name] = value
    if errors:
        raise ValidationFailed("invalid_address", next(iter(errors.values())), fields=errors)
    return cleaned


def validate_line(line: str) -> str:
    cleaned = clean_text(line)
    if len(cleaned) > MAX_LINE_LENGTH:
        message = f"Адрес не длиннее {MAX_LINE_LENGTH} символов"
    elif "<" in cleaned or ">" in cleaned:
        message = "Адрес: символы < и > недопустимы"
    else:
        return cleaned
    raise ValidationFailed("invalid_address", message, fields={"registration_address": message})
