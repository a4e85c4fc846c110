"""The site without JavaScript: every step below goes through plain links and forms.

Every test in this module gets a browser context with JavaScript disabled (the
`browser_context_args` marker applies to the `page` fixture). Add a flow as one more test.
"""

from __future__ import annotations

import re
import uuid
from urllib.parse import quote_plus

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import ADMIN, MODERATOR, register, sign_in
from roster.mail.testing import MailServer

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


def search_users(page: Page, text: str) -> None:
    page.get_by_role("searchbox", name="Search users").fill(text)
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(rf"/users\?q={re.escape(quote_plus(text))}(&|$)"))


def delete_through_the_confirm_page(page: Page, username: str) -> None:
    page.get_by_role("link", name=f"Delete {username}").click()
    expect(page).to_have_url(re.compile(r"/users/\d+\?confirm=delete$"))
    page.get_by_role("button", name=f"Delete {username}").click()


def test_admin_searches_creates_edits_deletes_and_undoes_through_plain_forms(page: Page):
    sign_in(page)
    page.get_by_test_id("nav-users").click()
    expect(page.locator("#users-table")).to_be_visible()
    search_users(page, "no such user at all")
    expect(page.get_by_test_id("users-empty")).to_contain_text("No users match")

    page.get_by_text("Add a user").click()
    form = page.locator("#create-user-form")
    form.get_by_label("Username").fill("nojs-user")
    form.get_by_label("Email").fill("nojs-user@example.com")
    form.get_by_label("Password").fill("a long enough password")
    form.get_by_role("button", name="Add user").click()
    expect(page.get_by_test_id("toast")).to_contain_text("Created nojs-user")
    search_users(page, "nojs-user")
    expect(page.get_by_test_id("user-row")).to_have_count(1)

    page.get_by_role("link", name="Edit nojs-user").click()
    expect(page).to_have_url(re.compile(r"/users/\d+/edit$"))
    page.get_by_test_id("user-row").get_by_label("Display name").fill("No Script")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("toast")).to_contain_text("Saved nojs-user")
    search_users(page, "nojs-user")
    expect(page.get_by_test_id("user-row")).to_contain_text("No Script")

    delete_through_the_confirm_page(page, "nojs-user")
    toast = page.get_by_test_id("toast").filter(has_text="Deleted nojs-user")
    expect(toast).to_be_visible()
    toast.get_by_role("button", name="Undo").click()
    expect(page.get_by_test_id("toast")).to_contain_text("Restored nojs-user")
    search_users(page, "nojs-user")
    expect(page.get_by_test_id("user-row")).to_contain_text("No Script")

    delete_through_the_confirm_page(page, "nojs-user")
    search_users(page, "nojs-user")
    expect(page.get_by_test_id("users-empty")).to_be_visible()


def test_open_details_then_the_profile_from_the_users_table(page: Page):
    sign_in(page)
    page.goto(f"/users?q={ADMIN['username']}")
    page.get_by_test_id("user-row").get_by_role("link", name=ADMIN["username"], exact=True).click()
    expect(page).to_have_url(re.compile(r"/users/\d+/details$"))
    page.get_by_test_id("public-profile").click()
    expect(page).to_have_url(re.compile(rf"/user/{ADMIN['username']}$"))
    expect(page.get_by_test_id("profile-name")).to_be_visible()


def test_a_moderator_hides_a_post_without_javascript(page: Page):
    sign_in(page, MODERATOR["username"], MODERATOR["password"])
    page.goto("/")
    page.get_by_test_id("post-card").first.get_by_role("link").first.click()
    page.get_by_test_id("hide-post").click()
    page.get_by_label("Why hide it?").fill("Checked without JavaScript.")
    page.get_by_test_id("confirm-hide").click()
    expect(page).to_have_url(re.compile(r"/post/\d+$"))
    expect(page.get_by_test_id("hidden-reason")).to_have_text("Checked without JavaScript.")
    page.get_by_test_id("unhide-post").click()
    expect(page.get_by_test_id("hidden-note")).to_have_count(0)


def test_sign_out_another_session_from_the_sessions_page(page: Page, browser, base_url: str):
    other = browser.new_context(base_url=base_url)
    laptop = other.new_page()
    sign_in(laptop)
    sign_in(page)
    page.get_by_test_id("nav-user").click()
    page.get_by_test_id("account-sessions").click()
    expect(page).to_have_url(re.compile(r"/account/sessions$"))
    before = page.get_by_test_id("session").count()
    assert before >= 2
    page.get_by_test_id("revoke-others").click()
    expect(page).to_have_url(re.compile(r"/account/sessions$"))
    expect(page.get_by_test_id("toast")).to_contain_text("other session")
    expect(page.get_by_test_id("session")).to_have_count(1)
    expect(page.get_by_test_id("current-session")).to_be_visible()
    laptop.goto("/about")
    expect(laptop.get_by_test_id("nav-sign-in")).to_be_visible()
    other.close()


def test_forgot_and_reset_a_password_without_javascript(page: Page, mail_server: MailServer):
    name = f"nojs-{uuid.uuid4().hex[:8]}"
    register(page, name, "no script password one")
    expect(page.get_by_test_id("nav-user")).to_be_visible(timeout=10_000)
    page.get_by_test_id("sign-out").click()
    page.get_by_test_id("nav-sign-in").click()
    page.get_by_test_id("forgot-password-link").click()
    page.get_by_label("Email or username").fill(f"{name}@example.com")
    page.get_by_test_id("send-reset-link").click()
    expect(page.get_by_test_id("reset-requested")).to_be_visible()

    mail = mail_server.wait_for(f"{name}@example.com", "Reset your Roster password")
    page.goto(mail.link("/password/reset/"))
    page.get_by_label("Password", exact=True).fill("no script password two")
    page.get_by_label("Confirm password").fill("no script password two")
    page.get_by_test_id("save-new-password").click()
    expect(page).to_have_url(re.compile("/login$"))
    sign_in(page, name, "no script password two")


def test_delete_a_post_and_undo_it_without_javascript(page: Page):
    name = f"nojs-{uuid.uuid4().hex[:8]}"
    register(page, name, "no script password two")
    expect(page.get_by_test_id("nav-user")).to_be_visible(timeout=10_000)
    form = page.locator("#new-post-form")
    form.get_by_label("Title").fill("Written without scripts")
    form.get_by_label("Text").fill("And deleted the same way.")
    form.get_by_test_id("publish-post").click()
    page.get_by_role("link", name="Written without scripts").click()
    page.get_by_test_id("delete-post").click()
    page.get_by_role("button", name="Delete post").click()
    expect(page).to_have_url(re.compile(rf"/user/{name}$"))
    expect(page.get_by_test_id("post-count")).to_have_text("0 posts")
    toast = page.get_by_test_id("toast").filter(has_text="is deleted")
    toast.get_by_role("button", name="Undo").click()
    expect(page).to_have_url(re.compile(rf"/user/{name}$"))
    expect(page.get_by_test_id("post-card")).to_contain_text("Written without scripts")
