"""Moderation in a browser: a moderator hides a post in place, its author reads why, and the
public no longer finds it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.accessibility import assert_accessible
from e2e.helpers import MODERATOR, register, sign_in

PASSWORD = "e2e author password"
REASON = "Off topic: this is a shop advert."


@pytest.fixture
def author_page(browser: Browser, base_url: str) -> Iterator[Page]:
    """Another browser, where a new user has written a post (tests keep to their own data)."""
    context = browser.new_context(base_url=base_url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    register(page, f"e2e-{uuid.uuid4().hex[:10]}", PASSWORD)
    form = page.locator("#new-post-form")
    form.get_by_label("Title").fill("Cheap watches")
    form.get_by_label("Text").fill("Buy them at my shop.")
    form.get_by_test_id("publish-post").click()
    expect(page.get_by_test_id("post-card").first).to_contain_text("Cheap watches")
    yield page
    context.close()


def test_a_moderator_hides_a_post_and_its_author_sees_why(
    page: Page, author_page: Page, browser: Browser, base_url: str, no_reload, csp_violations
):
    profile_url = author_page.url
    card = author_page.get_by_test_id("post-card").first
    post_path = card.get_by_role("link", name="Cheap watches").get_attribute("href")

    sign_in(page, MODERATOR["username"], MODERATOR["password"])
    page.goto(profile_url)
    guard = no_reload()
    card = page.get_by_test_id("post-card").first
    card.get_by_test_id("hide-post").click()
    card.get_by_label("Why hide it?").fill(REASON)
    assert_accessible(page)
    card.get_by_test_id("confirm-hide").click()
    expect(card.get_by_test_id("hidden-reason")).to_have_text(REASON)
    expect(card.get_by_test_id("unhide-post")).to_be_visible()
    expect(page.get_by_test_id("toast").last).to_contain_text("hidden")
    guard.check()

    author_page.goto(post_path)
    expect(author_page.get_by_test_id("hidden-reason")).to_have_text(REASON)
    expect(author_page.get_by_test_id("unhide-post")).to_have_count(0)

    public = browser.new_page(base_url=base_url)
    response = public.goto(post_path)
    assert response is not None
    assert response.status == 404
    public.close()
    assert csp_violations == []


def test_a_moderator_unhides_from_the_post_page(page: Page, author_page: Page):
    title = author_page.get_by_test_id("post-card").first.get_by_role("link").first
    post_path = title.get_attribute("href")
    sign_in(page, MODERATOR["username"], MODERATOR["password"])
    page.goto(post_path)
    page.get_by_test_id("hide-post").click()
    page.get_by_label("Why hide it?").fill(REASON)
    page.get_by_test_id("confirm-hide").click()
    expect(page.get_by_test_id("hidden-reason")).to_have_text(REASON)
    page.get_by_test_id("unhide-post").click()
    expect(page.get_by_test_id("hidden-note")).to_have_count(0)
    author_page.goto(post_path)
    expect(author_page.get_by_test_id("hidden-note")).to_have_count(0)


def test_a_moderator_reads_the_user_table_and_opens_details(page: Page):
    sign_in(page, MODERATOR["username"], MODERATOR["password"])
    page.get_by_test_id("nav-users").click()
    expect(page.locator("#users-table")).to_be_visible()
    expect(page.locator("#create-user-form")).to_have_count(0)
    expect(page.locator("[data-edit]")).to_have_count(0)
    page.get_by_test_id("user-details-link").first.click()
    expect(page.get_by_test_id("user-details")).to_be_visible()
    expect(page.get_by_test_id("revoke-session")).to_have_count(0)
    assert_accessible(page)
