"""Forgot password: a link by mail (read from a real SMTP server), used once, then sessions end."""

from __future__ import annotations

import logging
import time
from urllib.parse import urlsplit

import pytest
from werkzeug.security import generate_password_hash

from roster.accounts.logs import RedactLinkTokens
from roster.users.models import User, utcnow
from tests.helpers import HX, change, sign_in

NEW_PASSWORD = "a brand new passphrase"
SUBJECT = "Reset your Roster password"
SAME_ANSWER = "If an account matches"


def ask_for_reset(client, identifier: str):
    return client.post("/password/forgot", data={"email": identifier})


def reset_path(mailbox, address: str) -> str:
    """The path of the reset link mailed to `address` (the link itself is on SITE_URL)."""
    return urlsplit(mailbox.wait_for(address, SUBJECT).link("/password/reset/")).path


def choose(client, path: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    return client.post(path, data={"password": password, "confirm": confirm or password})


@pytest.mark.parametrize("identifier", ["member@example.com", "MEMBER", " member "])
def test_a_reset_link_is_mailed_for_an_email_or_a_username(client, member, mailbox, identifier):
    response = ask_for_reset(client, identifier)
    assert response.status_code == 200
    assert SAME_ANSWER in response.get_data(as_text=True)
    mail = mailbox.wait_for("member@example.com", SUBJECT)
    assert mail.sender == "Roster <roster@localhost>"
    link = mail.link("/password/reset/")
    assert link.startswith("http://127.0.0.1:5000/password/reset/")
    assert link in mail.html, "the HTML part carries the same link"
    assert "1 hour" in mail.text


def test_the_answer_is_the_same_for_an_unknown_account(client, member, mailbox):
    known = ask_for_reset(client, "member@example.com")
    unknown = ask_for_reset(client, "nobody@example.com")
    assert unknown.status_code == known.status_code == 200
    assert strip_echo(unknown, "nobody@example.com") == strip_echo(known, "member@example.com")
    mailbox.wait_for("member@example.com", SUBJECT)
    assert mailbox.to("nobody@example.com") == []


def strip_echo(response, typed: str) -> str:
    """The page without the address the visitor typed (and the per-session CSRF token)."""
    html = response.get_data(as_text=True).replace(typed, "")
    return "\n".join(line for line in html.splitlines() if "csrf" not in line)


def test_links_are_on_site_url_whatever_the_host_header(make_app, member, mail_server):
    # Cookies (and so the CSRF session) stay with the real host: this forged one has none.
    app = make_app(SITE_URL="https://roster.example.com", WTF_CSRF_ENABLED=False)
    mail_server.clear()
    response = app.test_client().post(
        "/password/forgot",
        data={"email": "member"},
        headers={"Host": "evil.example.net"},
        csrf=False,
    )
    assert response.status_code == 200
    link = mail_server.wait_for("member@example.com", SUBJECT).link("/password/reset/")
    assert link.startswith("https://roster.example.com/password/reset/")


def test_the_link_sets_a_new_password_once(client, member, mailbox):
    ask_for_reset(client, "member")
    path = reset_path(mailbox, "member@example.com")
    form = client.get(path)
    assert form.status_code == 200
    assert 'name="confirm"' in form.get_data(as_text=True)

    response = choose(client, path)
    assert response.status_code == 303
    assert response.headers["Location"] == "/login"
    sign_in(client, "member", NEW_PASSWORD)

    again = client.get(path)
    assert again.status_code == 410
    assert "already used" in again.get_data(as_text=True)
    assert choose(client, path, "yet another passphrase").status_code == 410


def test_the_owner_is_told_that_the_password_changed(client, member, mailbox):
    ask_for_reset(client, "member")
    choose(client, reset_path(mailbox, "member@example.com"))
    notice = mailbox.wait_for("member@example.com", "password was changed")
    assert "signed out" in notice.text
    assert notice.link("/password/forgot").startswith("http://127.0.0.1:5000/")


def test_a_reset_ends_every_other_session(app, member, mailbox):
    elsewhere = app.test_client()
    sign_in(elsewhere, "member")
    assert elsewhere.get("/account/password").status_code == 200

    visitor = app.test_client()
    ask_for_reset(visitor, "member")
    choose(visitor, reset_path(mailbox, "member@example.com"))

    assert elsewhere.get("/account/password").status_code == 303, "signed out"


def test_a_password_change_kills_an_unused_link(app, client, member, mailbox):
    ask_for_reset(client, "member")
    path = reset_path(mailbox, "member@example.com")
    change(app, User, member.id, password_hash=generate_password_hash("changed another way"))
    assert client.get(path).status_code == 410


def test_the_link_expires(make_app, member, mail_server):
    app = make_app(RESET_LINK_MAX_AGE=1)
    mail_server.clear()
    client = app.test_client()
    client.post("/password/forgot", data={"email": "member"})
    path = reset_path(mail_server, "member@example.com")
    time.sleep(2.1)
    response = client.get(path)
    assert response.status_code == 410
    assert "expired" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token: "x" + token,
        lambda token: "not-a-token",
        lambda token: token.split(".")[0],
    ],
    ids=["signature", "payload", "garbage", "truncated"],
)
def test_a_tampered_link_gets_a_clear_page(client, member, mailbox, mangle):
    ask_for_reset(client, "member")
    token = reset_path(mailbox, "member@example.com").rsplit("/", 1)[1]
    response = client.get(f"/password/reset/{mangle(token)}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'data-testid="link-problem"' in html
    assert "/password/forgot" in html


def test_a_verification_link_is_no_reset_link(client, member, mailbox):
    """Each purpose signs with its own salt: a token from one flow opens no other."""
    ask_for_reset(client, "member")
    token = reset_path(mailbox, "member@example.com").rsplit("/", 1)[1]
    assert client.get(f"/invite/{token}").status_code == 400
    assert client.get(f"/email/verify/{token}").status_code == 400


def test_new_passwords_follow_the_rules(client, member, mailbox):
    ask_for_reset(client, "member")
    path = reset_path(mailbox, "member@example.com")
    assert choose(client, path, "short").status_code == 422
    response = choose(client, path, NEW_PASSWORD, "something else entirely")
    assert response.status_code == 422
    assert "do not match" in response.get_data(as_text=True)
    assert client.get(path).status_code == 200, "a refused form does not use the link up"


def test_inactive_and_deleted_accounts_get_no_mail(client, make_user, mailbox):
    make_user("sleeper", is_active=False)
    make_user("gone", deleted_at=utcnow())
    ask_for_reset(client, "sleeper")
    ask_for_reset(client, "gone")
    ask_for_reset(client, "nobody")
    make_user("witness")
    ask_for_reset(client, "witness")
    mailbox.wait_for("witness@example.com", SUBJECT)
    assert mailbox.to("sleeper@example.com") == []
    assert mailbox.to("gone@example.com") == []


def test_requests_are_limited_per_client_address(make_app, member, mail_server):
    client = make_app(PASSWORD_RESET_RATE_LIMIT="2/minute").test_client()
    assert ask_for_reset(client, "a@example.com").status_code == 200
    assert ask_for_reset(client, "b@example.com").status_code == 200
    response = ask_for_reset(client, "c@example.com")
    assert response.status_code == 429
    assert "Too many requests" in response.get_data(as_text=True)


def test_mails_are_limited_per_account_without_telling(make_app, member, mail_server):
    app = make_app(PASSWORD_RESET_ACCOUNT_RATE_LIMIT="2/hour")
    mail_server.clear()
    client = app.test_client()
    answers = [ask_for_reset(client, name) for name in ("member", "MEMBER", "member")]
    app.extensions["roster.postman"].drain(10)
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert len(mail_server.to("member@example.com")) == 2


def test_no_token_or_password_reaches_roster_logs(client, member, mailbox, caplog):
    caplog.set_level(logging.DEBUG)
    ask_for_reset(client, "member")
    path = reset_path(mailbox, "member@example.com")
    choose(client, path)
    mailbox.wait_for("member@example.com", "password was changed")
    token = path.rsplit("/", 1)[1]
    # The test SMTP server (aiosmtpd's "mail.log") logs whole messages: it is not Roster.
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("roster")]
    assert any("sent to member@example.com" in line for line in ours), "sending is logged"
    assert not [line for line in ours if token in line or NEW_PASSWORD in line]


def test_the_request_log_hides_link_tokens(caplog):
    """The development server logs each request line; a link's token is replaced there."""
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '%s - - "%s" %s',
        ("127.0.0.1", "GET /password/reset/abc.def-ghi HTTP/1.1", "200"),
        None,
    )
    assert RedactLinkTokens().filter(record)
    assert record.getMessage() == '127.0.0.1 - - "GET /password/reset/[token] HTTP/1.1" 200'


def test_the_forgot_page_answers_htmx_with_its_fragment(client, member, mailbox):
    page = client.get("/password/forgot")
    assert 'name="email"' in page.get_data(as_text=True)
    assert "<html" in page.get_data(as_text=True)
    fragment = client.post("/password/forgot", data={"email": "member"}, headers=HX)
    html = fragment.get_data(as_text=True)
    assert "<html" not in html
    assert SAME_ANSWER in html
    mailbox.wait_for("member@example.com", SUBJECT)


def test_the_sign_in_page_links_to_forgot_password(client):
    assert 'href="/password/forgot"' in client.get("/login").get_data(as_text=True)
