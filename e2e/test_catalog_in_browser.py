"""The fragment catalog in a browser: strict CSP, labelled specimens, toasts that stay."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from e2e.helpers import sign_in
from roster.catalog.registry import ENTRIES


def test_the_catalog_shows_every_entry_under_the_strict_csp(page: Page, csp_violations):
    page.goto("/_catalog/")
    entries = page.get_by_test_id("catalog-entry")
    expect(entries).to_have_count(len(ENTRIES))
    rtl = page.get_by_role("article", name="profiles/profile.html · content · right-to-left")
    expect(rtl.get_by_test_id("profile-name")).to_have_text("ليلى حداد")
    assert csp_violations == []


def test_catalog_toasts_do_not_time_out_but_real_ones_do(page: Page):
    page.clock.install()
    page.goto("/_catalog/page/components/toasts_oob.html?state=toasts")
    # The state has four; at most three show at once, there as anywhere (the oldest dropped).
    specimen_toasts = page.locator(".catalog-specimen").get_by_test_id("toast")
    expect(specimen_toasts).to_have_count(3)
    page.clock.run_for(60_000)
    expect(specimen_toasts).to_have_count(3)

    sign_in(page)
    expect(page.get_by_test_id("toast")).to_contain_text("Welcome back")
    page.clock.run_for(60_000)
    expect(page.get_by_test_id("toast")).to_have_count(0)


def test_a_fragment_alone_is_only_the_block(page: Page):
    page.goto("/_catalog/")
    entry = page.get_by_role("article", name="auth/login.html · login_form · validation-errors")
    entry.get_by_role("link", name="Fragment alone").click()
    expect(page.get_by_test_id("field-error").first).to_be_visible()
    expect(page.locator("#site-nav")).to_have_count(0)
