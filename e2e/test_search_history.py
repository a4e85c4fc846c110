"""Typing a search adds one history entry, not one per pause: Back leaves the search."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import rows


def history_length(page: Page) -> int:
    return page.evaluate("history.length")


@pytest.mark.no_reload
def test_one_typed_search_is_one_history_entry(users_page: Page):
    page = users_page
    before = history_length(page)
    box = page.get_by_role("searchbox", name="Search users")
    # Pauses longer than the search's delay: each one asks the server and changes the URL.
    for letter in "e2e-adm":
        box.press_sequentially(letter)
        page.wait_for_timeout(350)
    expect(page).to_have_url(re.compile(r"[?&]q=e2e-adm"))
    expect(rows(page)).to_have_count(1)
    box.press("Enter")
    page.wait_for_timeout(300)
    assert history_length(page) == before + 1

    page.go_back()
    expect(page).to_have_url(re.compile(r"/users$"))
    expect(page.get_by_role("searchbox", name="Search users")).to_have_value("")
    expect(rows(page)).not_to_have_count(1)


@pytest.mark.no_reload
def test_each_settled_search_is_its_own_entry(users_page: Page):
    page = users_page
    box = page.get_by_role("searchbox", name="Search users")
    box.press_sequentially("ada", delay=350)
    expect(page).to_have_url(re.compile(r"[?&]q=ada"))
    box.blur()  # settled: the next search is a new entry
    box.fill("")
    box.press_sequentially("bea", delay=350)
    expect(page).to_have_url(re.compile(r"[?&]q=bea"))
    page.go_back()
    expect(page).to_have_url(re.compile(r"[?&]q=ada$"))
    expect(box).to_have_value("ada")
    page.go_back()
    expect(page).to_have_url(re.compile(r"/users$"))
