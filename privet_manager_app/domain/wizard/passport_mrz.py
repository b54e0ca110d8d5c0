"""The machine-readable zone (МЧЗ) of the Russian internal passport: decode and encode.

Pure: text in, plain data out — no image, no I/O (OCR lives in `infra/ocr.py`).

Sources (read 2026-12):
- «Правила и способ формирования машиночитаемой записи в паспорте гражданина Российской
  Федерации, удостоверяющем личность гражданина Российской Федерации на территории Российской
  Федерации» — приложение № 24 к Административному регламенту МВД России (приказ МВД России
  от 16.11.2020 № 773; before it приказ МВД России от 13.11.2017 № 851 and the 2011 order of
  ФМС России, docs.cntd.ru/document/902288198, «Таблица № 3»): two lines of 44 characters,
  OCR-B; line 1 = «PN», «RUS», surname «<<» name «<» patronymic, Cyrillic written with the
  substitution table below, the truncation rules for long names; line 2 = the table below;
  check digits modulo 10 with the repeating weights 7-3-1.
- ICAO Doc 9303 «Machine Readable Travel Documents», 8th ed., Part 3 §4.9 (check digits: the
  value of a digit is the digit, A–Z are 10–35, the filler «<» is 0; weights 7, 3, 1) and
  Part 4 §4.2.2 (TD3: the composite check digit over positions 1–10, 14–20 and 22–43).
- Position 29–42 details (last digit of the series, issue date, division code, a filler that
  counts as 0): the public description of the zone in the notes of the GitHub project whose
  passport parser cites the ФМС order (mirrored in several public MRZ parsers), and the real
  specimen used by the Swift MRZParser test suite (`testTD3RussianPassport`,
  github.com/appintheair/MRZParser): «PNRUSZDRIL7K<<SERGEQ<ANATOL9EVI3<<<<<<<<<<<<» /
  «3919353498RUS7207233M<<<<<<<4151218910003<50» — every check digit of it verifies under the
  layout below, which is what pins the layout down.

Line 2 (1-based positions, as in the rules):

  1–9   first three digits of the series + the six digits of the number   10  check digit
  11–13 RUS                                                  14–19 birth date ГГММДД   20  check
  21    sex M / F          22–28 «<<<<<<<» (no expiry date and no check digit for it)
  29    last digit of the series   30–35 issue date ГГММДД   36–41 division code   42 «<»
  43    check digit of 29–42       44    composite check digit of 1–10, 14–20, 22–43

OCR repair. A field's type says what a glyph can be: a letter read in a digit field is the
digit it looks like (O→0, I→1, B→8, …), a digit read in a name is the letter (0→O, 1→I, 5→S —
those three digits encode no Cyrillic letter). A check digit can *correct* a field only where
the position of the error is known (an unreadable glyph, or one the OCR engine doubts): the
weights 7, 3, 1 are invertible modulo 10, so one unknown position has exactly one value that
satisfies the check. An error at an unknown position can only be *detected* — the composite
check gives no second equation for the number and the 29–42 field (their weights in it are
the same), so guessing there would turn a flagged field into a silently wrong one. A field
whose check fails is returned as read and listed in `unchecked`, for the manager to verify.
Names carry no check digit at all: they are decoded as read.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections.abc import Callable, Iterable, Iterator

LINE_LENGTH = 44
NAME_FIELD_LENGTH = 39  # positions 6–44 of line 1
FILLER = "<"
DOCUMENT_CODE = "PN"
STATE = "RUS"
MRZ_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<")

# The substitution of the rules («модернизированный клер»): one character per letter.
CYRILLIC_TO_MRZ = {
    "А": "A", "Б": "B", "В": "V", "Г": "G", "Д": "D", "Е": "E", "Ё": "2", "Ж": "J",
    "З": "Z", "И": "I", "Й": "Q", "К": "K", "Л": "L", "М": "M", "Н": "N", "О": "O",
    "П": "P", "Р": "R", "С": "S", "Т": "T", "У": "U", "Ф": "F", "Х": "H", "Ц": "C",
    "Ч": "3", "Ш": "4", "Щ": "W", "Ъ": "X", "Ы": "Y", "Ь": "9", "Э": "6", "Ю": "7",
    "Я": "8",
}  # fmt: skip
MRZ_TO_CYRILLIC = {latin: cyrillic for cyrillic, latin in CYRILLIC_TO_MRZ.items()}
# Digits that stand for no letter: in a name they can only be a misread letter.
_NAME_DIGIT_READINGS = {"0": "O", "1": "I", "5": "S"}

# A letter read where only a digit can stand: the digits an OCR-B glyph of that shape was
# most likely, best first. A character not listed here is an erasure: any digit.
_DIGIT_READINGS = {
    "O": "0", "Q": "0", "D": "0", "U": "0", "C": "0", "I": "1", "L": "1", "T": "1",
    "J": "1", "Z": "2", "S": "5", "B": "8", "G": "6", "A": "4", "E": "8", "Y": "4",
    "F": "7", "R": "8", "P": "9", "H": "4", "K": "4", "N": "4", "M": "4",
}  # fmt: skip
# A digit the OCR engine itself doubts: the digits its OCR-B glyph is confused with.
_DIGIT_CONFUSIONS = {
    "0": "869", "1": "74", "2": "7", "3": "8952", "4": "19", "5": "638",
    "6": "580", "7": "12", "8": "3605", "9": "830",
}  # fmt: skip
_SEX_READINGS = {"M": "M", "H": "M", "N": "M", "W": "M", "F": "F", "E": "F", "P": "F"}

# 0-based slices of line 2.
_SERIAL = range(0, 9)
_SERIAL_CHECK = 9
_NATIONALITY = range(10, 13)
_BIRTH = range(13, 19)
_BIRTH_CHECK = 19
_SEX = 20
_EXPIRY = range(21, 28)  # expiry date and its check digit: fillers in this passport
_SERIES_LAST = 28
_ISSUE = range(29, 35)
_DIVISION = range(35, 41)
_ADDITIONAL = range(28, 42)  # 29–42: series digit, issue date, division code, a filler
_ADDITIONAL_CHECK = 42
_COMPOSITE_CHECK = 43
_COMPOSITE_PARTS = (range(0, 10), range(13, 20), range(21, 43))
_DIGIT_POSITIONS = frozenset(
    [*_SERIAL, _SERIAL_CHECK, *_BIRTH, _BIRTH_CHECK, *range(28, 41), 42, 43]
)
_MIN_ISSUE_AGE = 14
_MAX_SEARCH = 2000  # candidate combinations tried for one field (a few doubtful glyphs)

FIELDS = (
    "last_name",
    "first_name",
    "middle_name",
    "birth_date",
    "sex",
    "series",
    "number",
    "issue_date",
    "division_code",
)


class NotAZone(ValueError):
    """The text is not the machine-readable zone of a Russian internal passport."""


@dataclasses.dataclass(frozen=True)
class PassportZone:
    """What the zone says, formatted as the passport form expects."""

    last_name: str | None
    first_name: str | None
    middle_name: str | None
    birth_date: dt.date | None
    sex: str | None  # "M" / "F", as in the zone
    series: str | None  # 4 digits
    number: str | None  # 6 digits
    issue_date: dt.date | None
    division_code: str | None  # "NNN-NNN"
    unchecked: tuple[str, ...]  # field names to verify by eye: a check failed or none exists

    def fields(self) -> dict[str, str | None]:
        """Plain JSON-ready values, dates as ISO 8601."""
        values = {name: getattr(self, name) for name in FIELDS}
        for name in ("birth_date", "issue_date"):
            values[name] = values[name].isoformat() if values[name] else None
        return values


def char_value(char: str) -> int:
    if char.isdigit():
        return int(char)
    if char == FILLER:
        return 0
    if "A" <= char <= "Z":
        return ord(char) - ord("A") + 10
    raise ValueError(f"not an MRZ character: {char!r}")


def check_digit(data: str) -> int:
    """ICAO 9303 Part 3 §4.9: Σ value × 7-3-1… modulo 10."""
    return sum(char_value(char) * (7, 3, 1)[index % 3] for index, char in enumerate(data)) % 10


# --- encoding (the issuing side; the tests and the synthetic photos build lines with it) ---


def _name_part(value: str) -> str:
    """Cyrillic → zone characters; inner spaces and hyphens become one filler."""
    out = []
    for char in value.strip().upper():
        if char in CYRILLIC_TO_MRZ:
            out.append(CYRILLIC_TO_MRZ[char])
        elif char in " -" and out and out[-1] != FILLER:
            out.append(FILLER)
    return "".join(out).strip(FILLER)


def encode_names(last_name: str, first_name: str, middle_name: str | None) -> str:
    """Positions 6–44 of line 1, with the rules' truncation of long names."""
    surname, name = _name_part(last_name), _name_part(first_name)
    patronymic = _name_part(middle_name or "")
    full = f"{surname}<<{name}" + (f"<{patronymic}" if patronymic else "")
    if len(full) <= NAME_FIELD_LENGTH:
        return full.ljust(NAME_FIELD_LENGTH, FILLER)
    if len(surname) > 34:
        # Surname cut at the 39th character of the line, then the two initials.
        short = f"{surname[:34]}<<{name[:1]}<{patronymic[:1]}"
        return short[:NAME_FIELD_LENGTH].ljust(NAME_FIELD_LENGTH, FILLER)
    surname_and_name = f"{surname}<<{name}"
    if len(surname_and_name) <= 37 or not patronymic:
        return full[:NAME_FIELD_LENGTH]  # the patronymic (or the name) is cut at the 44th
    # The name is cut at the 42nd character of the line, then the patronymic's initial.
    return f"{surname_and_name[:37]}<{patronymic[:1]}"


def _yymmdd(day: dt.date) -> str:
    return day.strftime("%y%m%d")


def encode(
    *,
    last_name: str,
    first_name: str,
    middle_name: str | None,
    birth_date: dt.date,
    sex: str,
    series: str,
    number: str,
    issue_date: dt.date,
    division_code: str,
) -> tuple[str, str]:
    """The two lines a passport with these data carries."""
    line1 = DOCUMENT_CODE + STATE + encode_names(last_name, first_name, middle_name)
    serial = series[:3] + number
    birth = _yymmdd(birth_date)
    additional = series[3] + _yymmdd(issue_date) + division_code.replace("-", "") + FILLER
    line2 = (
        f"{serial}{check_digit(serial)}{STATE}{birth}{check_digit(birth)}{sex}"
        f"{FILLER * 7}{additional}{check_digit(additional)}"
    )
    composite = line2[0:10] + line2[13:20] + line2[21:43]
    return line1, line2 + str(check_digit(composite))


# --- decoding ---


def _clean(text: str) -> str:
    return "".join(char for char in (text or "").upper() if char in MRZ_ALPHABET)


def _line2_score(line: str) -> int:
    """How much of line 2's fixed structure a 44-character candidate shows."""
    score = sum(line[p] == STATE[i] for i, p in enumerate(_NATIONALITY))
    score += line[_SEX] in _SEX_READINGS
    score += sum(line[p] == FILLER for p in _EXPIRY) + (line[41] == FILLER)
    score += sum(line[p].isdigit() for p in _DIGIT_POSITIONS)
    return score


def _resized(raw: str) -> list[str]:
    """44-character versions of a line of another length: filled or cut at either end or in
    one of its runs of fillers."""
    delta = LINE_LENGTH - len(raw)
    candidates = [(raw + FILLER * delta)[:LINE_LENGTH], raw[-LINE_LENGTH:].rjust(44, FILLER)]
    index = 0
    while index < len(raw):
        if raw[index] != FILLER:
            index += 1
            continue
        end = index
        while end < len(raw) and raw[end] == FILLER:
            end += 1
        run = end - index
        if run + delta >= 1:
            candidate = raw[:index] + FILLER * (run + delta) + raw[end:]
            if len(candidate) == LINE_LENGTH:
                candidates.append(candidate)
        index = end
    return candidates


def _align_line2(raw: str) -> str:
    """Exactly 44 characters in their places: OCR drops or doubles fillers inside runs of «<»,
    or loses a glyph and pads the line's end (line 2 ends with a digit, never a filler). A
    filler put where a digit was lost is an unknown digit, for the check digit to recover."""
    candidates = [raw] if len(raw) == LINE_LENGTH else []
    candidates += _resized(raw) if len(raw) != LINE_LENGTH else []
    trimmed = raw.rstrip(FILLER)
    if trimmed != raw and len(trimmed) < LINE_LENGTH:
        candidates += _resized(trimmed)
    return max(candidates, key=_line2_score)  # the first of equals: the line as read


def _align_line1(raw: str) -> str:
    start = raw.find(STATE, 0, 8)
    body = raw[start + 3 :] if start >= 0 else raw[5:]
    return DOCUMENT_CODE + STATE + body[:NAME_FIELD_LENGTH].ljust(NAME_FIELD_LENGTH, FILLER)


def _is_zone(line2: str) -> bool:
    structure = sum(line2[p] == STATE[i] for i, p in enumerate(_NATIONALITY))
    structure += sum(line2[p] == FILLER for p in _EXPIRY)
    digits = sum(line2[p].isdigit() for p in _DIGIT_POSITIONS)
    return structure >= 7 and digits >= len(_DIGIT_POSITIONS) - 8


def _digit_options(char: str, doubtful: bool) -> str:
    if char.isdigit():
        return char + (_DIGIT_CONFUSIONS[char] if doubtful else "")
    # A letter where only a digit can stand: its position is known to be wrong, so the check
    # digit may pick any digit there — the lookalike is only the first guess.
    first = _DIGIT_READINGS.get(char, "")
    return first + "".join(digit for digit in "0123456789" if digit != first)


def _solutions(
    line: str, positions: Iterable[int], check: int, doubtful: set[int], valid: Callable
) -> list[str]:
    """Readings of the field (data + check digit) that pass its check digit, most likely first.

    The reading as seen (a letter turned into the digit it looks like) wins when it passes and
    at most one glyph was unreadable; otherwise only doubtful or unreadable positions are
    varied, and the caller takes a reading only if it is the one that passes.
    """
    cells = [*positions, check]
    # Position 42 (1-based) is a filler inside the checked data: it stays one.
    options = [FILLER if p == 41 else _digit_options(line[p], p in doubtful) for p in cells]

    def passes(reading: str) -> bool:
        return check_digit(reading[:-1]) == int(reading[-1]) and valid(reading[:-1])

    primary = "".join(option[0] for option in options)
    # With two unreadable glyphs one check digit cannot say which digits they were: the first
    # guesses passing it is a one-in-ten coincidence, so all readings are weighed.
    unknown = sum(not line[p].isdigit() for p in cells if p != 41)
    if unknown <= 1 and passes(primary):
        return [primary]
    size = 1
    for option in options:
        size *= len(option)
    if size > _MAX_SEARCH:
        return []
    return ["".join(combo) for combo in itertools.product(*options) if passes("".join(combo))]


def _dates(text: str, centuries: Iterable[int]) -> Iterator[dt.date]:
    """The real dates a YYMMDD field can be, one per century tried, in that order."""
    if len(text) != 6 or not text.isdigit():
        return
    yy, month, day = int(text[:2]), int(text[2:4]), int(text[4:])
    for century in centuries:
        try:
            found = dt.date(century + yy, month, day)
        except ValueError:  # month 13, 31 April, 29 February of a year that has none
            continue
        yield found


def _birth_date(text: str, today: dt.date) -> dt.date | None:
    latest = today.replace(year=today.year - _MIN_ISSUE_AGE, day=min(today.day, 28))
    return next((found for found in _dates(text, (2000, 1900)) if found <= latest), None)


def _issue_date(text: str, today: dt.date) -> dt.date | None:
    # The zone is printed in passports issued since 1 July 2011.
    found = next(_dates(text, (2000,)), None)
    return found if found is not None and dt.date(2011, 7, 1) <= found <= today else None


def _names(line1: str) -> tuple[str | None, str | None, str | None, bool]:
    """(surname, name, patronymic, the line is full — the last part may be cut short)."""
    body = "".join(_NAME_DIGIT_READINGS.get(char, char) for char in line1[5:])
    surname_part, _, given_part = body.rstrip(FILLER).partition("<<")
    # Full: no run of fillers after the names — the last part may have been cut short.
    full = "<<" not in given_part and not body.endswith(FILLER)
    # Anything after the given names and a double filler is the OCR reading the fillers.
    given_part = given_part.split("<<")[0]

    def cyrillic(token: str) -> str:
        return "".join(MRZ_TO_CYRILLIC.get(char, "") for char in token)

    def nice(word: str) -> str:
        return "-".join(piece.capitalize() for piece in word.split("-"))

    surname = nice("-".join(cyrillic(t) for t in surname_part.split(FILLER) if t)) or None
    tokens = [token for token in given_part.split(FILLER) if token]
    if not full and len(tokens) > 2 and len(tokens[-1]) == 1:
        # A lone letter after the patronymic, with fillers after it: a misread filler (a name
        # is cut to an initial only where the line is full).
        tokens.pop()
    given = [cyrillic(token) for token in tokens]
    name = nice(given[0]) if given else None
    rest = [word.lower() if word in ("ОГЛЫ", "КЫЗЫ") else nice(word) for word in given[1:] if word]
    patronymic = " ".join(rest) or None
    return surname, name, patronymic, full


def decode(line1: str, line2: str, *, today: dt.date, doubtful: Iterable[int] = ()) -> PassportZone:
    """Decode the two lines read from a photo.

    `doubtful`: 0-based positions in line 2 whose glyph the OCR engine was unsure of; a check
    digit may correct a field at such a position (see the module docstring).
    Raises NotAZone when the text is not this passport's zone.
    """
    raw1, raw2 = _clean(line1), _clean(line2)
    if len(raw2) < LINE_LENGTH - 6 or len(raw1) < 10:
        raise NotAZone("lines too short")
    zone2 = _align_line2(raw2)
    if not _is_zone(zone2):
        raise NotAZone("line 2 has not the layout of the Russian internal passport")
    zone1 = _align_line1(raw1)
    doubtful_set = set(doubtful) if len(raw2) == LINE_LENGTH else set()
    unchecked: list[str] = []

    def valid_birth(data: str) -> bool:
        return _birth_date(data, today) is not None

    def valid_additional(data: str) -> bool:
        return _issue_date(data[1:7], today) is not None

    groups = {
        "serial": _solutions(zone2, _SERIAL, _SERIAL_CHECK, doubtful_set, lambda _: True),
        "birth": _solutions(zone2, _BIRTH, _BIRTH_CHECK, doubtful_set, valid_birth),
        "additional": _solutions(
            zone2, _ADDITIONAL, _ADDITIONAL_CHECK, doubtful_set, valid_additional
        ),
    }
    spans = {"serial": (0, 10), "birth": (13, 20), "additional": (28, 43)}
    chosen = _choose(zone2, groups, spans)
    line = list(zone2)
    for group, (start, end) in spans.items():
        reading = chosen.get(group)
        if reading is None:
            # As read, letters turned into the digits they look like.
            line[start:end] = [
                FILLER if p == 41 else _digit_options(zone2[p], False)[0] for p in range(start, end)
            ]
        else:
            line[start:end] = list(reading)
    zone2 = "".join(line)

    covered = {
        "serial": ("series", "number"),
        "birth": ("birth_date",),
        "additional": ("series", "issue_date", "division_code"),
    }
    for group, names in covered.items():
        if group not in chosen:
            unchecked.extend(names)
    composite_char = zone2[_COMPOSITE_CHECK]
    composite = "".join(zone2[p] for part in _COMPOSITE_PARTS for p in part)
    composite_fails = composite_char.isdigit() and check_digit(composite) != int(composite_char)
    if len(chosen) == len(groups) and composite_fails:
        # Every field passed its own check, yet the whole does not: a check digit itself was
        # misread, or two errors cancel out — nothing here can say which field.
        unchecked.extend(name for names in covered.values() for name in names)

    sex = _SEX_READINGS.get(zone2[_SEX])
    if sex is None:
        unchecked.append("sex")
    surname, name, patronymic, full = _names(zone1)
    if full:
        unchecked.extend(["first_name", "middle_name"] if patronymic else ["first_name"])
    for field, value in (("last_name", surname), ("first_name", name)):
        if not value:
            unchecked.append(field)

    serial = zone2[0:9]
    series = serial[:3] + zone2[_SERIES_LAST]
    division = zone2[35:41]
    birth = _birth_date(zone2[13:19], today)
    issue = _issue_date(zone2[29:35], today)
    if birth is None:
        unchecked.append("birth_date")
    if issue is None:
        unchecked.append("issue_date")
    return PassportZone(
        last_name=surname,
        first_name=name,
        middle_name=patronymic,
        birth_date=birth,
        sex=sex,
        series=series if series.isdigit() else None,
        number=serial[3:] if serial[3:].isdigit() else None,
        issue_date=issue,
        division_code=f"{division[:3]}-{division[3:]}" if division.isdigit() else None,
        unchecked=tuple(name for name in FIELDS if name in set(unchecked)),
    )


def _choose(
    line: str, groups: dict[str, list[str]], spans: dict[str, tuple[int, int]]
) -> dict[str, str]:
    """One reading per field: the only one, or the only one the composite check allows."""
    chosen = {group: readings[0] for group, readings in groups.items() if len(readings) == 1}
    ambiguous = {group: readings for group, readings in groups.items() if len(readings) > 1}
    composite_char = line[_COMPOSITE_CHECK]
    if not ambiguous or not composite_char.isdigit():
        return chosen
    names = list(ambiguous)
    fits = []
    for combo in itertools.product(*(ambiguous[name] for name in names)):
        if len(fits) > 1:
            break
        candidate = list(line)
        for group, reading in [*chosen.items(), *zip(names, combo, strict=True)]:
            start, end = spans[group]
            candidate[start:end] = list(reading)
        composite = "".join(candidate[p] for part in _COMPOSITE_PARTS for p in part)
        if check_digit(composite) == int(composite_char):
            fits.append(combo)
    if len(fits) == 1:
        chosen.update(zip(names, fits[0], strict=True))
    return chosen
