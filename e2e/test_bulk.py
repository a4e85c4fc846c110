"""Bulk actions in a real browser: select across pages, every match, confirm, one undo; all
without a full page load."""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import Page, expect

from roster import create_app
from roster.extensions import db
from roster.users.models import User

HOW_MANY = 30  # more than a page (25)


@pytest.fixture
def crowd(server_env: dict[str, str], live_server: str) -> str:
    """HOW_MANY users of this test's own, named `<prefix>-NN`: the search for the prefix shows
    only them, on two pages. Written straight into the server's database."""
    prefix = f"bulk{secrets.token_hex(3)}"
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": server_env["DATABASE_URL"], "SECRET_KEY": "e2e-fixture"}
    )
    with app.app_context():
        for n in range(HOW_MANY):
            user = User(username=f"{prefix}-{n:02}", email=f"{prefix}-{n:02}@example.com")
            user.set_unusable_password()
            db.session.add(user)
        db.session.commit()
        db.engine.dispose()
    return prefix


def search(page: Page, prefix: str) -> None:
    page.get_by_role("searchbox", name="Search users").fill(prefix)
    expect(page).to_have_url(re.compile(rf"q={prefix}"))
    expect(page.get_by_test_id("user-row")).to_have_count(25)


def box(page: Page, name: str):
    return page.get_by_role("checkbox", name=f"Select {name}")


@pytest.mark.no_reload
def test_a_selection_survives_paging_and_shift_click_ticks_a_range(users_page: Page, crowd):
    page = users_page
    search(page, crowd)
    page.get_by_role("link", name=re.compile("Username")).click()  # sorted by username
    expect(page).to_have_url(re.compile(r"sort=username"))
    box(page, f"{crowd}-00").click()
    box(page, f"{crowd}-03").click(modifiers=["Shift"])
    for n in range(4):
        expect(box(page, f"{crowd}-{n:02}")).to_be_checked()
    expect(box(page, f"{crowd}-04")).not_to_be_checked()
    expect(page.get_by_test_id("selection-count")).to_contain_text("4 selected")
    page.get_by_test_id("next-page").click()
    expect(box(page, f"{crowd}-29")).to_be_visible()
    box(page, f"{crowd}-29").click()
    expect(page.get_by_test_id("selection-count")).to_contain_text("5 selected")
    page.get_by_test_id("previous-page").click()
    expect(box(page, f"{crowd}-02")).to_be_checked()
    page.get_by_test_id("bulk-action").select_option("deactivate")
    page.get_by_test_id("apply-bulk").click()
    confirm = page.get_by_test_id("bulk-confirm")
    expect(confirm).to_contain_text("Deactivate 5 users?")
    confirm.get_by_test_id("cancel-bulk").click()
    expect(page.get_by_test_id("bulk-bar")).to_be_visible()
    expect(box(page, f"{crowd}-01")).to_be_checked()
    page.get_by_test_id("clear-selection").click()
    expect(box(page, f"{crowd}-01")).not_to_be_checked()
    expect(page.get_by_test_id("clear-selection")).to_be_hidden()


@pytest.mark.no_reload
def test_delete_every_match_across_pages_then_undo_as_one(users_page: Page, crowd):
    page = users_page
    search(page, crowd)
    page.get_by_test_id("select-page").check()
    expect(page.get_by_test_id("selection-count")).to_contain_text("25 selected")
    page.get_by_test_id("select-matching").check()
    expect(page.get_by_test_id("selection-count")).to_contain_text("Every matching user")
    page.get_by_test_id("next-page").click()
    expect(page.get_by_test_id("user-row")).to_have_count(HOW_MANY - 25)
    expect(page.get_by_test_id("select-matching")).to_be_checked()
    for checkbox in page.locator('#users-rows input[name="ids"]').all():
        expect(checkbox).to_be_checked()
    page.get_by_test_id("bulk-action").select_option("delete")
    page.get_by_test_id("apply-bulk").click()
    confirm = page.get_by_test_id("bulk-confirm")
    expect(confirm).to_contain_text(f"Delete {HOW_MANY} users?")
    confirm.get_by_test_id("confirm-bulk").click()
    toast = page.get_by_test_id("toast").filter(has_text=f"Deleted {HOW_MANY} users.")
    expect(toast).to_be_visible()
    expect(page.get_by_test_id("users-empty")).to_be_visible()
    expect(page.get_by_test_id("select-matching")).not_to_be_checked()
    toast.get_by_role("button", name="Undo").click()
    expect(
        page.get_by_test_id("toast").filter(has_text=f"Restored {HOW_MANY} users.")
    ).to_be_visible()
    expect(toast).to_have_count(0)
    expect(page).not_to_have_url(re.compile(r"after="))
    expect(page.get_by_test_id("user-row")).to_have_count(25)
    expect(page.get_by_test_id("user-count")).to_have_text(f"{HOW_MANY} users")
