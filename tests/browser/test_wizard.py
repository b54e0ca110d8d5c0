"""The wizard in headless Chromium on a phone-sized screen: steps 1–3 for a new client, and
step 4 to the end for three clients (nothing to pay, paid on the spot, invoiced then paid)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import select

from privet_manager_app.infra.db import transaction
from privet_manager_app.schema.client_app import ClientUser
from privet_manager_app.schema.tables import ManagerClient, ManagerDevicePhoto
from tests.conftest import ARTIFACTS, add_tv_with_photo, ui_login
from tests.support import factories
from tests.support.images import jpeg_bytes

pytestmark = pytest.mark.browser


def _new_client(name: str, phone: str) -> int:
    from privet_manager_app.domain.clients.sync import backfill_manager_clients

    with transaction() as session:
        user = ClientUser(name=name, phone=phone)
        session.add(user)
        session.flush()
        backfill_manager_clients(session)
        return session.exec(select(ManagerClient.id).where(ManagerClient.user_id == user.id)).one()


def _shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _fill(page, values: dict[str, str]) -> None:
    for name, value in values.items():
        page.fill(f"#field-{name}", value)


def test_менеджер_берёт_клиента_и_проходит_шаги_1_3_с_фото_и_возвратами(live_db, phone, tmp_path):
    client_id = _new_client("пётр сидоров", "8 (903) 111-22-33")
    ui_login(phone)
    phone.goto(f"/clients/{client_id}/step/1")
    phone.wait_for_selector("#field-name")
    phone.wait_for_function("() => document.querySelector('#field-name')?.value === 'пётр сидоров'")
    assert "В работе" in phone.inner_text("body")  # opening a new client claims it

    _fill(phone, {"name": "Пётр Сидоров", "phone": "+7 903 111 22 33", "email": "petr@example.ru"})
    phone.fill(
        "#field-registration_address", "Московская обл., г. Химки, ул. Мира, д 5 к2 кв 17, 141400"
    )
    phone.click("#field-email")  # leaving the line parses it into fields
    phone.wait_for_function("() => document.querySelector('#field-apartment')?.value === '17'")
    assert phone.input_value("#field-postcode") == "141400"
    assert phone.input_value("#field-building") == "2"
    _shot(phone, "wizard-01-profile")
    phone.click("#save-profile")
    phone.wait_for_url(f"**/clients/{client_id}/step/2")

    phone.wait_for_selector("#field-last_name")
    _fill(
        phone,
        {
            "last_name": "Сидоров",
            "first_name": "Пётр",
            "middle_name": "Ильич",
            "birth_place": "г. Химки",
            "series": "46 12",
            "number": "654321",
            "issued_by": "ГУ МВД России по Московской обл.",
            "division_code": "500001",
            "birth_date": "1990-05-20",
            "issue_date": "2010-06-01",
        },
    )
    _shot(phone, "wizard-02-passport-form")
    phone.click("#save-passport")
    phone.wait_for_url(f"**/clients/{client_id}/step/3")

    # Back to step 2 and 1: everything saved is there; forward again.
    phone.click("#step-link-2")
    phone.wait_for_selector("#passport-card")
    assert "Сидоров Пётр Ильич" in phone.inner_text("#passport-card")
    assert "46** ****21" in phone.inner_text("#passport-card")
    _shot(phone, "wizard-02-passport-card")
    phone.click("#step-link-1")
    phone.wait_for_function("() => document.querySelector('#field-name')?.value === 'Пётр Сидоров'")
    assert phone.input_value("#field-phone") == "+7 903 111-22-33"
    assert phone.input_value("#field-city") != ""
    phone.click("#step-link-3")
    phone.wait_for_selector("#add-device")

    # A device with a phone photo: rotated by EXIF, carrying GPS.
    photo = tmp_path / "IMG_0001.jpg"
    photo.write_bytes(jpeg_bytes(2400, 1600, orientation=6, gps=True))
    phone.click("#devices-next")
    phone.wait_for_selector("#form-error")
    assert "хотя бы одно устройство" in phone.inner_text("#form-error")
    add_tv_with_photo(phone, photo)
    _shot(phone, "wizard-03-device-dialog")
    phone.click("#close-device")
    phone.wait_for_selector(".device-card")
    assert "Телевизор LG OLED55C3" in phone.inner_text(".device-card")
    _shot(phone, "wizard-03-devices")

    with transaction() as session:
        stored = session.exec(select(ManagerDevicePhoto)).all()
        record = next(row for row in stored if row.width == 1067 or row.height == 1200)
    storage_dir = Path(live_db.env["STORAGE_DIR"])
    image = Image.open(io.BytesIO((storage_dir / record.file_key).read_bytes()))
    assert (image.width, image.height) == (800, 1200)  # upright (portrait) and ≤ 1200 px
    assert not image.getexif()  # no GPS, no orientation, no metadata at all
    assert "exif" not in image.info

    phone.click("#devices-next")
    phone.wait_for_url(f"**/clients/{client_id}/step/4")
    phone.goto("/clients?tab=mine")
    phone.wait_for_selector(".client-card")
    assert "г. Химки" in phone.inner_text("body")


def _generate_on_step_4(page, client, tariff_name: str) -> None:
    page.goto(f"/clients/{client.id}/step/4")
    page.wait_for_selector(".tariff-option")
    page.locator(".tariff-option", has_text=tariff_name).click()
    page.wait_for_selector("#preview-total")
    page.click("#apply-tariff")
    page.wait_for_selector("#applied-tariff")
    page.click("#generate-contract")
    page.wait_for_selector("#signing-card", timeout=20_000)
    number = page.inner_text("#contract-number")
    assert re.search(r"ПМ-\d{4}-\d{6}", number)


def _page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def _sign_on_step_4(page, client, tariff_name: str, shot_prefix: str) -> None:
    _generate_on_step_4(page, client, tariff_name)
    _shot(page, f"{shot_prefix}-sign")
    page.click("#pep-consent")
    code = factories.last_code(client.user_id)
    wrong = "000000" if code != "000000" else "111111"
    page.fill("#otp-code", wrong)
    page.click("#sign-contract")
    page.wait_for_selector("#form-error")
    assert "Осталось попыток: 4" in page.inner_text("#attempts-left")
    page.fill("#otp-code", code)
    page.click("#sign-contract")
    page.wait_for_url(f"**/clients/{client.id}/step/success", timeout=20_000)
    page.wait_for_selector("#final-heading")


def test_три_клиента_до_конца_без_доплаты_оплата_на_месте_и_счёт(live_db, phone):
    manager = factories.demo_manager()
    free = factories.ready_client(manager, name="Ноль Доплаты", phone="+79031230001")
    on_spot = factories.ready_client(
        manager,
        (("smartphone", "Apple", "iPhone 15"), ("tablet", "Apple", "iPad Air")),
        name="Оплата Наместе",
        phone="+79031230002",
        number="223344",
    )
    later = factories.ready_client(
        manager,
        (("smartphone", "Xiaomi", "13T"), ("laptop", "Lenovo", "IdeaPad")),
        name="Счёт Позже",
        phone="+79031230003",
        number="334455",
    )
    ui_login(phone)

    _sign_on_step_4(phone, free, "Базовый", "final-free")
    assert "оплата не требуется" in phone.inner_text("#final-heading")
    assert phone.locator("#confirm-payment").count() == 0
    _shot(phone, "final-free")

    _sign_on_step_4(phone, on_spot, "Базовый", "final-paid")
    assert "Доплата" in phone.inner_text("#final-heading")
    phone.fill("#field-reference", "чек 42")
    phone.click("#confirm-payment")
    phone.wait_for_selector("#paid-text")
    assert "Оплачено" in phone.inner_text("#final-heading")
    _shot(phone, "final-paid")

    _sign_on_step_4(phone, later, "Базовый", "final-invoice")
    phone.click("#send-invoice")
    phone.wait_for_selector("#invoice-text")
    assert re.search(r"Счёт СЧ-\d{4}-\d{6}", phone.inner_text("#invoice-text"))
    assert "Ожидает оплаты" in phone.inner_text("body")
    _shot(phone, "final-invoice")
    phone.click("#send-invoice")  # a repeat is a throttled reminder, never a second invoice
    phone.wait_for_selector("#form-error")
    assert "Напомнить" in phone.inner_text("#form-error")
    assert re.search(r"Счёт СЧ-\d{4}-\d{6}", phone.inner_text("#invoice-text"))
    phone.click("#confirm-payment")
    phone.wait_for_selector("#paid-text")

    phone.goto("/clients?tab=processed")
    phone.wait_for_selector(".client-card")
    body = phone.inner_text("body")
    for name in ("Ноль Доплаты", "Оплата Наместе", "Счёт Позже"):
        assert name in body


def test_шаг_4_с_длинным_именем_и_статусом_помещается_в_экран_телефона(live_db, phone):
    manager = factories.demo_manager()
    client = factories.ready_client(
        manager,
        name="Константинопольский Александр",
        last_name="Константинопольский",
        first_name="Александр",
        middle_name="Вячеславович",
        phone="+79031230004",
        number="445566",
    )
    ui_login(phone)
    _generate_on_step_4(phone, client, "Базовый")
    # «Договор отправлен» beside a long surname: nothing may stick out of the 390 px screen.
    assert _page_width(phone) <= 390
    _shot(phone, "wizard-04-long-name-390")
    phone.goto(f"/clients/{client.id}/card")
    phone.wait_for_selector("#card-title")
    assert _page_width(phone) <= 390
