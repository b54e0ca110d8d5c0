"""/verify — public: is this PDF (or this number + SHA-256) a signed original contract, or an
intact sealed copy of one?

Anonymous: the answer is only validity, the number and the dates.
"""

from __future__ import annotations

import hashlib

import reflex as rx

from privet_manager_app.domain.common.errors import DomainError
from privet_manager_app.domain.wizard import verification
from privet_manager_app.edge.uploads import upload_rule
from privet_manager_app.settings import get_settings
from privet_manager_app.ui.components import forms, layout
from privet_manager_app.ui.state import run_domain

UPLOAD_ID = "verify-pdf"
MAX_PDF_BYTES = get_settings().MAX_VERIFY_PDF_BYTES
# The answer's callout: (result, icon, colour).
VERDICTS = (("valid", "badge_check", "green"), ("invalid", "circle_x", "red"))


class VerifyState(rx.State):
    number: str = ""
    sha256: str = ""
    result: str = ""  # "" | valid | invalid
    result_text: str = ""
    error: str = ""
    checking: bool = False

    @rx.event
    def open_page(self):
        self.number = self.router.url.query_parameters.get("number", "")[:20]
        self.result = ""
        self.error = ""

    @rx.event
    def set_number(self, value: str):
        self.number = value

    @rx.event
    def set_sha256(self, value: str):
        self.sha256 = value

    def _show(self, outcome) -> None:
        self.error = ""
        # The domain words the answer: an original, a sealed copy, or why a copy is refused.
        self.result = "valid" if outcome.valid else "invalid"
        self.result_text = outcome.message

    @rx.event
    async def check_number(self):
        self.checking = True
        yield
        try:
            self._show(await run_domain(verification.verify_number, self.number, self.sha256))
        except DomainError as error:
            self.result = ""
            self.error = error.message
        finally:
            self.checking = False

    @rx.event
    @upload_rule(max_files=1, max_file_bytes=MAX_PDF_BYTES, managers_only=False)  # public page
    async def check_file(self, files: list[rx.UploadFile]):
        if not files:
            return
        data = await files[0].read(MAX_PDF_BYTES + 1)
        if len(data) > MAX_PDF_BYTES:
            self.error = f"Файл больше {MAX_PDF_BYTES // (1024 * 1024)} МБ — это не договор"
            return
        self.sha256 = hashlib.sha256(data).hexdigest()
        try:
            self._show(await run_domain(verification.verify_pdf, data))
        except DomainError as error:
            self.error = error.message


def _field(label: str, value, on_change, field_id: str, **props) -> rx.Component:
    return forms.labelled(
        label, forms.wide_input(value=value, on_change=on_change, id=field_id, **props)
    )


def page() -> rx.Component:
    state = VerifyState
    return rx.box(
        rx.vstack(
            layout.brand(),
            rx.heading("Проверка договора", size="5"),
            forms.muted(
                "Загрузите PDF договора или его заверенную копию, или введите номер и SHA-256: "
                "проверим, что это подписанный оригинал или неизменённая заверенная копия.",
                size="2",
                shade=11,
            ),
            rx.upload(
                rx.vstack(
                    rx.icon("file_search", size=28, color=rx.color("accent", 10)),
                    rx.text("Выбрать PDF договора", weight="medium", size="2"),
                    align="center",
                ),
                id=UPLOAD_ID,
                accept={"application/pdf": [".pdf"]},
                multiple=False,
                max_files=1,
                on_drop=state.check_file(rx.upload_files(upload_id=UPLOAD_ID)),
                border=f"2px dashed {rx.color('accent', 7)}",
                border_radius="12px",
                padding="16px",
                width="100%",
                cursor="pointer",
            ),
            forms.muted("или", size="2", align="center", width="100%"),
            _field(
                "Номер договора",
                state.number,
                state.set_number,
                "verify-number",
                placeholder="ПМ-2026-000001",
            ),
            _field("SHA-256 файла", state.sha256, state.set_sha256, "verify-sha256"),
            forms.action_button(
                "Проверить",
                on_click=state.check_number,
                loading=state.checking,
                id="verify-submit",
            ),
            forms.form_error(state.error),
            *(
                forms.notice(
                    state.result == result,
                    state.result_text,
                    icon=icon,
                    color=color,
                    id="verify-result",
                )
                for result, icon, color in VERDICTS
            ),
            spacing="3",
            width="100%",
            max_width="480px",
            margin_x="auto",
            padding="16px",
            padding_top="calc(env(safe-area-inset-top) + 16px)",
        ),
        **layout.SCREEN,
    )
