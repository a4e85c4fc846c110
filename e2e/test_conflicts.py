"""Two admins editing one user at once, in a real browser: the later save shows both sides and
offers Keep mine and Take theirs, in place, without a page load."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from e2e.accessibility import assert_accessible
from e2e.helpers import sign_in


def save_elsewhere(page: Page, user_path: str, display_name: str) -> None:
    """Another admin (another tab) saves the user first."""
    other = page.context.new_page()
    other.goto(f"{user_path}/edit")
    edit_row = other.locator(".edit-row")
    edit_row.get_by_label("Display name").fill(display_name)
    edit_row.get_by_role("button", name="Save").click()
    expect(other.get_by_test_id("toast")).to_contain_text("Saved")
    other.close()


@pytest.mark.no_reload
def test_keep_mine_and_take_theirs(page: Page, csp_violations: list[str]):
    sign_in(page)
    page.get_by_test_id("nav-users").click()
    page.get_by_text("Add a user").click()
    form = page.locator("#create-user-form")
    form.get_by_label("Username").fill("e2e-conflict")
    form.get_by_label("Email").fill("e2e-conflict@example.com")
    form.get_by_role("button", name="Add user").click()
    row = page.get_by_test_id("user-row").filter(has_text="e2e-conflict")
    target = page.locator("#" + row.get_attribute("id"))
    user_path = "/users/" + row.get_attribute("id").removeprefix("user-")

    target.get_by_role("link", name="Edit e2e-conflict").click()
    target.get_by_label("Display name").fill("Mine")
    save_elsewhere(page, user_path, "Theirs")
    target.get_by_role("button", name="Save").click()
    conflict = target.get_by_test_id("conflict")
    expect(conflict).to_contain_text("Someone else saved e2e-conflict")
    field = conflict.locator('[data-field="display_name"]')
    expect(field.get_by_test_id("theirs")).to_have_text("Theirs")
    expect(field.get_by_test_id("mine")).to_have_text("Mine")
    expect(target.get_by_test_id("keep-mine")).to_be_focused()
    assert_accessible(page, f"#{row.get_attribute('id')}")

    # Take theirs: the form again, with what they saved.
    target.get_by_test_id("take-theirs").click()
    expect(target.get_by_test_id("conflict")).to_have_count(0)
    expect(target.get_by_label("Display name")).to_have_value("Theirs")

    # Keep mine: typed over their next save, and saved.
    target.get_by_label("Display name").fill("Mine at last")
    save_elsewhere(page, user_path, "Theirs again")
    target.get_by_role("button", name="Save").click()
    target.get_by_test_id("keep-mine").click()
    expect(target).to_contain_text("Mine at last")
    expect(target.get_by_role("link", name="Edit e2e-conflict")).to_be_visible()
    assert csp_violations == []
    expect(page).to_have_url(re.compile(r"/users$"))
