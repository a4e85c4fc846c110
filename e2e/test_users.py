"""The live user table in a real browser: every operation happens without a full page load."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import create_user, delete_row, row, rows
from roster.users import policy


def test_search_as_you_type_updates_the_url(users_page: Page, no_reload):
    page = users_page
    guard = no_reload()
    page.get_by_role("searchbox", name="Search users").fill("e2e-adm")
    expect(page).to_have_url(re.compile(r"[?&]q=e2e-adm"))
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("e2e-admin@example.com")
    page.get_by_role("searchbox", name="Search users").fill("no such user at all")
    expect(page.get_by_test_id("users-empty")).to_contain_text("No users match")
    guard.check()
    page.reload()
    expect(page.get_by_role("searchbox", name="Search users")).to_have_value("no such user at all")
    expect(page.get_by_test_id("users-empty")).to_be_visible()


@pytest.mark.no_reload
def test_sort_by_clicking_headers(users_page: Page, no_reload):
    page = users_page
    guard = no_reload()
    header = page.get_by_role("columnheader", name="Username")
    header.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"sort=username"))
    expect(page.get_by_role("columnheader", name="Username")).to_have_attribute(
        "aria-sort", "ascending"
    )
    first = rows(page).first.inner_text()
    page.get_by_role("columnheader", name="Username").get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"sort=-username"))
    expect(page.get_by_role("columnheader", name="Username")).to_have_attribute(
        "aria-sort", "descending"
    )
    expect(rows(page).first).not_to_have_text(first)
    guard.check()


@pytest.mark.no_reload
def test_next_page_then_back_button(users_page: Page, no_reload):
    page = users_page
    guard = no_reload()
    first_page = rows(page).first.inner_text()
    page.get_by_test_id("next-page").click()
    expect(page).to_have_url(re.compile(r"\?after=\S+"))
    expect(rows(page).first).not_to_have_text(first_page)
    expect(page.get_by_test_id("previous-page")).to_be_visible()
    page.go_back()
    expect(page).to_have_url(re.compile(r"/users$"))
    expect(rows(page).first).to_have_text(first_page)
    guard.check()


@pytest.mark.no_reload
def test_create_a_user(users_page: Page, no_reload):
    page = users_page
    guard = no_reload()
    count = page.get_by_test_id("user-count").inner_text()
    create_user(page, "e2e-created")
    expect(rows(page).first).to_contain_text("e2e-created")
    expect(page.get_by_test_id("user-count")).not_to_have_text(count)
    expect(page.get_by_test_id("toast").filter(has_text="Created e2e-created")).to_be_visible()
    # A taken username and a malformed email: both errors at once, not one round each.
    form = page.locator("#create-user-form")
    form.get_by_label("Username").fill("e2e-created")
    form.get_by_label("Email").fill("not an email")
    form.get_by_label("Password").fill("a long enough password")
    form.get_by_role("button", name="Add user").click()
    expect(form.get_by_test_id("field-error")).to_have_text(
        [policy.USERNAME_TAKEN, policy.EMAIL_MESSAGE]
    )
    form.get_by_label("Username").fill("e2e-created-2")
    form.get_by_label("Email").fill("e2e-created-2@example.com")
    form.get_by_label("Password").fill("a long enough password")
    form.get_by_role("button", name="Add user").click()
    expect(rows(page).first).to_contain_text("e2e-created-2")
    guard.check()


@pytest.mark.no_reload
def test_edit_in_place_with_an_error_then_a_fix(users_page: Page, no_reload):
    page = users_page
    create_user(page, "e2e-editme")
    guard = no_reload()
    # The row keeps its id while it turns into a form (its text moves into inputs).
    target = page.locator("#" + row(page, "e2e-editme").get_attribute("id"))
    target.get_by_role("link", name="Edit e2e-editme").click()
    expect(target.get_by_label("Username")).to_be_focused()
    email = target.get_by_label("Email")
    email.fill("not an email")
    email.press("Enter")
    expect(target.get_by_test_id("field-error")).to_have_text(policy.EMAIL_MESSAGE)
    target.get_by_label("Email").fill("fixed@example.com")
    target.get_by_role("button", name="Save").click()
    expect(target).to_contain_text("fixed@example.com")
    expect(target.get_by_role("link", name="Edit e2e-editme")).to_be_focused()
    # Escape cancels an edit and restores the row.
    target.dblclick()
    target.get_by_label("Display name").fill("Never saved")
    page.keyboard.press("Escape")
    expect(target.get_by_role("link", name="Edit e2e-editme")).to_be_visible()
    expect(target).not_to_contain_text("Never saved")
    guard.check()


@pytest.mark.no_reload
def test_delete_then_undo(users_page: Page, no_reload):
    page = users_page
    create_user(page, "e2e-undo")
    guard = no_reload()
    delete_row(page, "e2e-undo")
    toast = page.get_by_test_id("toast").filter(has_text="Deleted e2e-undo")
    toast.get_by_role("button", name="Undo").click()
    expect(row(page, "e2e-undo")).to_be_visible()
    expect(toast).to_have_count(0)
    guard.check()


def test_delete_for_real(users_page: Page, no_reload):
    page = users_page
    create_user(page, "e2e-gone")
    guard = no_reload()
    delete_row(page, "e2e-gone")
    guard.check()
    page.get_by_role("searchbox", name="Search users").fill("e2e-gone")
    expect(page.get_by_test_id("users-empty")).to_be_visible()
    page.reload()
    expect(page.get_by_test_id("users-empty")).to_be_visible()
