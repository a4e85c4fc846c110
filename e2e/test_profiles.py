"""Profiles and posts in a browser: every step swaps a fragment, none reloads the page."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import register
from roster.users import policy

PASSWORD = "e2e member password"


@pytest.fixture
def own_profile(page: Page) -> str:
    """Register a new user (tests that change data keep to their own); lands on their profile."""
    username = f"e2e-{uuid.uuid4().hex[:10]}"
    register(page, username, PASSWORD)
    expect(page.get_by_test_id("profile-name")).to_have_text(username)
    return username


@pytest.mark.no_reload
def test_open_a_profile_from_a_post(page: Page, no_reload, csp_violations):
    page.goto("/")
    guard = no_reload()
    card = page.get_by_test_id("post-card").first
    author = card.get_by_role("link").nth(1)
    name = author.inner_text()
    author.click()
    expect(page.get_by_test_id("profile-name")).to_have_text(name)
    expect(page).to_have_url(re.compile(r"/user/[^/]+$"))
    expect(page).to_have_title(re.compile(re.escape(name)))
    guard.check()
    assert csp_violations == []


@pytest.mark.no_reload
def test_load_more_appends_the_next_posts_until_the_end(page: Page, no_reload, csp_violations):
    page.goto("/")
    cards = page.get_by_test_id("post-card")
    expect(cards).to_have_count(10)
    guard = no_reload()
    page.get_by_test_id("load-more").click()
    expect(cards).to_have_count(20)
    expect(cards.nth(10).get_by_role("link").first).to_be_focused()
    guard.check()
    for _ in range(20):
        if page.get_by_test_id("load-more").count() == 0:
            break
        shown = cards.count()
        page.get_by_test_id("load-more").click()
        expect(cards).not_to_have_count(shown)
    expect(page.get_by_test_id("load-more")).to_have_count(0)
    ids = cards.evaluate_all("cards => cards.map(card => card.id)")
    assert len(ids) >= 40
    assert len(set(ids)) == len(ids), "no post is shown twice"
    expect(page).to_have_url(re.compile(r"/$"))
    guard.check()
    assert csp_violations == []


@pytest.mark.no_reload
def test_edit_own_profile_in_place(page: Page, own_profile, no_reload, csp_violations):
    guard = no_reload()
    card = page.get_by_test_id("profile-card")

    page.get_by_test_id("edit-profile").click()
    form = page.get_by_test_id("profile-form")
    expect(page.get_by_test_id("bio-counter")).to_have_text("0 / 500 characters")
    page.get_by_label("Bio").fill("Hello")
    expect(page.get_by_test_id("bio-counter")).to_have_text("5 / 500 characters")
    page.get_by_test_id("cancel-profile-edit").click()
    expect(card).to_be_visible()
    expect(form).to_have_count(0)

    page.get_by_test_id("edit-profile").click()
    page.get_by_label("Display name").fill("Edith Example")
    page.get_by_label("Email").fill("not an email")
    page.get_by_test_id("save-profile").click()
    expect(form.get_by_test_id("field-error")).to_have_text(policy.EMAIL_MESSAGE)
    expect(page.get_by_label("Email")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_test_id("nav-user")).to_have_text(own_profile)

    page.get_by_label("Email").fill(f"edith-{own_profile}@example.com")
    page.get_by_label("Bio").fill("Writes\nthings.")
    page.get_by_test_id("save-profile").click()
    expect(page.get_by_test_id("profile-name")).to_have_text("Edith Example")
    expect(page.get_by_test_id("profile-bio")).to_have_text("Writes\nthings.")
    expect(page.get_by_test_id("nav-user")).to_have_text("Edith Example")
    expect(page.get_by_test_id("edit-profile")).to_be_focused()
    expect(form).to_have_count(0)
    guard.check()
    assert csp_violations == []


@pytest.mark.no_reload
def test_write_edit_and_delete_a_post(page: Page, own_profile, no_reload, csp_violations):
    guard = no_reload()
    page.get_by_test_id("publish-post").click()
    expect(page.get_by_test_id("field-error").first).to_have_text("This field is required.")

    page.get_by_label("Title").fill("My first post")
    page.get_by_label("Text").fill("Line one\nLine two")
    page.get_by_test_id("publish-post").click()
    card = page.get_by_test_id("post-card")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("My first post")
    expect(page.get_by_test_id("post-count")).to_have_text("1 post")
    expect(page.get_by_label("Title")).to_have_value("")

    card.get_by_role("link", name="My first post").click()
    expect(page.get_by_test_id("post")).to_be_visible()
    page.get_by_test_id("edit-post").click()
    page.get_by_label("Title").fill("My edited post")
    page.get_by_test_id("save-post").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My edited post")
    expect(page.get_by_test_id("post-body")).to_have_text("Line one\nLine two")
    expect(page.get_by_test_id("edit-post")).to_be_focused()

    page.get_by_test_id("delete-post").click()
    confirm = page.get_by_role("alertdialog", name="Delete this post?")
    expect(confirm).to_be_visible()
    expect(page.get_by_test_id("cancel-delete")).to_be_focused()
    page.get_by_test_id("cancel-delete").click()
    expect(confirm).to_have_count(0)
    expect(page.get_by_test_id("post")).to_contain_text("My edited post")

    # Deleting lands back on the profile the post was opened from, with Undo.
    post_url = page.url
    page.get_by_test_id("delete-post").click()
    confirm.get_by_role("button", name="Delete post").click()
    expect(page).to_have_url(re.compile(rf"/user/{own_profile}$"))
    expect(page.get_by_test_id("post-count")).to_have_text("0 posts")
    expect(page.get_by_test_id("post-card")).to_have_count(0)
    toast = page.get_by_test_id("toast").filter(has_text="“My edited post” is deleted")
    toast.get_by_role("button", name="Undo").click()
    expect(page).to_have_url(re.compile(rf"/user/{own_profile}$"))
    expect(page.get_by_test_id("post-count")).to_have_text("1 post")
    expect(page.get_by_test_id("post-card")).to_contain_text("My edited post")
    expect(page.get_by_test_id("toast").filter(has_text="“My edited post” is back")).to_be_visible()
    expect(toast).to_have_count(0)
    guard.check()
    assert page.request.get(post_url).status == 200, "the post's own page is there again"
    assert csp_violations == []
