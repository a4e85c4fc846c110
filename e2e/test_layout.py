"""The user table's layout, measured in the browser: nothing scrolls sideways at 1280 or 390 px
(also with an edit and a delete confirmation open), the header keeps its height across
sign-in, columns keep their places across a search, sort, page and no results, and the edit row
lines up with the columns, one at a time, without dropping typed changes unasked."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Dialog, Locator, Page, expect

from e2e.helpers import MODERATOR, row, rows, sign_in

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# Sorted by username: the seeded users, the same on every run (e2e/conftest.py SEED).
TABLE = "/users?sort=username"


def sideways_overflow(page: Page) -> int:
    """How far the table's scroll box (#users-results) scrolls sideways, in px."""
    return page.locator("#users-results").evaluate("box => box.scrollWidth - box.clientWidth")


def column_lefts(page: Page) -> list[float]:
    return page.locator("#users-table thead th").evaluate_all(
        "cells => cells.map(cell => cell.getBoundingClientRect().left)"
    )


def header_height(page: Page) -> float:
    return page.locator("header").evaluate("header => header.getBoundingClientRect().height")


def edges(cells: Locator) -> list[tuple[float, float]]:
    return cells.evaluate_all(
        "cells => cells.map(cell => { const box = cell.getBoundingClientRect();"
        " return [Math.round(box.left), Math.round(box.right)]; })"
    )


def listed(page: Page) -> list[str]:
    """The usernames the table shows, top to bottom."""
    return [name.strip() for name in page.get_by_test_id("user-details-link").all_inner_texts()]


class Dismissed(list[str]):
    """A dialog handler: keeps each question and answers Cancel."""

    def __call__(self, dialog: Dialog) -> None:
        self.append(dialog.message)
        dialog.dismiss()


def open_edit(page: Page, username: str) -> Locator:
    """Click the row's Edit; the edit row, once it is there."""
    row(page, username).get_by_role("link", name=f"Edit {username}").click()
    edit = page.locator(f'.edit-row[data-username="{username}"]')
    expect(edit.get_by_label("Username")).to_have_value(username)
    return edit


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1280px", "390px"])
def test_the_table_never_scrolls_sideways(page: Page, size: dict[str, int]):
    page.set_viewport_size(size)
    sign_in(page)
    page.goto(TABLE)
    expect(rows(page)).not_to_have_count(0)
    assert sideways_overflow(page) <= 0
    usernames = listed(page)
    open_edit(page, usernames[0])
    row(page, usernames[2]).get_by_role("link", name=f"Delete {usernames[2]}").click()
    expect(page.get_by_test_id("delete-confirm")).to_be_visible()
    expect(page.locator(".edit-row")).to_have_count(1)
    assert sideways_overflow(page) <= 0


# Catalog states with the longest content the table shows: trash rows (Restore and Delete for
# good), long names, right to left, an edit row with errors or a conflict, a moderator's table.
CATALOG_STATES = [
    "users/index.html?block=content&state=long-names",
    "users/index.html?block=content&state=right-to-left",
    "users/index.html?block=content&state=moderator",
    "users/index.html?block=results&state=trash-long-names",
    "users/index.html?block=results&state=no-results",
    "users/row.html?block=edit_row&state=long-names",
    "users/row.html?block=edit_row&state=validation-errors",
    "users/row.html?block=edit_row&state=conflict",
    "users/row.html?block=rows&state=confirm",
]


@pytest.mark.parametrize("state", CATALOG_STATES)
@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1280px", "390px"])
def test_no_catalog_state_of_the_table_scrolls_sideways(
    page: Page, size: dict[str, int], state: str
):
    page.set_viewport_size(size)
    page.goto(f"/_catalog/page/{state}")
    expect(page.locator("#users-table")).to_be_visible()
    assert sideways_overflow(page) <= 0


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1280px", "390px"])
def test_the_header_is_as_tall_signed_in_as_signed_out(page: Page, size: dict[str, int]):
    page.set_viewport_size(size)
    page.goto("/about")
    signed_out = header_height(page)
    sign_in(page)
    page.goto("/about")
    assert header_height(page) == signed_out


def test_the_search_box_shows_its_whole_placeholder_on_a_phone(page: Page):
    page.set_viewport_size(PHONE)
    sign_in(page)
    page.goto(TABLE)
    search = page.get_by_role("searchbox", name="Search users")
    assert search.evaluate("box => box.scrollWidth <= box.clientWidth")
    # The placeholder's width, in the box's font, fits inside its padding.
    fits = search.evaluate(
        """box => {
            const style = getComputedStyle(box);
            const context = document.createElement("canvas").getContext("2d");
            context.font = `${style.fontSize} ${style.fontFamily}`;
            const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
            return context.measureText(box.placeholder).width <= box.clientWidth - padding;
        }"""
    )
    assert fits


@pytest.mark.parametrize("account", ["admin", "moderator"])
def test_columns_keep_their_places(page: Page, account: str):
    """A search, a sort, the next page and a search without results move no column."""
    page.set_viewport_size(DESKTOP)
    if account == "moderator":
        sign_in(page, MODERATOR["username"], MODERATOR["password"])
    else:
        sign_in(page)
    page.goto(TABLE)
    expect(rows(page)).not_to_have_count(0)
    before = column_lefts(page)
    search = page.get_by_role("searchbox", name="Search users")

    search.fill("ada")
    expect(page).to_have_url(re.compile(r"q=ada"))
    assert column_lefts(page) == before, "after a search"
    search.fill("")
    expect(page).not_to_have_url(re.compile(r"q=ada"))

    page.locator("#sort-email").click()
    expect(page).to_have_url(re.compile(r"sort=email"))
    assert column_lefts(page) == before, "after a sort"

    page.get_by_test_id("next-page").click()
    expect(page).to_have_url(re.compile(r"after="))
    assert column_lefts(page) == before, "after a page change"

    search.fill("nobody has a name like this")
    expect(page.get_by_test_id("users-empty")).to_be_visible()
    assert column_lefts(page) == before, "with no results"


def test_the_edit_row_lines_up_with_the_columns(page: Page):
    page.set_viewport_size(DESKTOP)
    sign_in(page)
    page.goto(TABLE)
    username = listed(page)[0]
    edit = open_edit(page, username)
    headers = edges(page.locator("#users-table thead th"))
    lefts = {left for left, _ in headers}
    rights = {right for _, right in headers}
    for left, right in edges(edit.locator("td")):
        assert left in lefts, (left, headers)
        assert right in rights, (right, headers)
    # Each field under its own column's header, in the order of the columns.
    for column, label in [
        ("username", "Username"),
        ("name", "Display name"),
        ("email", "Email"),
        ("role", "Role"),
        ("status", "Status"),
    ]:
        field = edit.get_by_label(label, exact=True)
        header = page.locator(f"#users-table thead th.col-{column}")
        assert edges(field.locator("xpath=ancestor::td[1]")) == edges(header), column
    expect(edit.get_by_role("combobox", name="Role")).to_be_visible()
    # One line: the row is hardly taller than a plain one, Save and Cancel side by side.
    assert edit.bounding_box()["height"] < 80
    save = edit.get_by_role("button", name="Save").bounding_box()
    cancel = edit.get_by_role("link", name="Cancel").bounding_box()
    assert save["y"] == cancel["y"]
    # Nothing typed is hidden: the email fits its box.
    email = edit.get_by_label("Email")
    assert email.evaluate("box => box.scrollWidth <= box.clientWidth")


def test_opening_a_second_edit_closes_the_first(page: Page, no_reload):
    sign_in(page)
    page.goto(TABLE)
    guard = no_reload()
    first, second, third = listed(page)[:3]
    open_edit(page, first)
    second_edit = open_edit(page, second)
    expect(page.locator(".edit-row")).to_have_count(1)
    expect(row(page, first).get_by_role("link", name=f"Edit {first}")).to_be_visible()
    # The first row comes back without taking the focus from the second.
    expect(second_edit.get_by_label("Username")).to_be_focused()

    # With something typed, it asks; "Cancel" keeps the first edit as it was.
    second_edit.get_by_label("Display name").fill("Typed")
    questions = Dismissed()
    page.once("dialog", questions)
    with page.expect_event("dialog"):
        row(page, third).get_by_role("link", name=f"Edit {third}").click()
    assert second in questions[0]
    expect(page.locator(".edit-row")).to_have_count(1)
    expect(second_edit.get_by_label("Display name")).to_have_value("Typed")

    # "OK" drops what was typed and opens the other one.
    page.once("dialog", lambda dialog: dialog.accept())
    row(page, third).get_by_role("link", name=f"Edit {third}").click()
    expect(page.locator(f'.edit-row[data-username="{third}"]')).to_be_visible()
    expect(page.locator(".edit-row")).to_have_count(1)
    expect(row(page, second).get_by_role("link", name=f"Edit {second}")).to_be_visible()
    guard.check()


def test_a_sort_page_or_search_asks_before_dropping_typed_changes(page: Page, no_reload):
    sign_in(page)
    page.goto(TABLE)
    guard = no_reload()
    username = listed(page)[0]
    edit = open_edit(page, username)
    edit.get_by_label("Display name").fill("Typed, not saved")
    questions = Dismissed()
    page.on("dialog", questions)
    for change in (
        lambda: page.locator("#sort-email").click(),
        lambda: page.get_by_test_id("next-page").click(),
        lambda: page.get_by_role("searchbox", name="Search users").fill("ada"),
    ):
        with page.expect_event("dialog"):
            change()
        expect(edit.get_by_label("Display name")).to_have_value("Typed, not saved")
    assert len(questions) == 3
    expect(page).to_have_url(re.compile(r"/users\?sort=username$"))
    page.remove_listener("dialog", questions)

    # Without typed changes a sort just goes ahead (nothing to lose).
    edit.get_by_label("Display name").fill(edit.get_by_label("Display name").get_attribute("value"))
    page.locator("#sort-email").click()
    expect(page).to_have_url(re.compile(r"sort=email"))
    expect(page.locator(".edit-row")).to_have_count(0)
    guard.check()
