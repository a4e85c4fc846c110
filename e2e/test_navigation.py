"""Clicking around swaps content in place; the back button brings the previous page back."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect


def test_nav_links_swap_content_without_a_full_page_load(page: Page, no_reload, csp_violations):
    page.goto("/")
    expect(page.get_by_test_id("home")).to_be_visible()
    guard = no_reload()

    page.get_by_role("link", name="About", exact=True).first.click()
    expect(page.get_by_test_id("about")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/about$"))
    expect(page).to_have_title(re.compile("About"))
    guard.check()

    page.get_by_role("link", name="Home", exact=True).click()
    page.get_by_test_id("post-card").first.get_by_role("link").first.click()
    expect(page.get_by_test_id("post")).to_be_visible()
    guard.check()

    page.get_by_test_id("post-author").click()
    expect(page.get_by_test_id("profile")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/user/"))
    guard.check()
    assert csp_violations == []


def test_back_button_restores_the_previous_page(page: Page, no_reload):
    page.goto("/")
    guard = no_reload()
    page.get_by_role("link", name="About", exact=True).first.click()
    expect(page.get_by_test_id("about")).to_be_visible()

    page.go_back()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_test_id("home")).to_be_visible()
    page.go_forward()
    expect(page.get_by_test_id("about")).to_be_visible()
    guard.check()


def test_missing_page_shows_the_404_page(page: Page):
    response = page.goto("/user/nobody-at-all")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_test_id("error")).to_contain_text("Not found")
