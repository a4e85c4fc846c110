"""The user table's filter bar, trash and export in a real browser, without full page loads."""

from __future__ import annotations

import csv
import io
import re
import secrets

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import create_user, delete_row, row


def create_and_delete(page: Page, username: str) -> None:
    create_user(page, username)
    delete_row(page, username)


@pytest.mark.no_reload
def test_filter_to_the_trash_and_restore_a_user(users_page: Page):
    page = users_page
    username = f"trash-{secrets.token_hex(3)}"
    create_and_delete(page, username)
    page.get_by_label("Status").select_option("deleted")
    expect(page).to_have_url(re.compile(r"[?&]status=deleted"))
    expect(page.get_by_test_id("users-status")).to_contain_text("in the trash")
    trashed = row(page, username)
    expect(trashed).to_contain_text("Deleted")
    # Narrow the trash by search too: the filter stays in the URL beside it.
    page.get_by_role("searchbox", name="Search users").fill(username)
    expect(page).to_have_url(re.compile(rf"q={username}"))
    expect(page).to_have_url(re.compile(r"status=deleted"))
    expect(page.get_by_test_id("user-row")).to_have_count(1)
    trashed.get_by_role("button", name=f"Restore {username}").click()
    expect(page.get_by_test_id("toast").filter(has_text=f"Restored {username}.")).to_be_visible()
    expect(row(page, username)).to_have_count(0)
    page.get_by_label("Status").select_option("")
    expect(page).not_to_have_url(re.compile(r"status="))
    expect(row(page, username)).to_be_visible()
    expect(row(page, username)).to_contain_text("Active")


@pytest.mark.no_reload
def test_back_returns_to_the_previous_filter(users_page: Page):
    page = users_page
    page.get_by_label("Status").select_option("inactive")
    expect(page).to_have_url(re.compile(r"status=inactive"))
    page.get_by_label("Email confirmed").select_option("no")
    expect(page).to_have_url(re.compile(r"verified=no"))
    page.go_back()
    expect(page).to_have_url(re.compile(r"status=inactive$"))
    expect(page.get_by_label("Email confirmed")).to_have_value("")
    expect(page.get_by_label("Status")).to_have_value("inactive")


def test_export_downloads_the_filtered_table(users_page: Page):
    page = users_page
    page.get_by_role("searchbox", name="Search users").fill("e2e-admin")
    expect(page).to_have_url(re.compile(r"q=e2e-admin"))
    expect(page.get_by_test_id("user-row")).to_have_count(1)
    with page.expect_download() as download_info:
        page.get_by_test_id("export-csv").click()
    download = download_info.value
    assert re.fullmatch(r"users-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    with open(download.path(), encoding="utf-8", newline="") as exported:
        header, *lines = list(csv.reader(io.StringIO(exported.read())))
    assert header[:3] == ["id", "username", "display_name"]
    assert [line[1] for line in lines] == ["e2e-admin"]
