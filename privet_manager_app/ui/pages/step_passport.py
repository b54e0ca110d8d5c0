"""Step 2 «Паспорт»: a card of the saved passport, and the form to enter or correct it.

«Сканировать паспорт» reads the machine-readable zone of a photo (camera or file) and shows
what was read — uncertain fields marked — before anything changes: the form is filled only
when the manager accepts the preview, and saved only by «Сохранить паспорт» as before. The
photo stays in this handler's memory (domain/wizard/passport_scan.py)."""

from __future__ import annotations

from typing import ClassVar

import reflex as rx

from privet_manager_app.domain.clients.open_step import Step
from privet_manager_app.domain.common.errors import DomainError
from privet_manager_app.domain.inputs import PassportInput
from privet_manager_app.domain.wizard import passport as passports
from privet_manager_app.domain.wizard import passport_scan
from privet_manager_app.edge.uploads import upload_rule
from privet_manager_app.settings import get_settings
from privet_manager_app.ui import routes
from privet_manager_app.ui.components import forms, layout
from privet_manager_app.ui.format import passport_card
from privet_manager_app.ui.pages.wizard import WizardState, wizard_page
from privet_manager_app.ui.state import guard, run_domain

FORM_FIELDS = PassportInput.fields()
SCAN_UPLOAD_ID = "passport-scan"
SCAN_ACCEPT = {"image/jpeg": [".jpg", ".jpeg"], "image/png": [".png"], "image/webp": [".webp"]}
# What the zone holds, in the preview's order (sex is read too, but the form has no field).
SCANNED_FIELDS = (
    "last_name",
    "first_name",
    "middle_name",
    "birth_date",
    "series",
    "number",
    "issue_date",
    "division_code",
)
CHECK_IT = "Проверьте: по фото прочитано неуверенно"


def _shown_value(name: str, value: str | None) -> str:
    if not value:
        return "—"
    if name.endswith("_date"):  # ГГГГ-ММ-ДД → ДД.ММ.ГГГГ, as the manager reads dates
        year, month, day = value.split("-")
        return f"{day}.{month}.{year}"
    return value


class PassportState(forms.FormMixin, WizardState):
    STEP: ClassVar[Step] = Step.PASSPORT

    warnings: list[str] = []
    has_passport: bool = False
    editing: bool = False
    card: dict[str, str] = {}
    # The scan: upload progress (%), «reading» while the OCR runs, what was read (not yet in
    # the form), what went wrong.
    scan_progress: int = 0
    scan_reading: bool = False
    scan_error: str = ""
    scan_rows: list[dict[str, str]] = []  # {name, label, value, uncertain: "1" or ""}
    scan_filled: bool = False
    _scan_values: dict[str, str] = {}
    _scan_unchecked: list[str] = []

    def _forget_scan(self) -> None:
        self.scan_rows, self._scan_values, self._scan_unchecked = [], {}, []
        self.scan_progress, self.scan_reading = 0, False

    def _show(self, passport) -> None:
        self.has_passport = True
        self.card = passport_card(passport)
        self.warnings = [notice.message for notice in getattr(passport, "warnings", [])]

    def _fill_form(self, passport) -> None:
        self.form = {name: _text(getattr(passport, name)) for name in FORM_FIELDS}

    def _draft_extra(self) -> dict:
        return {"editing": self.editing}

    @rx.event
    @guard(error="page_error")
    async def open_page(self, actor):
        draft = self._typed_draft(actor, self._route_client_id())
        if draft is None:
            self.form_error = ""
            self.stale = False
            self.errors = {}
        self.has_passport = False
        self.warnings = []
        self._forget_scan()
        self.scan_error, self.scan_filled = "", False
        view = await self._open_step(actor)
        if view is None:
            return
        if view.passport is not None:  # the holder: the full passport, in the form too
            self._show(view.passport)
            self._fill_form(view.passport)
        elif view.passport_masked is not None:  # anyone else: the masked card only
            self._show(view.passport_masked)
        else:
            self.form = dict.fromkeys(FORM_FIELDS, "")
        self.editing = not self.has_passport and self.can_edit
        if draft is not None and self.can_edit:
            self._apply_draft(draft)
            self.editing = self.editing or draft.get("editing") is True

    @rx.event
    def start_editing(self):
        self.editing = True

    @rx.event
    def scan_progressed(self, progress: dict):
        # Progress comes over the socket, the handler's answer in the upload's response: the
        # last "100 %" may arrive after the answer, so a finished upload shows no bar (the
        # handler's own «распознаём» takes over) and nothing here touches the answer.
        percent = round(float(progress.get("progress", 0)) * 100)
        self.scan_progress = max(1, percent) if percent < 100 else 0

    @rx.event
    @upload_rule(max_files=1)  # one photo ≤ MAX_PHOTO_BYTES
    @guard(error="scan_error", busy="scan_reading")
    async def scan_photo(self, actor, files: list[rx.UploadFile]):
        self._forget_scan()
        self.scan_filled = False
        if not files:
            self.scan_error = "Выберите фото разворота паспорта"
            return
        # One byte past the limit is enough for the domain to refuse the photo as too large.
        data = await files[0].read(get_settings().MAX_PHOTO_BYTES + 1)
        try:
            result = await run_domain(passport_scan.scan_passport, actor, self.cid, data)
        except DomainError as error:  # not the form's errors: the form is untouched
            self.scan_error = error.message
            return
        read = result.fields.model_dump()
        self._scan_values = {name: read[name] or "" for name in SCANNED_FIELDS}
        self._scan_unchecked = [name for name in result.unchecked if name in SCANNED_FIELDS]
        self.scan_rows = [
            {
                "name": name,
                "label": PassportInput.label(name),
                "value": _shown_value(name, read[name]),
                "uncertain": "1" if name in self._scan_unchecked else "",
            }
            for name in SCANNED_FIELDS
        ]

    @rx.event
    def accept_scan(self):
        """The manager has looked at the preview: into the form it goes (not saved yet)."""
        if not self._scan_values:
            return
        self.form = {**self.form, **self._scan_values}
        self.errors = dict.fromkeys(self._scan_unchecked, CHECK_IT)
        self.form_error = ""
        self.editing = True
        self.scan_filled = True
        self._forget_scan()
        self._remember_typing()

    @rx.event
    def discard_scan(self):
        self._forget_scan()

    @rx.event
    def cancel_editing(self):
        self.editing = False
        self.errors = {}
        self.form_error = ""
        self._forget_typing()

    @rx.event
    @guard(error="form_error", busy="saving")
    async def save(self, actor):
        result = await run_domain(
            passports.save_passport,
            actor,
            self.cid,
            PassportInput.from_form(self.form),
            version=self.version,
        )
        self.version = result.version
        self._show(result)
        self._fill_form(result)
        self._forget_typing()
        self.editing = False
        if not self.warnings:
            yield rx.redirect(routes.client_step(self.cid, 3))

    @rx.event
    @guard(error="form_error")
    async def reload_version(self, actor):
        if await self._open_step(actor) is not None:
            self.stale = False
            self.editing = True
            self.form_error = "Версия обновлена. Проверьте поля и сохраните ещё раз."


def _text(value) -> str:
    """A stored value as the form shows it (dates as the date input wants them: ГГГГ-ММ-ДД)."""
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _card() -> rx.Component:
    def row(label: str, key: str) -> rx.Component:
        return rx.hstack(
            forms.muted(label, size="2", min_width="110px"),
            rx.text(PassportState.card[key], size="2", weight="medium"),
            align="start",
            width="100%",
        )

    return rx.card(
        rx.vstack(
            layout.spread(
                rx.icon("id_card", size=20, color=rx.color("accent", 10)),
                rx.heading("Паспорт РФ", size="3"),
                end=rx.cond(
                    PassportState.can_edit,
                    rx.button(
                        rx.icon("pencil", size=14),
                        "Изменить",
                        variant="soft",
                        size="2",
                        on_click=PassportState.start_editing,
                        id="edit-passport",
                    ),
                ),
                align="center",
            ),
            row("ФИО", "full_name"),
            row("Рождение", "birth"),
            row("Серия, номер", "number"),
            row("Выдан", "issued"),
            row("Код подразд.", "division_code"),
            spacing="2",
            width="100%",
        ),
        width="100%",
        id="passport-card",
    )


def _scan_row(row: dict) -> rx.Component:
    uncertain = row["uncertain"] != ""
    return rx.hstack(
        forms.muted(row["label"], size="2", min_width="130px"),
        rx.vstack(
            rx.text(row["value"], size="2", weight="medium"),
            rx.cond(
                uncertain,
                rx.text("проверьте", size="1", weight="bold", color=rx.color("amber", 11)),
            ),
            spacing="0",
        ),
        align="start",
        width="100%",
        padding="4px 8px",
        border_radius="6px",
        background=rx.cond(uncertain, rx.color("amber", 3), "transparent"),
        class_name=rx.cond(uncertain, "scan-row scan-uncertain", "scan-row"),
        id="scan-row-" + row["name"],
    )


def _scanner() -> rx.Component:
    """The scan button, its progress, and the preview to accept or drop."""
    state = PassportState
    busy = state.scan_reading | (state.scan_progress > 0)
    return rx.vstack(
        rx.upload.root(
            forms.action_button(
                rx.cond(busy, rx.spinner(size="2"), rx.icon("scan_line", size=18)),
                rx.cond(state.scan_reading, "Читаем паспорт…", "Сканировать паспорт"),
                variant="soft",
                disabled=busy,
                type="button",
            ),
            id=SCAN_UPLOAD_ID,
            accept=SCAN_ACCEPT,
            multiple=False,
            max_files=1,
            max_size=get_settings().MAX_PHOTO_BYTES,
            no_drag=True,
            on_drop=state.scan_photo(
                rx.upload_files(upload_id=SCAN_UPLOAD_ID, on_upload_progress=state.scan_progressed)
            ),
            width="100%",
        ),
        rx.cond(
            ~busy & (state.scan_rows.length() == 0) & ~state.scan_filled,
            forms.muted(
                "Сфотографируйте разворот с фото целиком, вместе с двумя нижними строками "
                "«PNRUS…»: поля заполнятся после вашей проверки",
            ),
        ),
        rx.cond(
            (state.scan_progress > 0) & ~state.scan_reading,
            rx.progress(value=state.scan_progress, width="100%", id="scan-progress"),
        ),
        rx.cond(
            state.scan_reading,
            rx.text("Фото загружено, распознаём…", size="2", id="scan-reading"),
        ),
        forms.banner(state.scan_error, icon="triangle_alert", color="red", id="scan-error"),
        rx.cond(
            state.scan_rows.length() > 0,
            rx.card(
                rx.vstack(
                    rx.text("Прочитано с фото", weight="bold", size="3"),
                    rx.foreach(state.scan_rows, _scan_row),
                    forms.muted(
                        "Сверьте с паспортом. Место рождения и «кем выдан» в нижних строках "
                        "нет — их впишите сами.",
                    ),
                    rx.hstack(
                        rx.button("Заново", variant="ghost", size="3", on_click=state.discard_scan),
                        rx.button(
                            "Заполнить форму",
                            size="3",
                            on_click=state.accept_scan,
                            id="scan-accept",
                        ),
                        justify="end",
                        width="100%",
                    ),
                    spacing="2",
                    width="100%",
                ),
                width="100%",
                id="scan-preview",
            ),
        ),
        forms.notice(
            state.scan_filled,
            "Поля заполнены по фото. Проверьте выделенные, впишите место рождения и «кем "
            "выдан» и сохраните.",
            icon="info",
            id="scan-filled",
        ),
        spacing="2",
        width="100%",
    )


def _form() -> rx.Component:
    state = PassportState
    return layout.section(
        "Паспорт РФ",
        forms.input_field(state, PassportInput, "last_name", auto_complete="off"),
        forms.input_field(state, PassportInput, "first_name", auto_complete="off"),
        forms.input_field(state, PassportInput, "middle_name", hint="Если есть"),
        forms.input_field(state, PassportInput, "birth_date", type="date"),
        forms.input_field(state, PassportInput, "birth_place"),
        rx.grid(
            forms.input_field(
                state,
                PassportInput,
                "series",
                input_mode="numeric",
                max_length=5,
                placeholder="4512",
            ),
            forms.input_field(
                state,
                PassportInput,
                "number",
                input_mode="numeric",
                max_length=7,
                placeholder="123456",
            ),
            columns="2",
            spacing="3",
            width="100%",
        ),
        forms.input_field(state, PassportInput, "issue_date", type="date"),
        forms.input_field(state, PassportInput, "issued_by"),
        forms.input_field(
            state,
            PassportInput,
            "division_code",
            input_mode="numeric",
            placeholder="770-001",
            max_length=7,
        ),
        id="passport-form",
    )


def page() -> rx.Component:
    state = PassportState
    return wizard_page(
        "2",
        rx.cond(
            state.editing,
            rx.fragment(_scanner(), _form()),
            rx.cond(state.has_passport, _card()),
        ),
        forms.notice(~state.has_passport & ~state.editing, "Паспорт ещё не внесён", icon="info"),
        forms.form_error(state.form_error),
        forms.stale_reload(state),
        forms.warnings_list(state.warnings),
        rx.hstack(
            rx.link(rx.button("Назад", variant="soft", size="3"), href=state.step_hrefs["1"]),
            rx.cond(
                state.editing,
                rx.hstack(
                    rx.cond(
                        state.has_passport,
                        rx.button(
                            "Отмена", variant="ghost", size="3", on_click=state.cancel_editing
                        ),
                    ),
                    rx.button(
                        "Сохранить паспорт",
                        on_click=state.save,
                        loading=state.saving,
                        size="3",
                        id="save-passport",
                    ),
                    spacing="2",
                ),
                rx.link(
                    rx.button("Далее", size="3", id="passport-next", disabled=~state.has_passport),
                    href=state.step_hrefs["3"],
                ),
            ),
            justify="between",
            width="100%",
        ),
    )
