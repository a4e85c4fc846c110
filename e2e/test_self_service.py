"""Deleting one's own account in a browser: asked for the password and the posts' fate, then
signed out here and in every other browser, and the old password no longer signs in."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Browser, Page, expect

from e2e.helpers import register, sign_in

PASSWORD = "e2e self-service password"


def test_delete_my_account_keeping_my_posts(
    page: Page, browser: Browser, base_url: str, csp_violations: list[str]
):
    username = f"e2e-{uuid.uuid4().hex[:10]}"
    register(page, username, PASSWORD)
    expect(page.get_by_test_id("profile-name")).to_have_text(username)
    page.get_by_label("Title").fill("Written before I left")
    page.get_by_label("Text").fill("Still here afterwards.")
    page.get_by_test_id("publish-post").click()
    expect(page.get_by_test_id("post-count")).to_have_text("1 post")
    # A second browser signed in as the same user: deleting ends its session too.
    other = browser.new_context(base_url=base_url)
    elsewhere = other.new_page()
    sign_in(elsewhere, username, PASSWORD)

    page.get_by_test_id("delete-account").click()
    expect(page).to_have_url(re.compile(r"/account/delete$"))
    submit = page.get_by_test_id("delete-account-submit")
    # Nothing chosen and a wrong password: both said at once, nothing deleted.
    page.get_by_label("Password").fill("not my password")
    submit.click()
    errors = page.get_by_test_id("field-error")
    expect(errors).to_have_text(["Choose what happens to your posts."])
    page.get_by_label("Keep them").check()
    page.get_by_label("Password").fill("not my password")
    submit.click()
    expect(errors).to_have_text(["That is not your current password."])

    page.get_by_label("Password").fill(PASSWORD)
    submit.click()
    expect(page).to_have_url(re.compile(r"/$"))
    goodbye = f"Your account is deleted. Goodbye, {username}."
    expect(page.get_by_test_id("toast")).to_contain_text(goodbye)
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    # The kept post is on the home page without its author's name.
    card = page.get_by_test_id("post-card").filter(has_text="Written before I left")
    expect(card).to_contain_text("a deleted account")
    expect(card).not_to_contain_text(username)

    elsewhere.goto("/")
    expect(elsewhere.get_by_role("link", name="Sign in")).to_be_visible()
    other.close()
    page.goto(f"/user/{username}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("not found", ignore_case=True)
    page.goto("/login")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("nav-user")).to_have_count(0)
    assert csp_violations == []
