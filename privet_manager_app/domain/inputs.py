"""One input type per form: the field list of a form exists here once.

The REST request models subclass these (adding `version` and the like), the page forms take
their field names and labels from them, and the use cases receive them. The types are what a
form or a JSON body can carry — strings with generous bounds, so that a 10 MB name is a clear
error and never a 500; the business rules (a series is 4 digits, a birth date lies in the past…)
are checked by the use case, which reports every field at once in Russian.

A value that does not even have the right type is refused with a Russian message per field:
built in Python (a page, a test) an input raises `ValidationFailed` (code `validation_error`);
in a REST body FastAPI reports the same messages through api/errors.py.
"""

from __future__ import annotations

import datetime as dt
import types
from collections.abc import Mapping
from typing import Annotated, Any, Self, Union, get_args, get_origin

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    create_model,
    model_validator,
)
from pydantic.fields import FieldInfo

from privet_manager_app.domain.common.errors import ValidationFailed

# pydantic's error type → what a manager reads under the field
TYPE_MESSAGES = {
    "missing": "Обязательное поле",
    "string_too_long": "Слишком длинное значение",
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
    "greater_than_equal": "Слишком маленькое значение",
    "less_than_equal": "Слишком большое значение",
    "extra_forbidden": "Неизвестное поле",
}
FIELDS_MESSAGE = "Проверьте поля запроса"


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
        fields.setdefault(field_name(location), message)
    return fields


_UNION_MEMBERS = {"str", "int", "date", "float", "bool", "none", "constrained-str"}


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
DateText = Annotated[dt.date, Strict()] | Annotated[str, Field(max_length=30)]


class PassportInput(Input):
    """Step 2: the Russian internal passport."""

    last_name: str = Field(max_length=300, title="Фамилия")
    first_name: str = Field(max_length=300, title="Имя")
    middle_name: str | None = Field(None, max_length=300, title="Отчество")
    birth_date: DateText = Field(title="Дата рождения", description="ГГГГ-ММ-ДД или ДД.ММ.ГГГГ")
    birth_place: str = Field(max_length=1000, title="Место рождения")
    series: str = Field(max_length=30, title="Серия")
    number: str = Field(max_length=30, title="Номер")
    issue_date: DateText = Field(title="Дата выдачи", description="ГГГГ-ММ-ДД или ДД.ММ.ГГГГ")
    issued_by: str = Field(max_length=2000, title="Кем выдан")
    division_code: str = Field(max_length=30, title="Код подразделения")


class AddressFields(BaseModel):
    """The registration address as fields (what the one-line address is parsed into). In a
    correction only the fields given are changed."""

    model_config = ConfigDict(extra="forbid")

    postcode: str | None = Field(None, max_length=50, title="Индекс")
    region: str | None = Field(None, max_length=300, title="Регион")
    city: str | None = Field(None, max_length=300, title="Населённый пункт")
    street: str | None = Field(None, max_length=300, title="Улица")
    house: str | None = Field(None, max_length=50, title="Дом")
    building: str | None = Field(None, max_length=50, title="Корпус/строение")
    apartment: str | None = Field(None, max_length=50, title="Квартира")


class AddressInput(Input, AddressFields):
    """The address fields on their own (nested in a profile they are `AddressFields`, so an
    error names its place: `address.postcode`)."""


class ProfileInput(Input):
    """Step 1: contacts (written to the client app's `users` row) and the address. A field left
    out (None) stays as it is; an empty e-mail clears it."""

    name: str | None = Field(None, max_length=1000, title="Имя")
    phone: str | None = Field(None, max_length=100, title="Телефон")
    email: str | None = Field(None, max_length=500, title="Email")
    registration_address: str | None = Field(None, max_length=2000, title="Адрес")
    address: AddressFields | None = None


class DeviceInput(Input):
    """Step 3: one device of the client."""

    category: str = Field(max_length=50, title="Категория")
    brand: str = Field(max_length=300, title="Бренд")
    model: str = Field(max_length=300, title="Модель")
    serial_number: str | None = Field(None, max_length=300, title="Серийный номер")
    purchase_year: int | None = Field(None, ge=0, le=9999, title="Год покупки")
    condition: str | None = Field(None, max_length=50, title="Состояние")
    notes: str | None = Field(None, max_length=5000, title="Заметки")


def _every_field_optional(model: type[Input], name: str, doc: str) -> type[Input]:
    """The same fields, each optional with the same bounds (a partial update)."""
    fields = {
        field: (info.annotation | None, FieldInfo.merge_field_infos(info, default=None))
        for field, info in model.model_fields.items()
    }
    return create_model(name, __base__=Input, __doc__=doc, __module__=__name__, **fields)


DevicePatch = _every_field_optional(
    DeviceInput,
    "DevicePatch",
    "A change of some of a device's fields: only the fields given change (None clears an "
    "optional one).",
)
