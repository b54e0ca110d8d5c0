"""Admin pages, the client card and the CSV export in headless Chromium on a phone-sized screen."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from privet_manager_app.domain.wizard import passport_vault
from tests.conftest import ARTIFACTS, ui_login

pytestmark = pytest.mark.browser

ADMIN = "admin@example.com"
NEW_MANAGER = "olga.smirnova@example.com"


def _sql(live_server, statement: str, **params):
    engine = sa.create_engine(live_server.env["DATABASE_URL"])
    try:
        with engine.begin() as connection:
            result = connection.execute(sa.text(statement), params)
            return result.all() if result.returns_rows else None
    finally:
        engine.dispose()


def _client_with_passport(live_server) -> int:
    """A demo client in work, given a passport the way step 2 would store it."""
    [(client_id, user_id)] = _sql(
        live_server,
        "SELECT id, user_id FROM manager_clients WHERE status = 'in_progress' ORDER BY id LIMIT 1",
    )
    # Encrypted as the app stores it (the live server reads the same dev keys, data/keys).
    sealed = passport_vault.sealed_columns(
        user_id,
        {
            "series": "6512",
            "number": "483920",
            "issue_date": dt.date(2015, 6, 1),
            "issued_by": "ОУФМС России по Свердловской обл.",
            "division_code": "660-001",
        },
    )
    _sql(
        live_server,
        "INSERT INTO users_passports (user_id, last_name, first_name, middle_name, birth_date, "
        f"birth_place, {', '.join(sealed)}, created_at, updated_at) VALUES (:user_id, "
        "'Смирнова', 'Юлия', 'Андреевна', '1990-05-17', 'г. Екатеринбург', "
        f"{', '.join(':' + name for name in sealed)}, now(), now()) "
        "ON CONFLICT (user_id) DO NOTHING",
        user_id=user_id,
        **sealed,
    )
    return client_id


def test_администратор_создаёт_менеджера_и_отключает_его(phone, live_server):
    ui_login(phone, ADMIN)
    phone.click("#account-menu")
    phone.click("#menu-admin-managers")
    phone.wait_for_url("**/admin/managers")
    phone.wait_for_selector(".manager-card")
    assert ADMIN in phone.inner_text("body")
    phone.screenshot(path=str(ARTIFACTS / "admin-01-managers.png"), full_page=True)

    phone.click("#add-manager")
    phone.fill("#field-name", "Ольга Смирнова")
    phone.fill("#field-email", NEW_MANAGER)
    phone.click("#field-password-generate")
    phone.wait_for_function("() => document.querySelector('#field-password').value.length === 12")
    password = phone.input_value("#field-password")
    phone.wait_for_timeout(300)
    phone.screenshot(path=str(ARTIFACTS / "admin-02-new-manager.png"))
    phone.click("#create-manager-submit")
    phone.wait_for_selector("#managers-message")
    card = phone.locator(".manager-card", has_text=NEW_MANAGER)
    assert "Активен" in card.inner_text()

    login = httpx.post(
        f"{live_server.url}/api/manager/auth/login",
        json={"email": NEW_MANAGER, "password": password},
    )
    assert login.status_code == 200

    card.locator("[id^=manager-actions-]").click()
    phone.click("#action-deactivate")
    phone.wait_for_selector("#confirm-deactivate")
    phone.wait_for_timeout(300)  # the dialog's fade-in, for a readable screenshot
    phone.screenshot(path=str(ARTIFACTS / "admin-03-confirm-deactivate.png"))
    phone.click("#confirm-deactivate")
    phone.wait_for_function(
        "email => [...document.querySelectorAll('.manager-card')].some("
        "c => c.innerText.includes(email) && c.innerText.includes('Отключён'))",
        arg=NEW_MANAGER,
    )
    assert "сессии завершены" in phone.inner_text("#managers-message")
    phone.screenshot(path=str(ARTIFACTS / "admin-04-deactivated.png"), full_page=True)

    token = login.json()["access_token"]
    me = httpx.get(
        f"{live_server.url}/api/manager/auth/me", headers={"Authorization": f"Bearer {token}"}
    )
    assert me.status_code == 401
    again = httpx.post(
        f"{live_server.url}/api/manager/auth/login",
        json={"email": NEW_MANAGER, "password": password},
    )
    assert again.json()["code"] == "account_disabled"


def test_администратор_видит_дашборд_с_графиками(phone):
    ui_login(phone, ADMIN)
    phone.click("#account-menu")
    phone.click("#menu-admin-dashboard")
    phone.wait_for_url("**/admin/dashboard")
    phone.wait_for_selector("#chart-funnel .recharts-bar-rectangle")
    assert int(phone.inner_text("#kpi-total")) >= 64
    assert phone.locator(".dashboard-chart").count() == 3
    assert (
        phone.locator("#chart-per-day .recharts-xAxis .recharts-cartesian-axis-tick").count() >= 4
    )
    assert phone.locator("#chart-managers .recharts-bar-rectangle").count() >= 1
    funnel = phone.inner_text("#chart-funnel")
    assert "Новый" in funnel
    assert "Обработан" in funnel
    assert "Просмотры паспортов" in phone.inner_text("#passport-views")  # a list, not a chart
    phone.screenshot(path=str(ARTIFACTS / "admin-05-dashboard.png"), full_page=True)


def test_менеджер_на_админских_страницах_видит_отказ_без_данных(phone):
    ui_login(phone)
    phone.click("#account-menu")
    assert phone.locator("#menu-admin-managers").count() == 0
    phone.keyboard.press("Escape")
    phone.goto("/admin/managers")
    phone.wait_for_selector("#admin-refused")
    assert "только администратору" in phone.inner_text("#admin-refused")
    assert phone.locator(".manager-card").count() == 0
    assert ADMIN not in phone.content()
    phone.screenshot(path=str(ARTIFACTS / "admin-06-manager-refused.png"))
    phone.goto("/admin/dashboard")
    phone.wait_for_selector("#admin-refused")
    assert phone.locator(".dashboard-chart").count() == 0


def test_карточка_показывает_паспорт_только_по_кнопке_и_ведёт_журнал(phone, live_server):
    client_id = _client_with_passport(live_server)
    ui_login(phone, ADMIN)
    phone.goto(f"/clients/{client_id}/card")
    phone.wait_for_selector("#card-passport")
    masked = phone.inner_text("#passport-number")
    assert masked == "65** ****20"
    assert "483920" not in phone.content()
    phone.screenshot(path=str(ARTIFACTS / "admin-07-card.png"), full_page=True)

    phone.click("#reveal-passport")
    phone.wait_for_function(
        "() => document.querySelector('#passport-number').innerText === '6512 483920'"
    )
    assert phone.locator("#reveal-note").is_visible()
    phone.click("#tab-audit")
    phone.wait_for_selector(".audit-entry")
    assert "Посмотрел полный номер паспорта" in phone.inner_text(".audit-entry >> nth=0")
    assert "Администратор" in phone.inner_text(".audit-entry >> nth=0")

    phone.click("#tab-log")
    phone.fill("#note-body", "Клиент просил звонить после 18:00")
    phone.click("#add-note")
    phone.wait_for_selector(".log-entry:has-text('после 18:00')")
    phone.screenshot(path=str(ARTIFACTS / "admin-08-card-revealed.png"), full_page=True)
    [(count,)] = _sql(
        live_server,
        "SELECT count(*) FROM manager_audit_log WHERE action = 'passport_revealed' "
        "AND client_id = :client_id",
        client_id=client_id,
    )
    assert count == 1


def test_менеджер_видит_число_строк_и_скачивает_список_потоком(phone):
    ui_login(phone)
    phone.goto("/clients?tab=in_work")
    phone.wait_for_selector(".client-card")
    phone.click("#export-csv")
    summary = phone.wait_for_selector("#export-summary")
    phone.wait_for_function(
        "document.querySelector('#export-summary').textContent.includes('В файле будет')"
    )
    phone.screenshot(path=str(ARTIFACTS / "export-dialog.png"))
    text = summary.text_content()
    rows = int(re.search(r"будет ([\d\u00a0 ]+) строк", text).group(1).replace("\u00a0", ""))
    assert "вкладка «В работе»" in text
    # The browser follows the link and saves the file as it arrives (no data: URL in the page).
    with phone.expect_download() as download_info:
        phone.click("#export-download")
    download = download_info.value
    assert download.suggested_filename.startswith("clients-v-rabote-")
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("№ карточки;Клиент;Телефон")
    assert len(lines) - 1 == rows >= phone.locator(".client-card").count() >= 1
