"""What e2e tests share by import (`from e2e.helpers import sign_in`); fixtures are in conftest."""

from __future__ import annotations

from playwright.sync_api import Page, expect

# Created by the live_server fixture before the server starts.
ADMIN = {
    "username": "e2e-admin",
    "email": "e2e-admin@example.com",
    "password": "e2e admin password",
}
MODERATOR = {
    "username": "e2e-moderator",
    "email": "e2e-moderator@example.com",
    "password": "e2e moderator password",
}


def sign_in(
    page: Page,
    username: str = ADMIN["username"],
    password: str = ADMIN["password"],
    *,
    login_url: str = "/login",
) -> None:
    """Sign in through the form (the e2e admin unless told otherwise) and wait for the nav."""
    page.goto(login_url)
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_test_id("nav-user").wait_for()


def register(page: Page, username: str, password: str) -> None:
    """Register through the form (tests that change data keep to their own account)."""
    page.goto("/register")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email").fill(f"{username}@example.com")
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Confirm password").fill(password)
    page.get_by_test_id("register-submit").click()


class NoReload:
    """Marks the live document; if a navigation reloads the page, the mark is gone."""

    def __init__(self, page: Page) -> None:
        self.page = page
        page.evaluate("window.__rosterMark = 'still here'")

    def check(self) -> None:
        mark = self.page.evaluate("window.__rosterMark")
        assert mark == "still here", "the page was fully reloaded"


class LoadWatch:
    """Records each full document load of the page; htmx swaps and pushState never fire `load`."""

    def __init__(self, page: Page) -> None:
        self.loads: list[str] = []
        page.on("load", lambda loaded: self.loads.append(loaded.url))

    @property
    def reloads(self) -> list[str]:
        return self.loads[1:]


# ---- the user table ----


def rows(page: Page):
    return page.get_by_test_id("user-row")


def row(page: Page, text: str):
    return rows(page).filter(has_text=text)


def create_user(page: Page, username: str) -> None:
    """Through the create form, opened first unless an earlier call left it open."""
    if not page.locator("details.create-user").evaluate("details => details.open"):
        page.get_by_text("Add a user").click()
    form = page.locator("#create-user-form")
    form.get_by_label("Username").fill(username)
    form.get_by_label("Email").fill(f"{username}@example.com")
    form.get_by_label("Password").fill("a long enough password")
    form.get_by_role("button", name="Add user").click()
    expect(row(page, username)).to_be_visible()


def delete_row(page: Page, username: str) -> None:
    """Delete through the inline confirmation, and see the row leave."""
    row(page, username).get_by_role("link", name=f"Delete {username}").click()
    page.get_by_role("button", name=f"Delete {username}").click()
    expect(row(page, username)).to_have_count(0)
