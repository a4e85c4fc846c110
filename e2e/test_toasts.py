"""Toasts stay out of the way: in the sticky header's band, never over the table's controls,
at most three at once, and the close button works without JavaScript too."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.helpers import ADMIN, create_user, delete_row, rows, sign_in

SIZES = {"desktop": (1280, 800), "phone": (390, 844)}
CONTROLS = "main a, main button, main input, main select, main summary, main textarea"


def add_users(page: Page, names: list[str]) -> None:
    """Add users one after another through the form (opened once), each answer a toast."""
    create_user(page, names[0])
    form = page.locator("#create-user-form")
    for name in names[1:]:
        form.get_by_label("Username").fill(name)
        form.get_by_label("Email").fill(f"{name}@example.com")
        form.get_by_label("Password").fill("a long enough password")
        form.get_by_role("button", name="Add user").click()
        expect(rows(page).filter(has_text=name)).to_be_visible()


def overlaps(page: Page, selector: str) -> list[str]:
    """Each control on screen (below the sticky header) that a shown toast's box intersects."""
    return page.evaluate(
        """([selector]) => {
            const below = document.getElementById('site-nav').getBoundingClientRect().bottom;
            const toasts = [...document.querySelectorAll('#toasts > .toast')]
                .map((t) => t.getBoundingClientRect()).filter((r) => r.width && r.height);
            const seen = (r) => ({ ...r.toJSON(), top: Math.max(r.top, below) });
            const hit = (a, b) => a.left < b.right && b.left < a.right
                && a.top < b.bottom && b.top < a.bottom;
            return [...document.querySelectorAll(selector)]
                .map((c) => [c, seen(c.getBoundingClientRect())])
                .filter(([, r]) => r.width && r.height && r.top < r.bottom && r.top < innerHeight)
                .filter(([, r]) => toasts.some((t) => hit(t, r)))
                .map(([c]) => c.outerHTML.slice(0, 80));
        }""",
        [selector],
    )


@pytest.mark.parametrize("size", SIZES)
def test_toasts_cover_no_control_of_the_table(page: Page, size):
    page.set_viewport_size(dict(zip(("width", "height"), SIZES[size], strict=True)))
    sign_in(page)
    page.goto("/users")
    names = [f"e2e-toast-{size}-{n}" for n in range(3)]
    add_users(page, names)
    expect(page.get_by_test_id("toast")).not_to_have_count(0)
    assert overlaps(page, CONTROLS) == []
    # Delete the last row of the page: on a phone the table is scrolled to the bottom.
    last = rows(page).last
    last.scroll_into_view_if_needed()
    username = last.get_by_role("link").first.inner_text()
    delete_row(page, username)
    expect(page.get_by_test_id("toast").filter(has_text=f"Deleted {username}")).to_be_visible()
    assert overlaps(page, CONTROLS) == []
    assert overlaps(page, "#users-rows tr:last-child") == []


def test_at_most_three_toasts_the_oldest_dropped(users_page: Page):
    page = users_page
    names = [f"e2e-many-{n}" for n in range(4)]
    add_users(page, names)
    toasts = page.get_by_test_id("toast")
    expect(toasts).to_have_count(3)
    expect(toasts.filter(has_text=f"Created {names[0]}")).to_have_count(0)
    expect(toasts.last).to_contain_text(f"Created {names[-1]}")


def test_the_close_button_works_without_javascript(browser: Browser, base_url: str):
    context = browser.new_context(java_script_enabled=False, base_url=base_url)
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("Username or email").fill(ADMIN["username"])
    page.get_by_label("Password").fill(ADMIN["password"])
    page.get_by_test_id("login-submit").click()
    toast = page.get_by_test_id("toast").filter(has_text="Welcome back")
    expect(toast).to_be_visible()
    url = page.url
    toast.get_by_label("Dismiss").click()
    expect(toast).to_be_hidden()
    assert page.url == url, "closed in place: no request"
    context.close()


def test_the_close_button_removes_the_toast(users_page: Page):
    page = users_page
    create_user(page, "e2e-closed")
    toast = page.get_by_test_id("toast").filter(has_text="Created e2e-closed")
    toast.get_by_label("Dismiss").click()
    expect(toast).to_have_count(0)
