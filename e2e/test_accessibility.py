"""axe-core on every page and the main fragment states (light and dark mode); visible focus."""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect

from e2e.accessibility import assert_accessible
from e2e.helpers import ADMIN, register, sign_in
from roster.catalog.registry import ENTRIES, Entry

MEMBER_PASSWORD = "a11y member password"
PAGES = {
    "home": "/",
    "about": "/about",
    "login": "/login",
    "register": "/register",
    "missing": "/user/nobody-at-all",
}


def catalog_url(entry: Entry) -> str:
    query = {**({"block": entry.block} if entry.block else {}), "state": entry.state}
    return f"/_catalog/page/{entry.template}?{urlencode(query)}"


@pytest.mark.parametrize("path", PAGES.values(), ids=PAGES.keys())
def test_pages_have_no_serious_violations(page: Page, path: str):
    page.goto(path)
    assert_accessible(page)


def test_profile_and_post_have_no_serious_violations(page: Page):
    page.goto("/")
    page.get_by_test_id("post-card").first.get_by_role("link").first.click()
    expect(page.get_by_test_id("post")).to_be_visible()
    assert_accessible(page)
    page.get_by_test_id("post-author").click()
    expect(page.get_by_test_id("profile")).to_be_visible()
    assert_accessible(page)


def test_signed_in_pages_and_toasts_have_no_serious_violations(page: Page):
    sign_in(page)
    expect(page.get_by_test_id("toast")).to_be_visible()
    assert_accessible(page)
    page.get_by_test_id("nav-user").click()
    expect(page.get_by_test_id("profile")).to_be_visible()
    assert_accessible(page)


def test_forms_with_errors_have_no_serious_violations(page: Page):
    page.goto("/login")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("field-error").first).to_be_visible()
    assert_accessible(page)
    page.goto("/register")
    page.get_by_label("Username").fill("a!")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_test_id("field-error").first).to_be_visible()
    assert_accessible(page)


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda entry: entry.anchor)
def test_catalog_states_have_no_serious_violations(page: Page, entry: Entry):
    page.goto(catalog_url(entry))
    assert_accessible(page)


@pytest.mark.parametrize(("path", "stop"), [("/", "Skip to content"), ("/login", "Sign in")])
def test_focus_is_visible_on_every_control(page: Page, path: str, stop: str):
    """Tab through the page: each stop draws an outline (the :focus-visible rule)."""
    page.goto(path)
    seen = set()
    for _ in range(12):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => {
                const el = document.activeElement;
                const style = getComputedStyle(el);
                return {tag: el.tagName, name: el.textContent.trim() || el.name || el.id,
                        outline: style.outlineStyle, width: parseFloat(style.outlineWidth)};
            }"""
        )
        if focused["tag"] == "BODY":
            break
        seen.add(focused["name"])
        assert focused["outline"] != "none", focused
        assert focused["width"] >= 2, focused
    assert stop in seen
    assert len(seen) >= 4


def test_dark_mode_follows_the_system_setting(page: Page):
    page.goto("/")
    background = "() => getComputedStyle(document.body).backgroundColor"
    page.emulate_media(color_scheme="light")
    assert page.evaluate(background) == "rgb(247, 248, 250)"
    page.emulate_media(color_scheme="dark")
    assert page.evaluate(background) == "rgb(18, 21, 28)"


def test_the_check_names_a_control_without_an_accessible_name(page: Page):
    page.goto("/about")
    page.evaluate("() => document.getElementById('main').append(document.createElement('button'))")
    with pytest.raises(AssertionError, match="critical button-name"):
        assert_accessible(page)


# ==== the merged screens: the live user table, profile and post forms, password ====


def test_users_table_and_its_states_have_no_serious_violations(page: Page):
    """The table, a search without results, a row in edit mode, the delete confirm, bad create."""
    sign_in(page)
    page.get_by_test_id("nav-users").click()
    expect(page.locator("#users-table")).to_be_visible()
    assert_accessible(page)

    search = page.get_by_role("searchbox", name="Search users")
    search.fill("no such user at all")
    expect(page.get_by_test_id("users-empty")).to_be_visible()
    assert_accessible(page)
    search.fill("")
    expect(page.get_by_test_id("user-row").first).to_be_visible()

    rows = page.get_by_test_id("user-row")
    first = page.locator("#" + rows.first.get_attribute("id"))
    first.get_by_role("link", name=re.compile("^Edit ")).click()
    expect(first.get_by_label("Username")).to_be_focused()
    first.get_by_label("Email").fill("not an email")
    first.get_by_role("button", name="Save").click()
    expect(first.get_by_test_id("field-error")).to_be_visible()
    assert_accessible(page)
    first.get_by_role("link", name="Cancel").click()

    # Another user than the first and than oneself (nobody deletes their own row).
    others = rows.filter(has_not_text=ADMIN["username"])
    other = page.locator("#" + others.nth(1).get_attribute("id"))
    other.get_by_role("link", name=re.compile("^Delete ")).click()
    expect(other.get_by_test_id("confirm-delete")).to_be_visible()
    assert_accessible(page)
    other.get_by_role("link", name="Cancel").click()

    page.get_by_text("Add a user").click()
    page.get_by_role("button", name="Add user").click()
    expect(page.locator("#create-user-form").get_by_test_id("field-error").first).to_be_visible()
    assert_accessible(page)


def test_the_table_announces_its_count_politely(page: Page):
    sign_in(page)
    page.goto("/users")
    status = page.get_by_test_id("users-status")
    expect(status).to_have_attribute("aria-live", "polite")
    expect(status.get_by_test_id("user-count")).to_be_visible()
    # The region must outlive the swap: screen readers announce changes to a region they know.
    status.evaluate("(region) => { region.rosterSeen = true; }")
    page.get_by_role("searchbox", name="Search users").fill("e2e-adm")
    expect(status).to_contain_text("1 user")
    # The search has settled (its address is pushed) before the sort click, as a reader's would.
    expect(page).to_have_url(re.compile(r"q=e2e-adm"))
    assert status.evaluate("(region) => region.rosterSeen") is True
    page.get_by_role("columnheader", name="Username").get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"sort=username"))
    expect(page.get_by_role("columnheader", name="Username")).to_have_attribute(
        "aria-sort", "ascending"
    )
    assert status.evaluate("(region) => region.rosterSeen") is True


def test_profile_post_and_password_forms_have_no_serious_violations(page: Page):
    """As a new member: profile form, a post's edit form and delete confirm, password page."""
    username = f"a11y-{uuid.uuid4().hex[:8]}"
    register(page, username, MEMBER_PASSWORD)
    expect(page.get_by_test_id("profile-name")).to_have_text(username)

    page.get_by_test_id("edit-profile").click()
    form = page.get_by_test_id("profile-form")
    form.get_by_label("Email").fill("not an email")
    page.get_by_test_id("save-profile").click()
    expect(form.get_by_test_id("field-error")).to_be_visible()
    assert_accessible(page)
    page.get_by_test_id("cancel-profile-edit").click()

    page.get_by_label("Title").fill("Accessible post")
    page.get_by_label("Text").fill("Checked by axe.")
    page.get_by_test_id("publish-post").click()
    page.get_by_role("link", name="Accessible post").click()
    expect(page.get_by_test_id("post")).to_be_visible()
    page.get_by_test_id("edit-post").click()
    expect(page.get_by_test_id("post-form")).to_be_visible()
    assert_accessible(page)
    page.get_by_test_id("cancel-post-edit").click()
    page.get_by_test_id("delete-post").click()
    expect(page.get_by_test_id("delete-confirm")).to_be_visible()
    assert_accessible(page)

    page.goto("/account/password")
    assert_accessible(page)
    page.get_by_test_id("change-password-submit").click()
    expect(page.get_by_test_id("field-error").first).to_be_visible()
    assert_accessible(page)
