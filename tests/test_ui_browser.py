"""The manager's first minutes, in headless Chromium on a phone-sized screen."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.conftest import ARTIFACTS, ui_login

pytestmark = pytest.mark.browser


def _demo_phone_digits(live_server) -> tuple[str, str]:
    """A demo client of «Новые» whose phone is stored in the old '8 (9xx) …' format."""
    engine = sa.create_engine(live_server.env["DATABASE_URL"])
    with engine.connect() as connection:
        name, phone = connection.execute(
            sa.text(
                "SELECT u.name, u.phone FROM users u JOIN manager_clients m ON m.user_id = u.id "
                "WHERE m.status = 'new' AND u.phone LIKE '8 (%' ORDER BY u.id LIMIT 1"
            )
        ).one()
    engine.dispose()
    return name, re.sub(r"\D", "", phone)[1:]  # typed without the trunk prefix


def test_аноним_со_страницы_клиентов_попадает_на_вход(phone):
    phone.goto("/clients?tab=mine")
    phone.wait_for_url("**/login**")
    assert phone.locator("#login-submit").is_visible()


def test_неверный_пароль_показывает_сообщение(phone):
    phone.goto("/login")
    phone.fill("#login-email", "manager@example.com")
    phone.fill("#login-password", "wrong-password")
    phone.click("#login-submit")
    phone.wait_for_selector("#login-error")
    assert "Неверный email или пароль" in phone.inner_text("#login-error")
    assert phone.input_value("#login-email") == "manager@example.com"


def test_менеджер_входит_видит_новых_ищет_по_телефону_переключает_вкладки_и_выходит(
    phone, live_server
):
    ui_login(phone)
    phone.wait_for_selector(".client-card")
    assert phone.locator(".client-card").count() == 20
    assert "Главный мастер" in phone.inner_text("#account-menu")
    assert phone.get_attribute("#tab-new", "aria-current") == "page"
    phone.screenshot(path=str(ARTIFACTS / "01-clients-new.png"))

    phone.click("#load-more")
    phone.wait_for_function("() => document.querySelectorAll('.client-card').length > 20")

    name, digits = _demo_phone_digits(live_server)
    phone.fill("#client-search", digits)
    phone.wait_for_function("n => document.querySelectorAll('.client-card').length === n", arg=1)
    assert name in phone.inner_text(".client-card")
    phone.screenshot(path=str(ARTIFACTS / "02-search-by-phone.png"))
    phone.fill("#client-search", "")

    phone.click("#tab-in_work")
    phone.wait_for_url("**tab=in_work")
    phone.wait_for_selector(".client-card")
    labels = ["В работе", "Договор отправлен", "Подписан", "Ожидает оплаты"]
    # The URL changes first; the list of the new tab arrives over the socket a moment later.
    phone.wait_for_function(
        "labels => labels.some(l => document.querySelector('.client-card')?.innerText.includes(l))",
        arg=labels,
    )
    phone.screenshot(path=str(ARTIFACTS / "03-in-work.png"))

    phone.click("#tab-processed")
    phone.wait_for_url("**tab=processed")
    phone.click("#tab-mine")
    phone.wait_for_url("**tab=mine")
    phone.wait_for_selector(".client-card")

    phone.click("#account-menu")
    phone.click("#logout-button")
    phone.wait_for_url("**/login**")
    phone.goto("/clients")
    phone.wait_for_url("**/login**")
