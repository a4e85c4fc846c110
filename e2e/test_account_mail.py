"""Account mail in a browser: the site sends real mail to an SMTP server in this process, and
the tests open the links that arrived, as the user would from their inbox."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.accessibility import assert_accessible
from e2e.helpers import ADMIN, register, sign_in
from roster.mail.testing import MailServer

PASSWORD = "first e2e password"
# Answers that wait for a mail server's acknowledgement (at most MAIL_WAIT_SECONDS, 3 s).
MAIL_ANSWER_MS = 10_000
NEW_PASSWORD = "second e2e password"


def fresh_name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def sign_in_as(page: Page, username: str, password: str) -> None:
    sign_in(page, username, password)


def add_user(page: Page, username: str, password: str = "") -> None:
    """The admin table's create form; without a password the user is invited."""
    page.get_by_text("Add a user").click()
    form = page.locator("#create-user-form")
    form.get_by_label("Username").fill(username)
    form.get_by_label("Email").fill(f"{username}@example.com")
    form.get_by_label("Password").fill(password)
    form.get_by_role("button", name="Add user").click()


def test_forgot_password_from_the_sign_in_page(
    page: Page, browser: Browser, mail_server: MailServer, base_url: str
):
    name = fresh_name("forgetful")
    register(page, name, PASSWORD)
    expect(page.get_by_test_id("nav-user")).to_be_visible(timeout=MAIL_ANSWER_MS)
    elsewhere = browser.new_context(base_url=base_url).new_page()
    sign_in_as(elsewhere, name, PASSWORD)

    visitor = browser.new_context(base_url=base_url).new_page()
    visitor.goto("/login")
    visitor.get_by_test_id("forgot-password-link").click()
    expect(visitor).to_have_url(re.compile("/password/forgot$"))
    assert_accessible(visitor)
    visitor.get_by_label("Email or username").fill(name)
    visitor.get_by_test_id("send-reset-link").click()
    expect(visitor.get_by_test_id("reset-requested")).to_be_visible()

    mail = mail_server.wait_for(f"{name}@example.com", "Reset your Roster password")
    assert mail.link("/password/reset/") in mail.html, "the HTML part has the same link"
    visitor.goto(mail.link("/password/reset/"))
    assert_accessible(visitor)
    visitor.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    visitor.get_by_label("Confirm password").fill(NEW_PASSWORD)
    visitor.get_by_test_id("save-new-password").click()
    expect(visitor).to_have_url(re.compile("/login$"))
    expect(visitor.get_by_test_id("toast")).to_contain_text("Your password is changed")
    sign_in_as(visitor, name, NEW_PASSWORD)

    notice = mail_server.wait_for(f"{name}@example.com", "password was changed")
    assert "signed out" in notice.text
    elsewhere.reload()
    expect(elsewhere.get_by_test_id("nav-sign-in")).to_be_visible()

    visitor.goto(mail.link("/password/reset/"))
    expect(visitor.get_by_test_id("link-problem")).to_contain_text("already used")
    assert_accessible(visitor)


def test_registration_is_confirmed_from_the_mail(page: Page, mail_server: MailServer):
    name = fresh_name("confirmer")
    register(page, name, PASSWORD)
    expect(page.get_by_test_id("toast").filter(has_text="confirmation link")).to_be_visible(
        timeout=MAIL_ANSWER_MS
    )
    mail = mail_server.wait_for(f"{name}@example.com", "Confirm your email address")
    page.goto(mail.link("/email/verify/"))
    expect(page.get_by_test_id("toast").filter(has_text="is confirmed")).to_be_visible()
    page.goto(f"/user/{name}/edit")
    expect(page.get_by_test_id("email-status")).to_contain_text("Confirmed")


def test_a_new_address_counts_once_confirmed(page: Page, mail_server: MailServer):
    name = fresh_name("mover")
    register(page, name, PASSWORD)
    expect(page.get_by_test_id("nav-user")).to_be_visible(timeout=MAIL_ANSWER_MS)
    page.goto(f"/user/{name}")
    page.get_by_test_id("edit-profile").click()
    page.get_by_label("Email").fill(f"{name}.new@example.com")
    page.get_by_test_id("save-profile").click()
    expect(page.get_by_test_id("toast").filter(has_text="until you follow the link")).to_be_visible(
        timeout=MAIL_ANSWER_MS
    )

    mail = mail_server.wait_for(f"{name}.new@example.com", "Confirm your email address")
    page.goto(mail.link("/email/verify/"))
    expect(page.get_by_test_id("toast").filter(has_text="now")).to_contain_text(
        f"{name}.new@example.com"
    )
    notice = mail_server.wait_for(f"{name}@example.com", "email address was changed")
    assert f"{name}.new@example.com" in notice.text


@pytest.mark.no_reload
def test_an_admin_resends_a_confirmation_link_in_place(page: Page, mail_server: MailServer):
    name = fresh_name("unconfirmed")
    sign_in(page)
    page.get_by_test_id("nav-users").click()
    add_user(page, name, PASSWORD)
    row = page.get_by_test_id("user-row").filter(has_text=name)
    expect(row.get_by_test_id("email-unverified")).to_be_visible(timeout=MAIL_ANSWER_MS)

    row.get_by_test_id("resend-verification").click()
    expect(page.get_by_test_id("toast").filter(has_text="was sent to")).to_be_visible(
        timeout=MAIL_ANSWER_MS
    )
    mail = mail_server.wait_for(f"{name}@example.com", "Confirm your email address")
    assert "An administrator" in mail.text


def test_an_invited_user_chooses_a_password(
    page: Page, browser: Browser, mail_server: MailServer, base_url: str
):
    name = fresh_name("invitee")
    sign_in(page)
    page.goto("/users")
    add_user(page, name)
    expect(page.get_by_test_id("toast").filter(has_text="invitation was sent")).to_be_visible(
        timeout=MAIL_ANSWER_MS
    )
    row = page.get_by_test_id("user-row").filter(has_text=name)
    expect(row.get_by_test_id("resend-invite")).to_be_visible()

    mail = mail_server.wait_for(f"{name}@example.com", "You are invited")
    assert f"{ADMIN['username']} made you an account" in mail.text
    guest = browser.new_context(base_url=base_url).new_page()
    guest.goto(mail.link("/invite/"))
    expect(guest.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()
    assert_accessible(guest)
    guest.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    guest.get_by_label("Confirm password").fill(NEW_PASSWORD)
    guest.get_by_test_id("save-new-password").click()
    expect(guest).to_have_url(re.compile("/login$"))
    sign_in_as(guest, name, NEW_PASSWORD)


def test_a_tampered_link_gets_a_clear_page(page: Page):
    response = page.goto("/password/reset/not-a-real-token")
    assert response is not None
    assert response.status == 400
    expect(page.get_by_test_id("link-problem")).to_contain_text("does not work")
    page.get_by_role("link", name="Send me a new link").click()
    expect(page).to_have_url(re.compile("/password/forgot$"))
