"""/admin/tariffs — tariffs: list, create, edit (a new version), activate/deactivate, category
fees, maximum discount, and a live preview of the surcharge for chosen devices.

Admin only: every handler checks the role on the server (the markup itself is public).
"""

from __future__ import annotations

from typing import TypedDict

import reflex as rx

from privet_manager_app.domain.admin import tariffs
from privet_manager_app.domain.common.errors import ValidationFailed
from privet_manager_app.domain.inputs import TariffInput, TariffPatch
from privet_manager_app.domain.views import TariffView
from privet_manager_app.domain.wizard.device_categories import DEVICE_CATEGORIES
from privet_manager_app.ui import routes
from privet_manager_app.ui.components import forms, layout
from privet_manager_app.ui.components.dialogs import dialog_form
from privet_manager_app.ui.format import rubles
from privet_manager_app.ui.state import SessionState, guard, run_domain

# The text inputs of the editor; category fees and the active switch have their own controls.
PLAIN_FIELDS = tuple(
    name for name in TariffInput.fields() if name not in ("category_fees", "is_active")
)
FEE_PREFIX = "fee_"


class TariffRow(TypedDict):
    id: int
    name: str
    code: str
    version: int
    is_active: bool
    terms: str
    fees: str


class PreviewLine(TypedDict):
    label: str
    amount: str


def _row(view: TariffView) -> TariffRow:
    fees = ", ".join(
        f"{DEVICE_CATEGORIES.get(category, category)} {rubles(fee)}"
        for category, fee in view.category_fees.items()
    )
    return TariffRow(
        **view.model_dump(include={"id", "name", "code", "version", "is_active"}),
        terms=f"{rubles(view.base_monthly_fee)}/мес · включено {view.included_devices} · "
        f"сверх {rubles(view.extra_device_fee)} · скидка до {view.max_discount_pct}%",
        fees=fees,
    )


class TariffsAdminState(SessionState):
    rows: list[TariffRow] = []
    denied: str = ""
    error: str = ""
    editing_id: int = 0
    editing_version: int = 0
    editor_open: bool = False
    form: dict[str, str] = {}
    errors: dict[str, str] = {}
    form_error: str = ""
    counts: dict[str, str] = {}
    preview_lines: list[PreviewLine] = []
    preview_total: str = ""
    preview_error: str = ""
    saving: bool = False

    def _refuse(self, error, target: str) -> None:
        """The domain refused: a manager sees no catalogue and opens no editor."""
        self.denied = error.message
        self.rows = []
        self.editor_open = False

    async def _reload(self, actor) -> None:
        self.rows = [_row(view) for view in await run_domain(tariffs.catalogue, actor)]

    @rx.event
    @guard(error="error")
    async def open_page(self, actor):
        self.editor_open = False
        self.denied = ""
        await self._reload(actor)

    @rx.event
    def set_field(self, name: str, value: str):
        self.form = {**self.form, name: value}
        self.errors = {key: text for key, text in self.errors.items() if key != name}
        return TariffsAdminState.update_preview

    @rx.event
    def set_count(self, category: str, value: str):
        self.counts = {**self.counts, category: value}
        return TariffsAdminState.update_preview

    @rx.event
    def open_new(self):
        if self.denied:
            return
        self.editing_id = 0
        self.editing_version = 0
        self.form = dict.fromkeys(PLAIN_FIELDS, "") | {
            "included_devices": "1",
            "max_discount_pct": "0",
            "base_monthly_fee": "0.00",
            "extra_device_fee": "0.00",
            "is_active": "true",
        }
        self._open_editor()

    @rx.event
    @guard(error="error")
    async def open_edit(self, actor, tariff_id: int):
        view = await run_domain(tariffs.get_tariff, actor, tariff_id)
        self.editing_id = view.id
        self.editing_version = view.version
        plain = {name: getattr(view, name) for name in PLAIN_FIELDS}
        self.form = {
            **{name: "" if value is None else str(value) for name, value in plain.items()},
            "is_active": "true" if view.is_active else "false",
            **{FEE_PREFIX + key: str(fee) for key, fee in view.category_fees.items()},
        }
        self._open_editor()

    def _open_editor(self) -> None:
        self.errors = {}
        self.form_error = ""
        self.counts = {"smartphone": "1"}
        self.editor_open = True
        self._preview()

    @rx.event
    def set_editor_open(self, value: bool):
        self.editor_open = value

    def _values(self) -> dict:
        values = {name: self.form.get(name, "") for name in PLAIN_FIELDS}
        values["category_fees"] = {
            key: self.form[FEE_PREFIX + key].strip()
            for key in DEVICE_CATEGORIES
            if self.form.get(FEE_PREFIX + key, "").strip() not in ("", "0", "0.00")
        }
        values["is_active"] = self.form.get("is_active", "true") == "true"
        return values

    def _preview(self) -> None:
        categories = []
        for key, count in self.counts.items():
            if count.strip().isdigit():
                categories += [key] * min(int(count), 100)
        try:
            surcharge = tariffs.preview_tariff_values(self._values(), categories)
        except ValidationFailed:
            self.preview_error = "Превью появится, когда параметры заполнены верно"
            self.preview_lines = []
            self.preview_total = ""
            return
        self.preview_error = ""
        self.preview_lines = [
            PreviewLine(label=line.label, amount=rubles(line.amount)) for line in surcharge.lines
        ]
        self.preview_total = rubles(surcharge.total)

    @rx.event
    def update_preview(self):
        self._preview()

    @rx.event
    @guard(error="form_error", busy="saving")
    async def save(self, actor):
        values = self._values()
        try:
            if self.editing_id:
                changes = TariffPatch.from_form(values)
                await run_domain(
                    tariffs.update_tariff, actor, self.editing_id, self.editing_version, changes
                )
            else:
                await run_domain(tariffs.create_tariff, actor, TariffInput.from_form(values))
        except ValidationFailed as error:
            self.errors = _field_errors(error.fields)
            self.form_error = error.message
            return
        self.editor_open = False
        await self._reload(actor)

    @rx.event
    @guard(error="error")
    async def toggle_active(self, actor, tariff_id: int, active: bool):
        await run_domain(tariffs.set_tariff_active, actor, tariff_id, active)
        await self._reload(actor)


def _field_errors(fields: dict[str, str]) -> dict[str, str]:
    """All category fees share one message, above their grid (`category_fees.tv` names the
    category in the text)."""
    errors = {}
    for key, text in fields.items():
        name, _, category = key.partition(".")
        if name == "category_fees":
            key = FEE_PREFIX + "all"
            if category in DEVICE_CATEGORIES:
                text = f"{DEVICE_CATEGORIES[category]}: {text}"
        errors.setdefault(key, text)
    return errors


def _tariff_card(row: TariffRow) -> rx.Component:
    state = TariffsAdminState
    return rx.card(
        rx.vstack(
            layout.spread(
                rx.text(row["name"], weight="bold", size="3"),
                rx.badge("v" + row["version"].to_string(), variant="outline"),
                end=rx.cond(
                    row["is_active"],
                    rx.badge("Активен", color_scheme="green"),
                    rx.badge("Отключён", color_scheme="gray"),
                ),
                align="center",
            ),
            forms.muted(row["code"], font_family="monospace"),
            rx.text(row["terms"], size="2"),
            rx.cond(
                row["fees"] != "",
                forms.muted("Категории: " + row["fees"], shade=11),
            ),
            rx.hstack(
                rx.button(
                    "Изменить",
                    size="2",
                    variant="soft",
                    on_click=state.open_edit(row["id"]),
                    class_name="edit-tariff",
                ),
                rx.button(
                    rx.cond(row["is_active"], "Отключить", "Включить"),
                    size="2",
                    variant="ghost",
                    on_click=state.toggle_active(row["id"], ~row["is_active"]),
                ),
                spacing="2",
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        class_name="tariff-card",
    )


def _editor() -> rx.Component:
    state = TariffsAdminState
    fee_inputs = [
        forms.labelled(
            label,
            rx.input(
                value=state.form[FEE_PREFIX + key],
                on_change=lambda value, key=key: state.set_field(FEE_PREFIX + key, value),
                placeholder="0.00",
                input_mode="decimal",
                size="2",
                id=f"fee-{key}",
            ),
        )
        for key, label in DEVICE_CATEGORIES.items()
    ]
    count_inputs = [
        forms.labelled(
            label,
            rx.input(
                value=state.counts[key],
                on_change=lambda value, key=key: state.set_count(key, value),
                placeholder="0",
                input_mode="numeric",
                size="2",
                id=f"count-{key}",
            ),
        )
        for key, label in DEVICE_CATEGORIES.items()
    ]
    return dialog_form(
        rx.cond(state.editing_id, "Тариф", "Новый тариф"),
        rx.cond(
            state.editing_id,
            forms.muted(
                "Сохранение создаст новую версию. Уже рассчитанные доплаты и "
                "договоры сохранят прежние цифры.",
            ),
        ),
        forms.input_field(state, TariffInput, "name"),
        forms.input_field(state, TariffInput, "code", hint="латиница, цифры, - и _"),
        forms.input_field(state, TariffInput, "description"),
        rx.grid(
            forms.input_field(state, TariffInput, "base_monthly_fee", input_mode="decimal"),
            forms.input_field(state, TariffInput, "included_devices", input_mode="numeric"),
            forms.input_field(state, TariffInput, "extra_device_fee", input_mode="decimal"),
            forms.input_field(state, TariffInput, "max_discount_pct", input_mode="decimal"),
            columns="2",
            spacing="3",
            width="100%",
        ),
        rx.text(TariffInput.label("category_fees"), weight="bold", size="2"),
        rx.cond(
            state.errors[FEE_PREFIX + "all"],
            rx.text(state.errors[FEE_PREFIX + "all"], size="1", color=rx.color("red", 11)),
        ),
        rx.grid(*fee_inputs, columns="2", spacing="2", width="100%"),
        rx.divider(),
        rx.text("Превью: устройства клиента", weight="bold", size="2"),
        rx.grid(*count_inputs, columns="3", spacing="2", width="100%"),
        rx.card(
            rx.vstack(
                rx.foreach(
                    state.preview_lines,
                    lambda line: layout.spread(
                        rx.text(line["label"], size="1"),
                        end=rx.text(line["amount"], size="1"),
                    ),
                ),
                layout.spread(
                    rx.text("Доплата", weight="bold"),
                    end=rx.text(state.preview_total, weight="bold", id="tariff-preview-total"),
                ),
                rx.cond(
                    state.preview_error,
                    forms.muted(state.preview_error),
                ),
                spacing="1",
                width="100%",
            ),
            width="100%",
            variant="surface",
        ),
        error=state.form_error,
        open=state.editor_open,
        on_open_change=state.set_editor_open,
        submit_label="Сохранить",
        on_submit=state.save,
        loading=state.saving,
        submit_id="save-tariff",
        max_width="560px",
    )


def page() -> rx.Component:
    state = TariffsAdminState
    return layout.shell(
        rx.vstack(
            rx.heading("Тарифы", size="5"),
            rx.cond(
                state.denied,
                layout.admin_refusal(state.denied),
                rx.vstack(
                    forms.action_button(
                        rx.icon("plus", size=16),
                        "Новый тариф",
                        on_click=state.open_new,
                        id="new-tariff",
                    ),
                    forms.form_error(state.error),
                    rx.foreach(state.rows, _tariff_card),
                    spacing="3",
                    width="100%",
                ),
            ),
            _editor(),
            spacing="3",
            width="100%",
        ),
        back_href=routes.clients(),
    )
