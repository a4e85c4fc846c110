"""The sessions page in real browsers: signing out another browser from this one."""

from __future__ import annotations

import secrets

from playwright.sync_api import Browser, Page, expect

from e2e.accessibility import assert_accessible
from e2e.helpers import register, sign_in

PASSWORD = "a long enough password"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)


def test_revoking_another_session_signs_that_browser_out(
    page: Page, browser: Browser, base_url: str, no_reload, csp_violations
):
    name = f"sessions-{secrets.token_hex(3)}"
    register(page, name, PASSWORD)
    page.get_by_test_id("nav-user").wait_for()
    other = browser.new_context(base_url=base_url, user_agent=IPHONE)
    phone = other.new_page()
    sign_in(phone, name, PASSWORD)

    page.goto("/account/sessions")
    sessions = page.get_by_test_id("session")
    expect(sessions).to_have_count(2)
    this_one = sessions.filter(has=page.get_by_test_id("current-session"))
    expect(this_one).to_have_count(1)
    expect(this_one.get_by_test_id("revoke-session")).to_have_count(0)
    the_phone = sessions.filter(has_text="Mobile Safari 17 on iOS")
    expect(the_phone).to_have_count(1)
    assert_accessible(page)
    guard = no_reload()

    the_phone.get_by_role("button", name="Sign out").click()
    expect(page.get_by_test_id("toast").filter(has_text="signed out")).to_be_visible()
    expect(sessions).to_have_count(1)
    expect(page.get_by_test_id("current-session")).to_be_visible()
    guard.check()

    phone.goto("/account/sessions")
    expect(phone).to_have_url(f"{base_url}/login?next=/account/sessions")
    expect(phone.get_by_test_id("nav-sign-in")).to_be_visible()
    other.close()
    assert csp_violations == []


def test_signing_out_every_other_session(page: Page, browser: Browser, base_url: str, no_reload):
    name = f"sessions-{secrets.token_hex(3)}"
    register(page, name, PASSWORD)
    page.get_by_test_id("nav-user").wait_for()
    others = [browser.new_context(base_url=base_url) for _ in range(2)]
    pages = [context.new_page() for context in others]
    for other in pages:
        sign_in(other, name, PASSWORD)

    page.goto("/account/sessions")
    expect(page.get_by_test_id("session")).to_have_count(3)
    guard = no_reload()
    page.get_by_test_id("revoke-others").click()
    expect(
        page.get_by_test_id("toast").filter(has_text="Signed out 2 other sessions")
    ).to_be_visible()
    expect(page.get_by_test_id("session")).to_have_count(1)
    expect(page.get_by_test_id("revoke-others")).to_have_count(0)
    guard.check()

    for other in pages:
        other.goto("/about")
        expect(other.get_by_test_id("nav-sign-in")).to_be_visible()
    page.goto("/about")
    expect(page.get_by_test_id("nav-user")).to_have_text(name)
    for context in others:
        context.close()
