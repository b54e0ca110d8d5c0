"""Two managers side by side: what one of them does shows up on the other's open list by
itself — a claimed client leaves «Новые», a newly registered one appears, the counts on the
tabs follow, and the list stays where the manager was looking."""

from __future__ import annotations

import time

import pytest

from tests.conftest import ARTIFACTS, phone_context, ui_login
from tests.support.samples import register_in_client_app

pytestmark = pytest.mark.browser

REPORTS = ARTIFACTS.parent.parent / "reports"  # /work/wt/reports when run from a worktree


@pytest.fixture
def colleague(browser, live_server):
    """A second manager's phone, in its own browser context (own cookies, own socket)."""
    context = phone_context(browser, live_server)
    page = context.new_page()
    yield page
    context.close()


def _count(page, tab: str) -> int:
    badge = page.locator(f"#tab-count-{tab}")
    return int(badge.inner_text()) if badge.count() else 0


def _card_top(page, href: str) -> float:
    return page.eval_on_selector(f"a[href='{href}']", "el => el.getBoundingClientRect().top")


def test_клиент_взятый_коллегой_уходит_из_новых_а_новый_появляется_сам(
    phone, colleague, live_server
):
    ui_login(phone)
    phone.wait_for_function("() => document.querySelectorAll('.client-card').length === 20")
    phone.wait_for_selector("#tab-count-new")
    new_before, mine_before = _count(phone, "new"), _count(phone, "mine")
    hrefs = phone.eval_on_selector_all("a:has(.client-card)", "els => els.map(e => e.pathname)")
    taken, watched = hrefs[0], hrefs[6]
    # The manager has scrolled down to the seventh client and is reading it.
    phone.eval_on_selector(f"a[href='{watched}']", "el => el.scrollIntoView({block: 'center'})")
    phone.wait_for_timeout(300)
    watched_top = _card_top(phone, watched)

    ui_login(colleague, "master2@example.com")
    colleague.goto(taken)  # opening «Новый» client's first step takes it into work
    colleague.wait_for_selector("#field-name")
    claimed_at = time.monotonic()

    phone.wait_for_selector(f"a[href='{taken}']", state="detached", timeout=5_000)
    left_after = time.monotonic() - claimed_at
    assert left_after < 2.0, f"the claimed client stayed in «Новые» {left_after:.2f} s"
    phone.wait_for_function(
        "n => document.querySelector('#tab-count-new')?.innerText === String(n)",
        arg=new_before - 1,
    )
    assert _count(phone, "mine") == mine_before  # the colleague's, not ours
    # What the manager was reading is still where it was.
    assert abs(_card_top(phone, watched) - watched_top) < 4
    assert phone.evaluate("() => window.scrollY") > 0

    # The manager searches; a client who registers in the app meanwhile and matches shows up.
    phone.fill("#client-search", "Живая")
    phone.wait_for_selector("#clients-empty")
    register_in_client_app(live_server.env["DATABASE_URL"], "Живая Проверка", "+7 916 700-70-70")
    registered_at = time.monotonic()
    phone.wait_for_selector(".client-card:has-text('Живая Проверка')", timeout=12_000)
    appeared_after = time.monotonic() - registered_at
    assert appeared_after < 10.0, f"the new client took {appeared_after:.2f} s"
    assert phone.input_value("#client-search") == "Живая"
    assert "live-changed" in phone.get_attribute(".client-card", "class")
    phone.wait_for_function(
        "n => document.querySelector('#tab-count-new')?.innerText === String(n)",
        arg=new_before,
    )
    phone.screenshot(path=str(ARTIFACTS / "live-list-new-client.png"))
    if REPORTS.is_dir():
        phone.screenshot(path=str(REPORTS / "live-list.png"))
    print(f"claimed → gone {left_after:.2f} s; registered → shown {appeared_after:.2f} s")
