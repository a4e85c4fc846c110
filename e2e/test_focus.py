"""The focus goes where the hand is next: into the form a link opened, to the field to fix."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import ADMIN


@pytest.mark.no_reload
@pytest.mark.parametrize(
    ("link", "form", "first_field"),
    [
        ("nav-sign-in", "#login-form", "Username or email"),
        ("nav-register", "#register-form", "Username"),
    ],
)
def test_the_navs_account_links_focus_the_forms_first_field(
    page: Page, link, form, first_field, csp_violations
):
    page.goto("/about")
    page.get_by_test_id(link).click()
    expect(page.locator(form).get_by_label(first_field, exact=True)).to_be_focused()
    assert csp_violations == []


@pytest.mark.no_reload
def test_a_wrong_password_puts_the_focus_in_the_password(page: Page):
    page.goto("/login")
    page.get_by_label("Username or email").fill(ADMIN["username"])
    page.get_by_label("Password").fill("not the password")
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_test_id("form-error")).to_be_visible()
    expect(page.get_by_label("Password")).to_be_focused()
    expect(page.get_by_label("Username or email")).to_have_value(ADMIN["username"])


@pytest.mark.no_reload
def test_a_missing_username_keeps_the_focus_in_the_username(page: Page):
    page.goto("/login")
    page.get_by_label("Password").fill("a password")
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("field-error").first).to_be_visible()
    expect(page.get_by_label("Username or email")).to_be_focused()
