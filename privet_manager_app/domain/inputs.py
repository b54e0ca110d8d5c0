"""One input type per form: the field list of a form exists here once.

The REST request models subclass these (adding `version` and the like), the page forms take
their field names and labels from them, and the use cases receive them. The types are what a
form or a JSON body can carry — strings with generous bounds, so that a 10 MB name is a clear
error and never a 500; the business rules (a series is 4 digits, a birth date lies in the past…)
are checked by the use case, which reports every field at once in Russian.

A value that does not even have the right type is refused with a Russian message per field:
built in Python (a page, a test) an input raises `ValidationFailed` (code `validation_error`);
in a REST body FastAPI reports the same messages through api/errors.py.

Hostile input stops here, before any use case or the database sees it (issue 9): every string
is a `Line` (no control characters at all — a NUL is what PostgreSQL refuses with a 500), a
`Text` (line breaks and tabs allowed) or a `SearchText` (control characters dropped: a search
is not stored); amounts are `Amount` (0…10 000 000.00, kopecks) and percents `Percent`
(0…100) — bounded before any Decimal arithmetic can overflow; ids are `BigId`/`IntId`.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import types
from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any, Literal, Self, Union, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
    create_model,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from privet_manager_app.domain.common.errors import ValidationFailed
from privet_manager_app.domain.common.money import MAX_AMOUNT, NBSP
from privet_manager_app.domain.common.text import (
    control_chars_pattern,
    has_control_chars,
    strip_control_chars,
)

# pydantic's error type → what a manager reads under the field
TYPE_MESSAGES = {
    "missing": "Обязательное поле",
    "string_too_long": "Не длиннее {max_length} символов",
    "string_too_short": "Слишком короткое значение",
    "int_parsing": "Нужно целое число",
    "int_type": "Нужно целое число",
    "int_from_float": "Нужно целое число",
    "decimal_parsing": "Нужна сумма, например 1500.00",
    "decimal_type": "Нужна сумма, например 1500.00",
    "bool_parsing": "Нужно true или false",
    "bool_type": "Нужно true или false",
    "string_type": "Нужна строка",
    "date_from_datetime_parsing": "Нужна дата ГГГГ-ММ-ДД",
    "date_parsing": "Нужна дата ГГГГ-ММ-ДД",
    "date_type": "Нужна дата ГГГГ-ММ-ДД",
    "json_invalid": "Некорректный JSON",
    "model_attributes_type": "Нужен JSON-объект",
    "model_type": "Нужен JSON-объект",
    "dict_type": "Нужен JSON-объект",
    "literal_error": "Недопустимое значение",
    "enum": "Недопустимое значение",
    "greater_than_equal": "Не меньше {ge}",
    "greater_than": "Больше {gt}",
    "less_than_equal": "Не больше {le}",
    "less_than": "Меньше {lt}",
    "extra_forbidden": "Неизвестное поле",
    "control_characters": "Недопустимые невидимые символы",
    "finite_number": "Нужно число",
    "decimal_max_digits": "Слишком большое число",
    "decimal_whole_digits": "Слишком большое число",
    "decimal_max_places": "Не больше {decimal_places} знаков после запятой",
    "too_long": "Слишком много элементов",
    "float_parsing": "Нужно число",
    "float_type": "Нужно число",
    "list_type": "Нужен список",
    "string_unicode": "Недопустимые символы",
    "value_error": "Некорректное значение",
}
# Shown above a page form and as the REST `detail`: the per-field texts say what is wrong.
FIELDS_MESSAGE = "Исправьте отмеченные поля"


def field_name(location: tuple) -> str:
    parts = [str(part) for part in location if part not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def type_errors(errors: list[dict[str, Any]]) -> dict[str, str]:
    """pydantic's errors → {field: Russian message}; for a union the first message wins."""
    fields: dict[str, str] = {}
    for item in errors:
        location = tuple(
            part
            for part in item.get("loc", ())
            # a union reports every member it tried ("str", "date", "int"…): not a field
            if not (isinstance(part, str) and part.split("[")[0] in _UNION_MEMBERS)
        )
        message = TYPE_MESSAGES.get(item.get("type", ""), "Некорректное значение")
        fields.setdefault(field_name(location), _with_bounds(message, item.get("ctx") or {}))
    return fields


_DECIMAL_REPR = re.compile(r"^Decimal\('([-+0-9.Ee]+)'\)$")


def _bound(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, str):  # pydantic hands Decimal bounds over as their repr
        match = _DECIMAL_REPR.match(value)
        return match[1] if match else None
    return None


def _with_bounds(message: str, context: Mapping[str, Any]) -> str:
    """«Не больше {le}» → «Не больше 10000000.00»; never the text of an exception."""
    values = {key: _bound(value) for key, value in context.items()}
    values = {key: value for key, value in values.items() if value is not None}
    try:
        return message.format(**values)
    except (KeyError, IndexError, ValueError):
        return message.split("{")[0].strip() or "Некорректное значение"


_UNION_MEMBERS = {
    "str",
    "int",
    "date",
    "float",
    "bool",
    "none",
    "constrained-str",
    "decimal",
    "function-after",
    "function-before",
}


# ---- Field types every input uses ---------------------------------------------------------------


def _refuse_control_chars(value: str | None, *, newlines: bool) -> str | None:
    # None is let through: a field declared `Line | None = Field(…)` may carry the validator
    # beside the union rather than inside its `str` member.
    if value is not None and has_control_chars(value, allow_newlines=newlines):
        raise PydanticCustomError("control_characters", "control characters")
    return value


class _SchemaPattern:
    """Adds the refused characters to the field's JSON schema as a `pattern` (the OpenAPI
    document then calls valid only what the validator accepts); validation stays the
    AfterValidator's — one rule, `has_control_chars`."""

    def __init__(self, *, newlines: bool) -> None:
        self.newlines = newlines

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> dict[str, Any]:
        schema = handler(core_schema)
        schema["pattern"] = control_chars_pattern(allow_newlines=self.newlines)
        return schema


class _OnlyPatternKeys:
    """A dict's keys in the schema: pydantic writes the key type as `patternProperties`, which
    leaves any other key allowed; this closes the object, so a key the validator refuses (one
    with control characters) is not schema-valid either."""

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> dict[str, Any]:
        schema = handler(core_schema)
        if "patternProperties" in schema:
            schema["additionalProperties"] = False
        return schema


# One line typed by a person (or a key, a code): NUL, escapes, RTL overrides… are refused.
Line = Annotated[
    str,
    AfterValidator(functools.partial(_refuse_control_chars, newlines=False)),
    _SchemaPattern(newlines=False),
]
# Free text: line breaks and tabs are fine, other control characters are not.
Text = Annotated[
    str,
    AfterValidator(functools.partial(_refuse_control_chars, newlines=True)),
    _SchemaPattern(newlines=True),
]
# A search box: nothing is stored, so invisible characters are dropped rather than refused.
SearchText = Annotated[str, AfterValidator(strip_control_chars)]

MAX_BIGINT = 2**63 - 1
# An id in a JSON body: a JSON number above 2**53 is not carried exactly by JavaScript or by
# float-based parsers (9223372036854775807 arrives as …808 and is refused), so bodies stop there.
MAX_JSON_ID = 2**53 - 1
MAX_INT = 2**31 - 1
# Row ids: within the column's type, so a huge number is a 422 and never reaches the database.
BigId = Annotated[int, Field(ge=1, le=MAX_BIGINT)]
IntId = Annotated[int, Field(ge=1, le=MAX_INT)]


def _decimal_text(value: Any) -> Any:
    """What people type: «1 500,50» is 1500.50. Other values go to pydantic as they are."""
    if isinstance(value, str):
        return value.strip().replace(NBSP, "").replace(" ", "").replace(",", ".")
    if isinstance(value, float):
        return repr(value)  # 0.1 stays 0.1, not 0.1000000000000000055511151231257827
    return value


# Rubles: at most 10 000 000.00 and two decimals, checked on the digits before any arithmetic
# (`1e30` or `1E+999999` used to overflow Decimal's context inside a use case).
# In the schema: whole rubles as a JSON number, or the canonical text "1500.00" — what every
# client sends; the validator also takes «1 500,50» and 1500.5, which the schema leaves out
# (a float's binary digits are not kopecks).
_AMOUNT_SCHEMA = {
    "anyOf": [
        {"type": "integer", "minimum": 0, "maximum": int(MAX_AMOUNT)},
        {"type": "string", "pattern": r"^(10000000(\.00?)?|[0-9]{1,7}(\.[0-9]{1,2})?)$"},
    ],
    "description": 'рубли строкой с копейками: "1500.00" (0 … 10000000.00)',
}
_PERCENT_SCHEMA = {
    "anyOf": [
        {"type": "integer", "minimum": 0, "maximum": 100},
        {"type": "string", "pattern": r"^(100(\.00?)?|[0-9]{1,2}(\.[0-9]{1,2})?)$"},
    ],
    "description": "проценты, 0 … 100, до сотых",
}
Amount = Annotated[
    Decimal,
    WithJsonSchema(_AMOUNT_SCHEMA),
    BeforeValidator(_decimal_text),
    Field(
        ge=0,
        le=MAX_AMOUNT,
        max_digits=12,
        decimal_places=2,
        allow_inf_nan=False,
        description='рубли строкой с копейками: "1500.00" (0 … 10000000.00)',
    ),
]
Percent = Annotated[
    Decimal,
    WithJsonSchema(_PERCENT_SCHEMA),
    BeforeValidator(_decimal_text),
    Field(
        ge=0,
        le=100,
        max_digits=5,
        decimal_places=2,
        allow_inf_nan=False,
        description="проценты, 0 … 100, до сотых",
    ),
]


def search_text(value: str | None) -> str:
    """A search box's text as every surface passes it to a use case (see `SearchText`)."""
    return _SEARCH.validate_python(value or "").strip()


_SEARCH = TypeAdapter(SearchText)


class Input(BaseModel):
    """A form's fields. Unknown fields are refused; `labels()` gives the Russian labels."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="wrap")
    @classmethod
    def _russian_type_errors(cls, data: Any, handler: Any) -> Any:
        try:
            return handler(data)
        except ValidationError as error:
            raise _refusal(error) from None

    @classmethod
    def fields(cls) -> tuple[str, ...]:
        return tuple(cls.model_fields)

    @classmethod
    def labels(cls) -> dict[str, str]:
        return {name: info.title or name for name, info in cls.model_fields.items()}

    @classmethod
    def label(cls, name: str) -> str:
        return cls.model_fields[name].title or name

    @classmethod
    def from_form(cls, form: Mapping[str, Any]) -> Self:
        """From a page's form: every field as typed (strings), "" for an optional field = none."""
        values = {}
        for name, info in cls.model_fields.items():
            value = form.get(name, "")
            if value == "" and _optional(info.annotation):
                value = None
            values[name] = value
        return cls.model_validate(values)


def _refusal(error: ValidationError) -> ValidationFailed:
    return ValidationFailed("validation_error", FIELDS_MESSAGE, fields=type_errors(error.errors()))


def _optional(annotation: Any) -> bool:
    return get_origin(annotation) in (Union, types.UnionType) and type(None) in get_args(annotation)


# A calendar date: a date object, or text «ГГГГ-ММ-ДД» / «ДД.ММ.ГГГГ» the use case parses.
DateText = Annotated[dt.date, Strict()] | Annotated[Line, Field(max_length=30)]


class PassportInput(Input):
    """Step 2: the Russian internal passport."""

    last_name: Line = Field(max_length=300, title="Фамилия")
    first_name: Line = Field(max_length=300, title="Имя")
    middle_name: Line | None = Field(None, max_length=300, title="Отчество")
    birth_date: DateText = Field(title="Дата рождения", description="ГГГГ-ММ-ДД или ДД.ММ.ГГГГ")
    birth_place: Line = Field(max_length=1000, title="Место рождения")
    series: Line = Field(max_length=30, title="Серия")
    number: Line = Field(max_length=30, title="Номер")
    issue_date: DateText = Field(title="Дата выдачи", description="ГГГГ-ММ-ДД или ДД.ММ.ГГГГ")
    issued_by: Line = Field(max_length=2000, title="Кем выдан")
    division_code: Line = Field(max_length=30, title="Код подразделения")


class LoginInput(Input):
    """The login form."""

    email: Line = Field(max_length=255, title="Email")
    password: Line = Field(max_length=1000, title="Пароль")


class AddressFields(BaseModel):
    """The registration address as fields (what the one-line address is parsed into). In a
    correction only the fields given are changed."""

    model_config = ConfigDict(extra="forbid")

    postcode: Line | None = Field(None, max_length=50, title="Индекс")
    region: Line | None = Field(None, max_length=300, title="Регион")
    city: Line | None = Field(None, max_length=300, title="Населённый пункт")
    street: Line | None = Field(None, max_length=300, title="Улица")
    house: Line | None = Field(None, max_length=50, title="Дом")
    building: Line | None = Field(None, max_length=50, title="Корпус/строение")
    apartment: Line | None = Field(None, max_length=50, title="Квартира")


class AddressInput(Input, AddressFields):
    """The address fields on their own (nested in a profile they are `AddressFields`, so an
    error names its place: `address.postcode`)."""


class ProfileInput(Input):
    """Step 1: contacts (written to the client app's `users` row) and the address. A field left
    out (None) stays as it is; an empty e-mail clears it."""

    # The name's own rule (person_name_error) refuses control characters as `invalid_name`.
    name: str | None = Field(None, max_length=1000, title="Имя")
    phone: Line | None = Field(None, max_length=100, title="Телефон")
    email: Line | None = Field(None, max_length=500, title="Email")
    registration_address: Line | None = Field(None, max_length=2000, title="Адрес")
    address: AddressFields | None = None


class DeviceInput(Input):
    """Step 3: one device of the client."""

    category: Line = Field(max_length=50, title="Категория")
    brand: Line = Field(max_length=300, title="Бренд")
    model: Line = Field(max_length=300, title="Модель")
    serial_number: Line | None = Field(None, max_length=300, title="Серийный номер")
    purchase_year: int | None = Field(None, ge=0, le=9999, title="Год покупки")
    condition: Line | None = Field(None, max_length=50, title="Состояние")
    notes: Text | None = Field(None, max_length=5000, title="Заметки")


def _every_field_optional(model: type[Input], name: str, doc: str) -> type[Input]:
    """The same fields, each optional with the same bounds (a partial update)."""
    fields = {}
    for field, info in model.model_fields.items():
        # The type's own bounds stay with the type (`Annotated[Decimal, ≥0…] | None`), so the
        # schema and the validation of None are those of a hand-written `Amount | None`.
        kind = Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
        rest = FieldInfo.merge_field_infos(info, default=None, default_factory=None)
        rest.metadata = []
        fields[field] = (kind | None, rest)
    return create_model(name, __base__=Input, __doc__=doc, __module__=__name__, **fields)


DevicePatch = _every_field_optional(
    DeviceInput,
    "DevicePatch",
    "A change of some of a device's fields: only the fields given change (None clears an "
    "optional one).",
)


class TariffInput(Input):
    """The admin's tariff editor: one tariff's parameters. The use case checks the rules (the
    code's alphabet, known device categories, at most 1000 included devices…)."""

    code: Line = Field(
        max_length=100, title="Код", description="латиница, цифры, - и _: basic, family"
    )
    name: Line = Field(max_length=500, title="Название")
    description: Text | None = Field(None, max_length=4000, title="Описание")
    base_monthly_fee: Amount = Field(title="Абонентская плата, ₽/мес")
    included_devices: int = Field(0, ge=0, le=MAX_INT, title="Включено устройств")
    extra_device_fee: Amount = Field(title="За доп. устройство, ₽")
    category_fees: Annotated[dict[Line, Amount], _OnlyPatternKeys()] = Field(
        default_factory=dict, max_length=50, title="Доплата за категорию (за каждое устройство)"
    )
    max_discount_pct: Percent = Field(Decimal("0"), title="Макс. скидка, %")
    is_active: bool = Field(True, title="Активен")


TariffPatch = _every_field_optional(
    TariffInput,
    "TariffPatch",
    "A change of some of a tariff's parameters: only the fields given change (a new edition).",
)


# How a surcharge is paid on the spot → its Russian name (the choice on the final step).
PAYMENT_METHODS = {"cash": "наличные", "card": "карта", "transfer": "перевод"}


class PaymentInput(Input):
    """The final step: the surcharge paid on the spot."""

    amount: Amount = Field(title="Сумма, ₽", description='сумма доплаты: "1500.00"')
    method: Literal[tuple(PAYMENT_METHODS)] = Field(title="Способ оплаты")
    reference: Line | None = Field(
        None, max_length=255, title="Номер чека или операции", description="номер операции, чека"
    )
