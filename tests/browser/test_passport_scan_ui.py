"""Step 2 on a phone: «Сканировать паспорт» reads the photo, shows what was read with the
uncertain field marked, and fills the form only when the manager accepts it."""

from __future__ import annotations

import pytest

from tests.conftest import ARTIFACTS, ui_login, use_database
from tests.support import factories, passport_samples
from tests.support.images import jpeg_bytes, photo_like

pytestmark = pytest.mark.browser

REPORTS = ARTIFACTS.parent.parent / "reports"  # /work/wt/reports when run from a worktree
NOT_FOUND = "Не удалось прочитать нижние строки паспорта — сфотографируйте ближе и без бликов"


def _shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    if REPORTS.is_dir():
        page.screenshot(path=str(REPORTS / f"{name}.png"), full_page=True)


def test_менеджер_сканирует_паспорт_проверяет_прочитанное_и_заполняет_форму(
    live_server, phone, tmp_path
):
    use_database(live_server.env["DATABASE_URL"])
    manager = factories.demo_manager()
    client_id = factories.claimed_client(
        manager, name="Сканируемый Клиент", phone="+7 916 321-00-11"
    ).id
    # A passport whose birth-date check digit is misprinted: that field must be flagged.
    good = passport_samples.sample(2)
    check = good.lines[1][19]
    sample = passport_samples.sample(2, misprint={19: str((int(check) + 3) % 10)})
    expected = sample.person.expected_fields()  # what the zone holds (Ё is written as Е)
    passport_photo = tmp_path / "passport.jpg"
    passport_photo.write_bytes(sample.image)
    device_photo = tmp_path / "tv.jpg"
    device_photo.write_bytes(jpeg_bytes(image=photo_like(1600, 1200), gps=False))

    ui_login(phone)
    phone.goto(f"/clients/{client_id}/step/2")
    phone.wait_for_selector("#passport-form")
    assert phone.get_by_text("Сканировать паспорт").is_visible()

    # Not a passport: a clear message, the form untouched.
    phone.set_input_files("input[type=file]", str(device_photo))
    phone.wait_for_selector("#scan-error", timeout=30_000)
    assert NOT_FOUND in phone.inner_text("#scan-error")
    assert phone.input_value("#field-last_name") == ""

    phone.set_input_files("input[type=file]", str(passport_photo))
    phone.wait_for_selector("#scan-preview", timeout=30_000)
    preview = phone.inner_text("#scan-preview")
    assert expected["last_name"] in preview
    assert expected["number"] in preview
    year, month, day = expected["birth_date"].split("-")
    assert f"{day}.{month}.{year}" in preview
    assert phone.locator(".scan-uncertain").count() == 1
    assert "проверьте" in phone.inner_text("#scan-row-birth_date")
    assert phone.locator("#scan-error").count() == 0
    # Nothing is in the form before the manager accepts what was read.
    assert phone.input_value("#field-last_name") == ""
    assert phone.input_value("#field-number") == ""
    phone.locator("#scan-preview").scroll_into_view_if_needed()
    phone.screenshot(path=str(ARTIFACTS / "live-scan-preview.png"))
    if REPORTS.is_dir():
        phone.screenshot(path=str(REPORTS / "live-scan-preview.png"))

    phone.click("#scan-accept")
    phone.wait_for_selector("#scan-filled")
    for name in ("last_name", "first_name", "series", "number", "birth_date", "issue_date"):
        assert phone.input_value(f"#field-{name}") == expected[name], name
    assert phone.input_value("#field-division_code") == expected["division_code"]
    assert "Проверьте" in phone.inner_text("#passport-form")
    _shot(phone, "live-scan-filled")

    # The manager adds what the zone does not hold and saves as always.
    phone.fill("#field-birth_place", "гор. Москва")
    phone.fill("#field-issued_by", "ГУ МВД России по г. Москве")
    phone.click("#save-passport")
    # Saved: on to step 3, or the saved card with a notice (e.g. the passport is due).
    phone.wait_for_function(
        "() => location.pathname.endsWith('/step/3') || !!document.querySelector('#passport-card')"
    )
