"""README screenshots: `make screenshots` rewrites docs/screenshots/<screen>-<size>.png.

Not collected by a plain `pytest` run (the name does not start with test_); the Makefile names
it. The e2e server is seeded with a fixed random seed and date, so the pictures only change
when the site does. One line per screen in SCREENS; README.md shows one table row per screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page

from e2e.helpers import sign_in

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@dataclass(frozen=True)
class Screen:
    name: str
    path: str
    admin: bool = False  # sign in as the e2e admin first
    scroll_to: str = ""  # a selector: the picture starts there (below the sticky header)


SCREENS = [
    Screen("home", "/"),
    Screen("profile", "/user/nadia.eze10"),
    Screen("login", "/login"),
    # Sorted by username: the e2e admin (created today) stays out of the picture.
    Screen("users", "/users?sort=username", admin=True),
    Screen("users-table", "/users?sort=username", admin=True, scroll_to="#users-table"),
]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("screen", SCREENS, ids=lambda screen: screen.name)
def test_screenshot(page: Page, screen: Screen, size: str):
    page.set_viewport_size(SIZES[size])
    page.emulate_media(color_scheme="light", reduced_motion="reduce")
    if screen.admin:
        sign_in(page)
    response = page.goto(screen.path)
    assert response is not None
    assert response.ok, f"{screen.path} answered {response.status}"
    if screen.scroll_to:
        page.locator(screen.scroll_to).evaluate("element => element.scrollIntoView()")
    page.screenshot(path=OUT / f"{screen.name}-{size}.png", animations="disabled")
