"""The per-client wrong-code budget as a manager and an admin see it on a phone (390×844):
step 4 says signing is locked and until when; the card shows «Подписание заблокировано»; only
the admin's card offers the unlock, and after it the audit has the act."""

from __future__ import annotations

import pytest

from tests.conftest import ARTIFACTS, ui_login
from tests.support import factories

pytestmark = pytest.mark.browser

ADMIN = "admin@example.com"
NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


def test_исчерпанный_лимит_кодов_виден_на_шаге_4_и_в_карточке_снимает_админ(live_db, phone):
    manager = factories.demo_manager()
    client, _ = factories.generated(manager)
    factories.spend_code_budget(manager, client, "10.3")

    ui_login(phone)
    phone.goto(f"/clients/{client.id}/step/4")
    locked = phone.wait_for_selector("#signing-locked")
    assert "Разблокируется" in locked.inner_text()
    # Nothing on the step offers what the server would refuse with `otp_locked`.
    for button in ("#sign-contract", "#resend-code", "#generate-contract"):
        assert phone.locator(button).is_disabled(), button
    assert phone.evaluate(NO_SIDEWAYS_SCROLL)
    phone.screenshot(path=str(ARTIFACTS / "signing-lock-1-step4.png"), full_page=True)

    phone.goto(f"/clients/{client.id}/card")
    phone.wait_for_selector("#signing-lock-text")
    assert phone.query_selector("#unlock-submit") is None  # a manager cannot unlock
    assert phone.evaluate(NO_SIDEWAYS_SCROLL)

    ui_login(phone, ADMIN)
    phone.goto(f"/clients/{client.id}/card")
    phone.wait_for_selector("#signing-lock-text")
    phone.fill("#unlock-reason", "Клиент диктовал код из старого сообщения")
    phone.locator("#signing-lock-card").screenshot(
        path=str(ARTIFACTS / "signing-lock-2-card-admin.png")
    )
    phone.click("#unlock-submit")
    message = phone.wait_for_selector("#unlock-message")
    assert message.inner_text().startswith("Подписание разблокировано")
    assert "Подписание разблокировано" in phone.inner_text("#signing-lock-card")
    assert "заблокировано" not in phone.inner_text("#signing-lock-card")
    assert phone.evaluate(NO_SIDEWAYS_SCROLL)
    phone.locator("#signing-lock-card").screenshot(
        path=str(ARTIFACTS / "signing-lock-3-unlocked.png")
    )
    assert len(factories.audit_entries(client.id, "signing_unlocked")) == 1
