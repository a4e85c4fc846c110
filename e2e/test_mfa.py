"""Two-factor sign-in in a browser: set up from the key the page shows, sign in with a code
and with a recovery code, then take one's data home."""

from __future__ import annotations

import json
import re
import time
import uuid
from pathlib import Path

import pyotp
from playwright.sync_api import Page, expect

from e2e.accessibility import assert_accessible
from e2e.helpers import NoReload, register
from roster.mail.testing import MailServer

PASSWORD = "two factor e2e password"
# Answers that wait for a mail server's acknowledgement (at most MAIL_WAIT_SECONDS, 3 s).
MAIL_ANSWER_MS = 10_000


def password_step(page: Page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile("/login/mfa$"))


def code_step(page: Page, code: str) -> None:
    page.get_by_role("textbox", name="Code").fill(code)
    page.get_by_test_id("mfa-submit").click()
    expect(page.get_by_test_id("nav-user")).to_be_visible()


def sign_out(page: Page) -> None:
    page.get_by_test_id("sign-out").click()
    expect(page.get_by_test_id("nav-sign-in")).to_be_visible()


def test_two_factor_sign_in_from_setup_to_recovery_code(page: Page, mail_server: MailServer):
    name = f"twofactor-{uuid.uuid4().hex[:8]}"
    register(page, name, PASSWORD)
    expect(page.get_by_test_id("nav-user")).to_be_visible(timeout=MAIL_ANSWER_MS)

    page.get_by_test_id("account-mfa").click()
    expect(page).to_have_url(re.compile("/account/mfa$"))
    expect(page.get_by_role("img", name="QR code of your two-factor key")).to_be_visible()
    assert_accessible(page)
    secret = page.get_by_test_id("mfa-secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)

    # A wrong code is answered in place; the right one shows the recovery codes, no reload.
    stays = NoReload(page)
    page.get_by_role("textbox", name="Code").fill("000000")
    page.get_by_test_id("mfa-turn-on").click()
    expect(page.get_by_test_id("field-error")).to_contain_text("does not work")
    page.get_by_role("textbox", name="Code").fill(totp.now())
    page.get_by_test_id("mfa-turn-on").click()
    expect(page.get_by_test_id("recovery-code")).to_have_count(10)
    stays.check()
    assert_accessible(page)
    codes = page.get_by_test_id("recovery-code").all_inner_texts()
    notice = mail_server.wait_for(f"{name}@example.com", "Two-factor sign-in is on")
    assert secret not in notice.text

    # The code that confirmed the setup is spent: sign in with the next step's.
    sign_out(page)
    password_step(page, name)
    assert_accessible(page)
    code_step(page, totp.at(time.time() + 30))

    sign_out(page)
    password_step(page, name)
    code_step(page, codes[0])
    expect(page.get_by_test_id("toast").filter(has_text="recovery code")).to_contain_text("9 left")

    # Spent: the same recovery code is refused next time.
    sign_out(page)
    password_step(page, name)
    page.get_by_role("textbox", name="Code").fill(codes[0])
    page.get_by_test_id("mfa-submit").click()
    expect(page.get_by_test_id("field-error")).to_contain_text("does not work")
    code_step(page, codes[1])

    page.get_by_test_id("nav-user").click()
    with page.expect_download() as download:
        page.get_by_test_id("account-data").click()
    assert download.value.suggested_filename == f"roster-{name}.json"
    data = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert data["profile"]["username"] == name
    actions = [entry["action"] for entry in data["audit"]]
    assert "mfa.enable" in actions
    assert actions.count("mfa.recovery_code") == 2
    assert secret not in json.dumps(data)
