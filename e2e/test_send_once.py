"""A form that changes data sends once: a double click or Enter twice publishes one post."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page, Route, expect

from e2e.helpers import register

PASSWORD = "e2e member password"


@pytest.fixture
def post_form(page: Page):
    """A new member's own profile; returns the post form (`data-testid="post-form"`)."""
    username = f"e2e-{uuid.uuid4().hex[:10]}"
    register(page, username, PASSWORD)
    expect(page.get_by_test_id("profile-name")).to_have_text(username)
    form = page.get_by_test_id("post-form")
    # The profile came by a swap: htmx takes the form once it has processed it, not before.
    expect(form).to_have_attribute("data-htmx-powered", "true")
    return form


def fill(form, title: str) -> None:
    form.get_by_label("Title").fill(title)
    form.get_by_label("Text").fill("Sent with some impatience.")


def published(page: Page, title: str, *, toast_shown: bool = True):
    """One post, one toast at most. `toast_shown`: the toast is still up (it leaves after a
    few seconds, which a slow machine may reach by a later check)."""
    expect(page.get_by_test_id("post-count")).to_have_text("1 post")
    expect(page.get_by_test_id("post-card")).to_have_count(1)
    expect(page.get_by_test_id("post-card")).to_contain_text(title)
    toasts = page.get_by_test_id("toast").filter(has_text="Your post is published.")
    if toast_shown:
        expect(toasts).to_have_count(1)
    assert toasts.count() <= 1
    expect(page.get_by_test_id("field-error")).to_have_count(0)


@pytest.mark.no_reload
def test_double_clicking_publish_publishes_one_post(page: Page, post_form, csp_violations):
    fill(post_form, "Double click")
    post_form.get_by_test_id("publish-post").dblclick()
    published(page, "Double click")
    # The new post's heading has the focus, not <body>.
    expect(page.get_by_test_id("post-card").get_by_role("heading")).to_be_focused()
    page.wait_for_timeout(500)  # a second request would have landed by now
    published(page, "Double click", toast_shown=False)
    assert csp_violations == []


@pytest.mark.no_reload
def test_pressing_enter_twice_publishes_one_post(page: Page, post_form):
    fill(post_form, "Enter twice")
    post_form.get_by_label("Title").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    published(page, "Enter twice")
    page.keyboard.press("Enter")  # and again, where the focus went: the new post's heading
    page.wait_for_timeout(500)
    published(page, "Enter twice", toast_shown=False)


@pytest.mark.no_reload
def test_the_form_is_busy_while_it_sends(page: Page, post_form):
    """A slow answer: the button is disabled and the form marked busy until it lands."""
    held: list[Route] = []
    page.route("**/posts", lambda route: held.append(route))
    fill(post_form, "Slow answer")
    post_form.get_by_test_id("publish-post").click()
    expect(post_form).to_have_attribute("aria-busy", "true")
    expect(post_form.get_by_test_id("publish-post")).to_be_disabled()
    post_form.get_by_label("Title").press("Enter")
    post_form.get_by_test_id("publish-post").click(force=True)
    page.wait_for_timeout(300)
    assert len(held) == 1, "one request while the first is in flight"
    held[0].continue_()
    published(page, "Slow answer")
    expect(page.get_by_test_id("post-form")).not_to_have_attribute("aria-busy", "true")
    expect(page.get_by_test_id("publish-post")).to_be_enabled()


@pytest.mark.no_reload
def test_a_second_click_landing_on_the_fresh_form_sends_nothing(page: Page, post_form):
    """The answer lands between the two clicks of a double click: the second one is ignored."""
    fill(post_form, "Fast answer")
    post_form.get_by_test_id("publish-post").click()
    published(page, "Fast answer")
    box = page.get_by_test_id("publish-post").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    # The double click's second click (click count 2), on the new form's button.
    page.mouse.down(click_count=2)
    page.mouse.up(click_count=2)
    page.wait_for_timeout(500)
    published(page, "Fast answer", toast_shown=False)


@pytest.mark.no_reload
def test_publishing_with_an_error_focuses_the_first_invalid_field(page: Page, post_form):
    post_form.get_by_label("Text").fill("No title")
    post_form.get_by_test_id("publish-post").click()
    expect(page.get_by_test_id("field-error")).to_have_count(1)
    expect(page.get_by_test_id("post-form").get_by_label("Title")).to_be_focused()


@pytest.mark.no_reload
def test_a_form_htmx_has_yet_to_take_does_not_leave_as_a_plain_post(page: Page, post_form):
    """Between a swap and htmx processing the new form, an Enter in it sends nothing."""
    sent: list[str] = []
    page.on("request", lambda request: request.method == "POST" and sent.append(request.url))
    # The form as a swap leaves it before htmx processes it: a copy htmx has not seen.
    post_form.evaluate(
        "form => { const fresh = form.cloneNode(true);"
        " fresh.removeAttribute('data-htmx-powered'); form.replaceWith(fresh); }"
    )
    fill(post_form, "Not yet")
    post_form.get_by_label("Title").press("Enter")
    page.wait_for_timeout(300)
    assert sent == []
    post_form.evaluate("form => htmx.process(form)")
    post_form.get_by_label("Title").press("Enter")
    published(page, "Not yet")
