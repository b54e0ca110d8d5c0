"""The sealed copy in headless Chromium on a phone: the manager downloads it from the final
screen and from the card, and the public /verify page accepts it — and refuses it with one byte
changed."""

from __future__ import annotations

import hashlib

import pytest

from privet_manager_app.ui import routes
from tests.conftest import ARTIFACTS, ui_login
from tests.support import factories

pytestmark = pytest.mark.browser


def _download(page, button: str, path) -> bytes:
    with page.expect_download(timeout=30_000) as info:
        page.click(button)
    download = info.value
    assert download.suggested_filename.endswith("заверенная-копия.pdf")
    download.save_as(path)
    return path.read_bytes()


def _verify(page, path) -> str:
    page.goto(routes.VERIFY)
    page.wait_for_selector("input[type=file]", state="attached")
    page.set_input_files("input[type=file]", str(path))
    page.wait_for_selector("#verify-result")
    return page.inner_text("#verify-result")


def test_заверенная_копия_скачивается_с_финала_и_карточки_и_проходит_проверку(
    live_db, phone, tmp_path
):
    client = factories.signed_client(factories.demo_manager())
    ui_login(phone)

    phone.goto(routes.client_step(client.id, "success"))
    phone.wait_for_selector("#final-signed-copy")
    from_final = _download(phone, "#final-signed-copy", tmp_path / "final.pdf")
    assert from_final.startswith(b"%PDF")

    phone.goto(routes.client_card(client.id))
    phone.wait_for_selector("#card-signed-copy")
    phone.locator("#card-signed-copy").scroll_into_view_if_needed()
    phone.screenshot(path=str(ARTIFACTS / "card-signed-copy.png"))
    from_card = _download(phone, "#card-signed-copy", tmp_path / "card.pdf")
    # Nothing new went to the client's chat in between: the same edition, the same file.
    assert hashlib.sha256(from_card).digest() == hashlib.sha256(from_final).digest()

    answer = _verify(phone, tmp_path / "card.pdf")
    assert "подпись организации действительна, документ не изменён после подписания" in answer
    phone.screenshot(path=str(ARTIFACTS / "verify-sealed-copy.png"))

    changed = bytearray(from_card)
    changed[len(changed) // 3] ^= 0x01
    (tmp_path / "changed.pdf").write_bytes(bytes(changed))
    assert "не подлинная копия" in _verify(phone, tmp_path / "changed.pdf")
