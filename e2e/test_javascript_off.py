"""The site without JavaScript: every step below goes through plain links and forms.

Every test in this module gets a browser context with JavaScript disabled (the
`browser_context_args` marker applies to the `page` fixture). Add a flow as one more test.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from conftest import ADMIN, sign_in

pytestmark = pytest.mark.browser_context_args(java_script_enabled=False)


@pytest.fixture(autouse=True)
def _javascript_is_off(page: Page) -> None:
    """Proof that the pass is real: a JavaScript-off page never runs htmx or roster.js."""
    page.goto("/about")
    assert page.evaluate("() => typeof window.htmx") == "undefined"


def test_sign_in_open_a_profile_navigate_and_sign_out(page: Page):
    sign_in(page)
    expect(page.get_by_test_id("toast")).to_contain_text("Welcome back")
    page.get_by_test_id("nav-user").click()
    expect(page).to_have_url(re.compile(rf"/user/{ADMIN['username']}$"))
    expect(page.get_by_test_id("profile-name")).to_be_visible()

    page.get_by_role("link", name="Home", exact=True).click()
    page.get_by_test_id("post-card").first.get_by_role("link").first.click()
    expect(page.get_by_test_id("post")).to_be_visible()
    page.get_by_test_id("post-author").click()
    expect(page.get_by_test_id("profile")).to_be_visible()
    expect(page.get_by_test_id("post-card").first).to_be_visible()

    page.get_by_role("link", name="About", exact=True).first.click()
    expect(page.get_by_test_id("about")).to_be_visible()
    page.get_by_test_id("sign-out").click()
    expect(page.get_by_test_id("toast")).to_contain_text("signed out")
    expect(page.get_by_test_id("nav-sign-in")).to_be_visible()


def test_a_wrong_password_shows_the_form_again_with_an_error(page: Page):
    page.goto("/login")
    page.get_by_label("Username or email").fill(ADMIN["username"])
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("form-error")).to_be_visible()
    expect(page.get_by_label("Username or email")).to_have_value(ADMIN["username"])


def test_sign_in_returns_to_the_next_page(page: Page):
    page.goto("/login?next=/about")
    page.get_by_label("Username or email").fill(ADMIN["username"])
    page.get_by_label("Password").fill(ADMIN["password"])
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/about$"))
    expect(page.get_by_test_id("nav-user")).to_be_visible()
