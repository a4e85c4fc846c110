"""Accounts in a real browser: register, sign out, sign in again, all without a full page load."""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import ADMIN, register, sign_in
from roster.users import policy

PASSWORD = "a long enough password"


def nav_signed_in_as(page: Page, name: str) -> None:
    expect(page.get_by_test_id("nav-user")).to_have_text(name)
    expect(page.get_by_test_id("sign-out")).to_be_visible()


def sign_out(page: Page) -> None:
    """An htmx POST: it only passes CSRF if the token was renewed along with the session."""
    page.get_by_test_id("sign-out").click()
    expect(page.get_by_test_id("nav-sign-in")).to_be_visible()
    expect(page.get_by_test_id("toast").filter(has_text="signed out")).to_be_visible()


def test_register_sign_out_and_sign_in_again_with_remember_me(
    page: Page, no_reload, csp_violations
):
    name = f"newbie-{secrets.token_hex(3)}"
    page.goto("/register")
    guard = no_reload()

    username = page.get_by_label("Username")
    username.press_sequentially("ab")
    expect(username).to_have_accessible_description(policy.USERNAME_MESSAGE)
    username.fill("")
    username.press_sequentially(ADMIN["username"])
    expect(username).to_have_accessible_description(policy.USERNAME_TAKEN)
    username.fill("")
    username.press_sequentially(name)
    # Valid: the hint again, which is the rule's message.
    expect(username).to_have_accessible_description(policy.USERNAME_MESSAGE)
    expect(username).to_have_attribute("aria-invalid", "false")

    email = page.get_by_label("Email")
    email.press_sequentially("not-an-email")
    expect(email).to_have_accessible_description(policy.EMAIL_MESSAGE)
    email.fill(f"{name}@example.com")
    page.get_by_label("Password", exact=True).fill("too short")
    page.get_by_label("Confirm password").fill("something else")
    page.get_by_label("Confirm password").blur()
    expect(page.get_by_label("Password", exact=True)).to_have_accessible_description(
        policy.PASSWORD_MESSAGE
    )
    expect(page.get_by_label("Confirm password")).to_have_accessible_description(
        policy.CONFIRM_MESSAGE
    )
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()

    expect(page).to_have_url(re.compile(f"/user/{name}$"))
    nav_signed_in_as(page, name)
    guard.check()

    sign_out(page)
    guard.check()

    page.goto(f"/login?next=/user/{name}")
    guard = no_reload()
    page.get_by_label("Username or email").fill(f"{name.upper()}@EXAMPLE.COM")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Remember me").check()
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(re.compile(f"/user/{name}$"))
    nav_signed_in_as(page, name)
    expect(page.get_by_test_id("toast").filter(has_text="Welcome back")).to_be_visible()
    guard.check()

    cookies = {cookie["name"]: cookie for cookie in page.context.cookies()}
    assert cookies["remember_token"]["expires"] > 0
    assert cookies["remember_token"]["httpOnly"]
    assert cookies["session"]["sameSite"] == "Lax"
    # Closing the browser drops the session cookie; remember me keeps the user signed in.
    page.context.clear_cookies(name="session")
    page.goto("/about")
    nav_signed_in_as(page, name)

    sign_out(page)
    page.goto("/about")
    expect(page.get_by_test_id("nav-sign-in")).to_be_visible()
    assert csp_violations == []


@pytest.mark.no_reload
def test_login_errors_show_in_place_without_a_full_page_load(page: Page, no_reload, csp_violations):
    page.goto("/login?next=/about")
    guard = no_reload()
    page.get_by_label("Username or email").fill(ADMIN["username"])
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_test_id("form-error")).to_have_text("Wrong username, email or password.")
    expect(page.get_by_label("Username or email")).to_have_value(ADMIN["username"])
    expect(page.get_by_label("Password")).to_have_value("")
    expect(page).to_have_url(re.compile(r"/login\?next=/about$"))
    guard.check()

    page.get_by_label("Password").fill(ADMIN["password"])
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/about$"))
    expect(page.get_by_test_id("about")).to_be_visible()
    nav_signed_in_as(page, "e2e-admin")
    expect(page).to_have_title(re.compile("About"))
    guard.check()

    sign_out(page)
    guard.check()
    assert csp_violations == []


def test_evil_next_lands_on_the_home_page(page: Page, base_url: str):
    page.goto("/login?next=//evil.example/steal")
    page.get_by_label("Username or email").fill(ADMIN["email"])
    page.get_by_label("Password").fill(ADMIN["password"])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("home")).to_be_visible()
    assert page.url == f"{base_url}/"


@pytest.mark.no_reload
def test_an_admin_signing_in_for_the_users_table_lands_on_it(page: Page):
    sign_in(page, login_url="/login?next=/users")
    expect(page).to_have_url(re.compile(r"/users$"))
    expect(page.locator("#users-table")).to_be_visible()
    nav_signed_in_as(page, ADMIN["username"])


def test_a_member_who_opens_the_users_table_sees_the_403_page(page: Page):
    name = f"member-{secrets.token_hex(3)}"
    register(page, name, PASSWORD)
    nav_signed_in_as(page, name)
    expect(page.get_by_test_id("nav-users")).to_have_count(0)

    response = page.goto("/users")
    assert response is not None
    assert response.status == 403
    expect(page.get_by_test_id("error")).to_have_attribute("data-status", "403")
    expect(page.locator("#users-table")).to_have_count(0)
