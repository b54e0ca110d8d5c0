"""Step 3 «Устройства»: the client's devices with photos; the client app's devices to import.

Photos: the browser uploads the originals (with progress); the upload handler only parks them
in private storage and hands over to a background event that checks and normalises each one
(Pillow, off the event loop), so a slow batch never holds the session's lock.
"""

from __future__ import annotations

from typing import ClassVar, TypedDict

import reflex as rx

from privet_manager_app.domain.clients.open_step import Step, StepView
from privet_manager_app.domain.common.errors import DomainError
from privet_manager_app.domain.inputs import DeviceInput, DevicePatch
from privet_manager_app.domain.views import DeviceView
from privet_manager_app.domain.wizard import devices, photos
from privet_manager_app.edge.uploads import upload_rule
from privet_manager_app.ui import routes
from privet_manager_app.ui.components import forms, layout
from privet_manager_app.ui.components.dialogs import dialog_form
from privet_manager_app.ui.pages.wizard import WizardState, wizard_page
from privet_manager_app.ui.state import guard, run_domain

UPLOAD_ID = "device-photos"
DEVICE_FIELDS = DeviceInput.fields()
ACCEPT = {"image/jpeg": [".jpg", ".jpeg"], "image/png": [".png"], "image/webp": [".webp"]}


class PhotoRow(TypedDict):
    id: int
    thumb: str
    url: str


class DeviceRow(TypedDict):
    id: int
    title: str
    details: str
    notes: str
    photo_count: int
    photos: list[PhotoRow]


class LegacyRow(TypedDict):
    id: int
    title: str


def _device_row(view: DeviceView) -> DeviceRow:
    details = [
        view.serial_number and f"S/N {view.serial_number}",
        view.purchase_year and f"{view.purchase_year} г.",
        view.condition and devices.CONDITIONS.get(view.condition, view.condition),
    ]
    return DeviceRow(
        id=view.id,
        title=devices.device_title(view),
        details=" · ".join(str(part) for part in details if part),
        notes=view.notes or "",
        photo_count=len(view.photos),
        photos=[
            PhotoRow(id=photo.id, thumb=photo.thumb_url, url=photo.url) for photo in view.photos
        ],
    )


class DevicesState(forms.FormMixin, WizardState):
    STEP: ClassVar[Step] = Step.DEVICES

    devices: list[DeviceRow] = []
    legacy: list[LegacyRow] = []
    next_blocked: str = ""
    dialog_open: bool = False
    editing_id: int = 0
    upload_progress: int = 0
    uploading: bool = False
    processing_text: str = ""
    upload_errors: list[str] = []
    next_error: str = ""

    @rx.var
    def editing_photos(self) -> list[PhotoRow]:
        for device in self.devices:
            if device["id"] == self.editing_id:
                return device["photos"]
        return []

    def _show_step(self, view: StepView) -> None:
        self.devices = [_device_row(device) for device in view.devices]
        self.legacy = [
            LegacyRow(
                id=item.id,
                title=" ".join(
                    part for part in (item.category_label, item.brand, item.model) if part
                ),
            )
            for item in view.legacy_devices
        ]
        self.next_blocked = view.next_blocked or ""

    @rx.event
    @guard(error="page_error")
    async def open_page(self, actor):
        # A reconnect re-runs on_load, perhaps on a fresh state: the open dialog comes back
        # open, on the same device, with what is typed in it (forms.FormMixin.draft).
        draft = self._typed_draft(actor, self._route_client_id())
        self.dialog_open = False
        self.next_error = ""
        if await self._reload(actor) is None or draft is None or not self.can_edit:
            return
        device_id = draft.get("editing_id")
        self.editing_id = device_id if isinstance(device_id, int) else 0
        self._apply_draft(draft)
        self.dialog_open = True

    def _draft_extra(self) -> dict:
        return {"editing_id": self.editing_id}

    @rx.event
    def open_new(self):
        self.editing_id = 0
        self.form = dict.fromkeys(DEVICE_FIELDS, "") | {"category": "smartphone"}
        self.errors = {}
        self.form_error = ""
        self.upload_errors = []
        self.dialog_open = True
        self._remember_typing()

    @rx.event
    @guard(error="page_error")
    async def open_edit(self, actor, device_id: int):
        view = await self._reload(actor)
        device = (
            next((item for item in view.devices if item.id == device_id), None) if view else None
        )
        if device is None:
            self.page_error = "Устройство не найдено — обновите страницу"
            return
        self.editing_id = device_id
        self.form = {
            name: "" if getattr(device, name) is None else str(getattr(device, name))
            for name in DEVICE_FIELDS
        }
        self.errors = {}
        self.form_error = ""
        self.upload_errors = []
        self.dialog_open = True
        self._remember_typing()

    @rx.event
    def close_dialog(self):
        self.dialog_open = False
        self._forget_typing()

    @rx.event
    def set_dialog_open(self, value: bool):
        self.dialog_open = value
        if not value:
            self._forget_typing()

    @rx.event
    @guard(error="form_error", busy="saving")
    async def save_device(self, actor):
        if self.editing_id:
            saved = await run_domain(
                devices.update_device,
                actor,
                self.cid,
                self.editing_id,
                DevicePatch.from_form(self.form),
                version=self.version,
            )
        else:
            saved = await run_domain(
                devices.add_device,
                actor,
                self.cid,
                DeviceInput.from_form(self.form),
                version=self.version,
            )
        self.editing_id = saved.id
        await self._reload(actor)
        self._remember_typing()  # saved; the dialog stays open on it (its photos come next)

    @rx.event
    @guard(error="page_error")
    async def delete_device(self, actor, device_id: int):
        await run_domain(devices.delete_device, actor, self.cid, device_id, version=self.version)
        self.dialog_open = False
        self._forget_typing()
        await self._reload(actor)

    @rx.event
    @guard(error="page_error")
    async def import_legacy(self, actor, legacy_id: int):
        saved = await run_domain(
            devices.import_legacy_device, actor, self.cid, legacy_id, version=self.version
        )
        await self._reload(actor)
        # A photo is still needed: open the imported device right away.
        return DevicesState.open_edit(saved.id)

    @rx.event
    def upload_progressed(self, progress: dict):
        self.uploading = True
        self.upload_progress = round(float(progress.get("progress", 0)) * 100)

    @rx.event
    @upload_rule(max_files=photos.MAX_PHOTOS_PER_DEVICE)  # each ≤ MAX_PHOTO_BYTES
    @guard(error="page_error")
    async def handle_upload(self, actor, files: list[rx.UploadFile]):
        """Park the originals (quick), then let a background event process them."""
        limit = photos.max_photo_bytes()
        keys, self.upload_errors = [], []
        for file in files:
            name = file.name or "фото"
            # One byte past the limit is enough for the domain to refuse the file as too large.
            data = await file.read(limit + 1)
            try:
                keys.append(
                    await run_domain(
                        photos.park_upload, actor, self.cid, self.editing_id, data, name
                    )
                )
            except DomainError as error:
                self.upload_errors.append(f"{name}: {error.message}")
        self.uploading = False
        self.upload_progress = 0
        if keys:
            self.processing_text = f"Обрабатываем фото: 0 из {len(keys)}"
            return DevicesState.process_uploads(self.editing_id, keys)
        return None

    @rx.event(background=True)
    async def process_uploads(self, device_id: int, keys: list[str]):
        # A background event holds no lock between its steps, so the guard's shape is spelled
        # out here: each photo is one domain call, its refusal is shown next to the others.
        async with self:
            actor = await self.actor()
        if actor is None:
            return
        for done, key in enumerate(keys, start=1):
            try:
                await run_domain(photos.attach_photo, actor, self.cid, device_id, key)
            except DomainError as error:
                async with self:
                    self.upload_errors = [*self.upload_errors, error.message]
            async with self:
                self.processing_text = (
                    f"Обрабатываем фото: {done} из {len(keys)}" if done < len(keys) else ""
                )
        async with self:
            await self._reload(actor)

    @rx.event
    @guard(error="page_error")
    async def delete_photo(self, actor, photo_id: int):
        try:
            await run_domain(photos.delete_photo, actor, self.cid, self.editing_id, photo_id)
        except DomainError as error:
            self.upload_errors = [error.message]
            return
        await self._reload(actor)

    @rx.event
    def go_next(self):
        """The domain said what still blocks step 4 when the page was last loaded."""
        if self.next_blocked:
            self.next_error = self.next_blocked
            return None
        self.next_error = ""
        return rx.redirect(routes.client_step(self.cid, 4))


def _photo_strip(items, deletable: bool) -> rx.Component:
    return rx.flex(
        rx.foreach(
            items,
            lambda photo: rx.box(
                rx.link(
                    rx.image(
                        src=photo["thumb"],
                        width="72px",
                        height="72px",
                        object_fit="cover",
                        border_radius="8px",
                        alt="Фото устройства",
                    ),
                    href=photo["url"],
                    is_external=True,
                ),
                rx.cond(
                    deletable,
                    rx.icon_button(
                        rx.icon("x", size=12),
                        size="1",
                        color_scheme="red",
                        variant="solid",
                        radius="full",
                        position="absolute",
                        top="-6px",
                        right="-6px",
                        on_click=DevicesState.delete_photo(photo["id"]),
                        aria_label="Удалить фото",
                    ),
                ),
                position="relative",
                class_name="device-photo",
            ),
        ),
        wrap="wrap",
        gap="8px",
    )


def _device_card(device: DeviceRow) -> rx.Component:
    return rx.card(
        rx.vstack(
            layout.spread(
                rx.text(device["title"], weight="bold", size="3"),
                end=rx.cond(
                    DevicesState.can_edit,
                    rx.button(
                        rx.icon("pencil", size=14),
                        "Изменить",
                        size="1",
                        variant="soft",
                        on_click=DevicesState.open_edit(device["id"]),
                    ),
                ),
                align="center",
            ),
            rx.cond(
                device["details"] != "",
                forms.muted(device["details"], size="2", shade=11),
            ),
            rx.cond(
                device["notes"] != "",
                forms.muted(device["notes"], size="2"),
            ),
            rx.cond(
                device["photo_count"] == 0,
                rx.badge("Нет фото", color_scheme="red", variant="soft"),
                _photo_strip(device["photos"], False),
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        class_name="device-card",
    )


def _dialog() -> rx.Component:
    state = DevicesState
    category_options = [(option.value, option.label) for option in devices.category_options()]
    condition_options = [(option.value, option.label) for option in devices.condition_options()]

    def label(name: str) -> str:
        return DeviceInput.label(name)

    return dialog_form(
        rx.cond(state.editing_id, "Устройство", "Новое устройство"),
        forms.select_field(state, "category", label("category"), category_options),
        rx.grid(
            forms.input_field(state, DeviceInput, "brand", placeholder="Samsung"),
            forms.input_field(state, DeviceInput, "model", placeholder="Galaxy S23"),
            columns="2",
            spacing="3",
            width="100%",
        ),
        forms.input_field(state, DeviceInput, "serial_number", hint="Если есть"),
        rx.grid(
            forms.input_field(
                state, DeviceInput, "purchase_year", input_mode="numeric", max_length=4
            ),
            forms.select_field(state, "condition", label("condition"), condition_options),
            columns="2",
            spacing="3",
            width="100%",
        ),
        forms.input_field(state, DeviceInput, "notes"),
        open=state.dialog_open,
        on_open_change=state.set_dialog_open,
        submit_label=rx.cond(state.editing_id, "Сохранить изменения", "Сохранить устройство"),
        on_submit=state.save_device,
        loading=state.saving,
        submit_id="save-device",
        error=state.form_error,
        # The photos belong to a saved device.
        after=(
            rx.cond(
                state.editing_id,
                rx.vstack(
                    rx.divider(),
                    rx.text("Фото", weight="bold"),
                    _photo_strip(state.editing_photos, True),
                    rx.upload(
                        rx.vstack(
                            rx.icon("camera", size=28, color=rx.color("accent", 10)),
                            rx.text("Снять или выбрать фото", size="2", weight="medium"),
                            forms.muted(
                                "JPEG, PNG, WebP · до 20 МБ",
                            ),
                            align="center",
                            spacing="1",
                        ),
                        id=UPLOAD_ID,
                        accept=ACCEPT,
                        multiple=True,
                        max_size=photos.max_photo_bytes(),
                        on_drop=[
                            state.handle_upload(
                                rx.upload_files(
                                    upload_id=UPLOAD_ID,
                                    on_upload_progress=state.upload_progressed,
                                )
                            ),
                            # In the browser, right away (the files are in the event): sent by
                            # the server it would be a script to eval, which the CSP forbids.
                            rx.clear_selected_files(UPLOAD_ID),
                        ],
                        border=f"2px dashed {rx.color('accent', 7)}",
                        border_radius="12px",
                        padding="16px",
                        width="100%",
                        cursor="pointer",
                    ),
                    rx.cond(
                        state.uploading,
                        rx.progress(
                            value=state.upload_progress, width="100%", id="upload-progress"
                        ),
                    ),
                    rx.cond(
                        state.processing_text,
                        rx.hstack(
                            rx.spinner(size="1"),
                            rx.text(state.processing_text, size="2"),
                            id="processing-text",
                        ),
                    ),
                    forms.warnings_list(state.upload_errors),
                    layout.spread(
                        rx.button(
                            rx.icon("trash_2", size=14),
                            "Удалить устройство",
                            color_scheme="red",
                            variant="ghost",
                            on_click=state.delete_device(state.editing_id),
                        ),
                        end=rx.button(
                            "Готово",
                            on_click=state.close_dialog,
                            variant="soft",
                            id="close-device",
                        ),
                    ),
                    spacing="2",
                    width="100%",
                ),
            ),
        ),
        max_width="480px",
    )


def page() -> rx.Component:
    state = DevicesState
    return wizard_page(
        "3",
        rx.foreach(state.devices, _device_card),
        forms.notice(state.devices.length() == 0, "Устройств пока нет", icon="info"),
        rx.cond(
            state.can_edit,
            forms.action_button(
                rx.icon("plus", size=16),
                "Добавить устройство",
                on_click=state.open_new,
                variant="soft",
                id="add-device",
            ),
        ),
        rx.cond(
            state.legacy.length() > 0,
            rx.card(
                rx.vstack(
                    rx.text("Из приложения «Привет Супер»", weight="bold", size="2"),
                    rx.foreach(
                        state.legacy,
                        lambda item: layout.spread(
                            rx.text(item["title"], size="2"),
                            end=rx.button(
                                "Добавить",
                                size="1",
                                variant="outline",
                                on_click=state.import_legacy(item["id"]),
                                class_name="import-legacy",
                            ),
                            align="center",
                        ),
                    ),
                    spacing="2",
                    width="100%",
                ),
                width="100%",
            ),
        ),
        _dialog(),
        forms.form_error(state.next_error),
        rx.hstack(
            rx.link(rx.button("Назад", variant="soft", size="3"), href=state.step_hrefs["2"]),
            rx.button("Далее", size="3", on_click=state.go_next, id="devices-next"),
            justify="between",
            width="100%",
        ),
    )
