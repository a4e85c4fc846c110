"""The automatic no-reload check: what it sees, and an opted-in walk through the site."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import LoadWatch, sign_in


def test_the_watch_sees_full_loads_and_ignores_swaps(page: Page):
    watch = LoadWatch(page)
    page.goto("/")
    page.get_by_role("link", name="About", exact=True).first.click()
    expect(page.get_by_test_id("about")).to_be_visible()
    assert watch.reloads == []
    page.reload()
    expect(page.get_by_test_id("about")).to_be_visible()
    assert len(watch.reloads) == 1


@pytest.mark.no_reload
def test_signing_in_and_browsing_never_reloads(page: Page):
    sign_in(page)
    page.get_by_test_id("nav-user").click()
    expect(page.get_by_test_id("profile")).to_be_visible()
    page.get_by_role("link", name="Home", exact=True).click()
    page.get_by_test_id("post-card").first.get_by_role("link").first.click()
    expect(page.get_by_test_id("post")).to_be_visible()
    page.go_back()
    expect(page.get_by_test_id("home")).to_be_visible()
    page.get_by_test_id("sign-out").click()
    expect(page.get_by_test_id("nav-sign-in")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/$"))
