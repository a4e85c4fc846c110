"""The audit log in a real browser: an admin's edit shows up there, found through the filters."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from e2e.accessibility import assert_accessible
from e2e.helpers import ADMIN, sign_in
from e2e.test_users import create_user
from e2e.test_users import row as user_row

USERNAME = "e2e-audited"


@pytest.mark.no_reload
def test_an_admin_edit_is_found_on_the_audit_log_by_filter(page: Page, csp_violations: list[str]):
    sign_in(page)
    page.get_by_test_id("nav-users").click()
    expect(page).to_have_url(re.compile(r"/users$"))
    create_user(page, USERNAME)
    # By id: in edit mode the row's text moves into inputs.
    row = page.locator("#" + user_row(page, USERNAME).get_attribute("id"))
    row.get_by_role("link", name=f"Edit {USERNAME}").click()
    row.get_by_label("Display name").fill("Audited Person")
    row.get_by_role("button", name="Save").click()
    expect(row).to_contain_text("Audited Person")

    page.get_by_test_id("nav-audit").click()
    expect(page).to_have_url(re.compile(r"/audit$"))
    entries = page.get_by_test_id("audit-entry")
    expect(entries.first).to_be_visible()
    page.get_by_label("About user").fill(USERNAME)
    expect(page).to_have_url(re.compile(rf"[?&]user={USERNAME}"))
    # Created, then updated: both about this user, newest first.
    expect(entries).to_have_count(2)
    expect(entries.first).to_contain_text("Updated user")
    page.get_by_label("Action").select_option(label="Updated user")
    expect(page).to_have_url(re.compile(r"[?&]action=user\.update"))
    expect(entries).to_have_count(1)
    entry = entries.first
    expect(entry).to_contain_text(ADMIN["username"])
    expect(entry).to_contain_text("display_name")
    expect(entry.get_by_role("insertion")).to_have_text("Audited Person")
    assert_accessible(page)

    # A name in an entry filters by that user, the form following along.
    entry.get_by_role("link", name=ADMIN["username"]).click()
    expect(page).to_have_url(re.compile(r"/audit\?actor=\d+$"))
    expect(page.get_by_label("Done by")).not_to_have_value("")
    expect(page.get_by_label("About user")).to_have_value("")
    expect(entries.filter(has_text="Signed in").first).to_be_visible()
    assert csp_violations == []
