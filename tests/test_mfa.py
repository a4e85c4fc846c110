"""Two-factor sign-in: setting it up, signing in with a code or a recovery code, turning it off.

The clock is fixed (`clock`), so that a code is always well inside its 30-second step.
"""

from __future__ import annotations

import logging
import re

import pyotp
import pytest
from sqlalchemy import func, select

from roster.audit.models import AuditEntry
from roster.mfa import pending, service
from roster.mfa.models import Authenticator, RecoveryCode
from roster.mfa.service import WRONG_CODE
from roster.mfa.views import SIGN_IN_AGAIN, TOO_MANY_CODES
from roster.users.models import User
from tests.helpers import (
    HX,
    PASSWORD,
    change,
    csrf_token,
    fetch,
    find,
    find_all,
    is_full_page,
    scalar,
    scalars,
    sign_in,
    text_of,
    texts,
)

# Digits to Python's isdigit(), not to a TOTP code: refused, not a 500.
FULLWIDTH_DIGITS = "".join(chr(0xFF11 + i) for i in range(6))
START = 1_900_000_005.0  # 5 seconds into a 30-second step


class Clock:
    """The one clock of codes and half-done sign-ins; `tick` moves it on."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = START
        monkeypatch.setattr(service, "now", lambda: self.now)
        monkeypatch.setattr(pending, "now", lambda: self.now)

    def tick(self, seconds: float = 30) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch) -> Clock:
    return Clock(monkeypatch)


def secret_on(page) -> str:
    return text_of(find(page, '[data-testid="mfa-secret"]')).replace(" ", "")


def code(secret: str, clock: Clock, offset: int = 0) -> str:
    return pyotp.TOTP(secret).at(clock.now + offset)


def turn_on(client, clock: Clock) -> tuple[str, list[str]]:
    """Set up two-factor sign-in for the signed-in user: the secret and the recovery codes."""
    page = client.get("/account/mfa")
    # The page's own token: an admin who must set this up reaches no other page (strict).
    answer = client.post(
        "/account/mfa",
        data={"code": code(secret_on(page), clock)},
        headers={"X-CSRFToken": csrf_token(page)},
        csrf=False,
    )
    assert answer.status_code == 200, answer.text
    secret = secret_on(page)
    return secret, texts(answer, '[data-testid="recovery-code"]')


@pytest.fixture
def mfa_member(member_client, clock) -> tuple:
    """The member with two-factor sign-in on, signed out again: (client, secret, codes)."""
    secret, codes = turn_on(member_client, clock)
    member_client.post("/logout")
    clock.tick()
    return member_client, secret, codes


def password_step(client, next_url: str = "", **extra):
    data = {"username": "member", "password": PASSWORD, **extra}
    return client.post(f"/login{next_url}", data=data)


def signed_in(client) -> bool:
    return client.get("/account/sessions").status_code == 200


def actions(app, user_id: int) -> list[str]:
    query = select(AuditEntry.action).where(AuditEntry.target_id == user_id)
    return scalars(app, query.order_by(AuditEntry.id))


# ---- setting it up -------------------------------------------------------------------------


def test_the_setup_page_shows_the_key_as_a_qr_code_and_as_text(member_client, member):
    page = member_client.get("/account/mfa")
    assert page.status_code == 200
    assert is_full_page(page)
    secret = secret_on(page)
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    svg = find(page, ".qr svg")
    assert find(page, ".qr").get("role") == "img"
    # Drawn as paths with presentation attributes: nothing the strict CSP would refuse.
    assert not [el for el in svg.iter() if el.get("style") is not None]
    assert "<script" not in page.text.split('class="qr"')[1].split("</svg>")[0]
    # The same key on reload: a code scanned a moment ago still confirms it.
    assert secret_on(member_client.get("/account/mfa")) == secret
    fragment = member_client.get("/account/mfa", headers=HX)
    assert not is_full_page(fragment)
    assert find(fragment, "#mfa-panel") is not None


def test_the_setup_form_keeps_where_to_go_next(member_client, member):
    form = find(member_client.get("/account/mfa?next=/about"), "#mfa-on-form")
    assert form.get("action") == form.get("hx-post") == "/account/mfa?next=/about"


def test_the_profile_links_to_the_setup(member_client, member):
    profile = member_client.get("/user/member")
    assert find(profile, '[data-testid="account-mfa"]').get("href") == "/account/mfa"


def test_anonymous_visitors_are_sent_to_sign_in(client):
    answer = client.get("/account/mfa")
    assert answer.status_code == 303
    assert "/login?next=/account/mfa" in answer.location


def test_a_code_turns_it_on_and_shows_ten_recovery_codes_once(
    app, member_client, member, clock, mailbox
):
    secret, codes = turn_on(member_client, clock)
    assert len(codes) == 10 == len(set(codes))
    assert all(re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", c) for c in codes)
    assert fetch(app, User, member.id).mfa_enabled
    stored = scalars(app, select(RecoveryCode.code_hash).where(RecoveryCode.user_id == member.id))
    assert len(stored) == 10
    plain = {*codes, *(c.replace("-", "") for c in codes)}
    assert not set(stored) & plain, "only digests are stored"
    again = member_client.get("/account/mfa")
    assert not find_all(again, '[data-testid="recovery-code"]')
    assert "10 unused recovery codes" in text_of(find(again, '[data-testid="mfa-status"]'))
    assert actions(app, member.id)[-1] == "mfa.enable"
    notice = mailbox.wait_for("member@example.com", "Two-factor sign-in is on")
    assert secret not in notice.text
    assert codes[0] not in notice.text


@pytest.mark.parametrize(
    "typed", ["", "000000", "12345", "1234567", "abcdef", "x" * 40, FULLWIDTH_DIGITS]
)
def test_a_wrong_or_malformed_code_does_not_turn_it_on(app, member_client, member, typed):
    member_client.get("/account/mfa")
    answer = member_client.post("/account/mfa", data={"code": typed}, headers=HX)
    assert answer.status_code == 422
    assert find(answer, "#mfa-panel") is not None
    assert texts(answer, '[data-testid="field-error"]')
    assert not fetch(app, User, member.id).mfa_enabled


def test_a_code_from_long_ago_does_not_turn_it_on(app, member_client, member, clock):
    secret = secret_on(member_client.get("/account/mfa"))
    answer = member_client.post("/account/mfa", data={"code": code(secret, clock, -90)})
    assert answer.status_code == 422
    assert WRONG_CODE in answer.text
    assert not fetch(app, User, member.id).mfa_enabled


def test_setting_it_up_without_csrf_is_refused(app, member_client, member, clock):
    secret = secret_on(member_client.get("/account/mfa"))
    answer = member_client.post("/account/mfa", data={"code": code(secret, clock)}, csrf=False)
    assert answer.status_code == 400
    assert not fetch(app, User, member.id).mfa_enabled


# ---- signing in ----------------------------------------------------------------------------


def test_the_password_alone_does_not_sign_in(mfa_member):
    client, _, _ = mfa_member
    answer = password_step(client)
    assert answer.status_code == 303
    assert answer.location.endswith("/login/mfa")
    assert not signed_in(client)
    page = client.get("/login/mfa")
    assert page.status_code == 200
    assert find(page, "#mfa-sign-in-form input[name=code]").get("autocomplete") == "one-time-code"


def test_a_wrong_password_never_reaches_the_code_step(mfa_member):
    client, _, _ = mfa_member
    answer = client.post("/login", data={"username": "member", "password": "nope"})
    assert answer.status_code == 422
    assert client.get("/login/mfa").status_code == 303


def test_a_code_signs_in_and_follows_next(app, mfa_member, member, clock):
    client, secret, _ = mfa_member
    password_step(client, "?next=/account/sessions", remember="y")
    answer = client.post("/login/mfa", data={"code": code(secret, clock)})
    assert answer.status_code == 303
    assert answer.location.endswith("/account/sessions")
    assert signed_in(client)
    assert client.get_cookie("remember_token") is not None, "remember me was carried through"
    assert actions(app, member.id)[-1] == "auth.sign_in"


def test_htmx_goes_from_password_to_code_to_the_page(mfa_member, clock):
    client, secret, _ = mfa_member
    answer = client.post("/login", data={"username": "member", "password": PASSWORD}, headers=HX)
    assert "/login/mfa" in answer.headers["HX-Location"]
    answer = client.post("/login/mfa", data={"code": "000000"}, headers=HX)
    assert answer.status_code == 422
    assert not is_full_page(answer)
    assert WRONG_CODE in text_of(find(answer, '[data-testid="field-error"]'))
    answer = client.post("/login/mfa", data={"code": code(secret, clock)}, headers=HX)
    assert '"path": "/"' in answer.headers["HX-Location"]
    assert signed_in(client)


def test_a_code_works_once(app, mfa_member, member, clock):
    client, secret, _ = mfa_member
    used = code(secret, clock)
    password_step(client)
    assert client.post("/login/mfa", data={"code": used}).status_code == 303
    client.post("/logout")
    password_step(client)
    answer = client.post("/login/mfa", data={"code": used})
    assert answer.status_code == 422
    assert WRONG_CODE in answer.text
    assert not signed_in(client)
    assert actions(app, member.id)[-1] == "mfa.code_failed"


def test_the_code_that_confirmed_the_setup_cannot_sign_in(member_client, clock):
    secret = secret_on(member_client.get("/account/mfa"))
    confirming = code(secret, clock)
    member_client.post("/account/mfa", data={"code": confirming})
    member_client.post("/logout")
    password_step(member_client)
    assert member_client.post("/login/mfa", data={"code": confirming}).status_code == 422


@pytest.mark.parametrize(
    ("offset", "accepted"), [(-30, True), (30, True), (-60, False), (90, False)]
)
def test_codes_of_the_next_door_steps_only(mfa_member, clock, offset, accepted):
    client, secret, _ = mfa_member
    clock.tick(60)  # past the step of the setup code, either way
    password_step(client)
    answer = client.post("/login/mfa", data={"code": code(secret, clock, offset)})
    assert (answer.status_code == 303) is accepted


def test_a_recovery_code_signs_in_once(app, mfa_member, member):
    client, _, codes = mfa_member
    password_step(client)
    # Typed loosely: capitals, blanks, no dashes.
    typed = f"  {codes[3].replace('-', ' ').upper()} "
    answer = client.post("/login/mfa", data={"code": typed})
    assert answer.status_code == 303
    assert "9 left" in client.get(answer.location).text
    assert signed_in(client)
    assert actions(app, member.id)[-2:] == ["mfa.recovery_code", "auth.sign_in"]
    client.post("/logout")
    password_step(client)
    assert client.post("/login/mfa", data={"code": codes[3]}).status_code == 422
    assert client.post("/login/mfa", data={"code": codes[4]}).status_code == 303


def test_another_accounts_recovery_code_does_not_work(app, client, make_user, mfa_member, clock):
    _, _, member_codes = mfa_member
    make_user("other")
    sign_in(client, "other")
    turn_on(client, clock)
    client.post("/logout")
    client.post("/login", data={"username": "other", "password": PASSWORD})
    assert client.post("/login/mfa", data={"code": member_codes[0]}).status_code == 422


def test_the_code_step_expires(mfa_member, clock, app):
    client, secret, _ = mfa_member
    password_step(client)
    clock.tick(app.config["MFA_PENDING_MAX_AGE"] + 1)
    answer = client.post("/login/mfa", data={"code": code(secret, clock)})
    assert answer.status_code == 303
    assert answer.location.endswith("/login")
    assert SIGN_IN_AGAIN in client.get("/login").text
    assert not signed_in(client)


def test_a_password_change_meanwhile_ends_the_code_step(app, mfa_member, member, clock):
    client, secret, _ = mfa_member
    password_step(client)
    change(app, User, member.id, password_hash="pbkdf2:sha256:1$x$y")
    answer = client.post("/login/mfa", data={"code": code(secret, clock)})
    assert answer.location.endswith("/login")
    assert not signed_in(client)


def test_the_code_step_without_a_password_first(client):
    assert client.get("/login/mfa").location.endswith("/login")
    answer = client.post("/login/mfa", data={"code": "123456"}, headers=HX)
    assert answer.headers["HX-Redirect"] == "/login"


def test_a_tampered_session_cookie_starts_over(mfa_member, clock):
    client, secret, _ = mfa_member
    password_step(client)
    cookie = client.get_cookie("session")
    client.set_cookie("session", cookie.value[:-4] + "AAAA")
    answer = client.post("/login/mfa", data={"code": code(secret, clock)}, csrf=False)
    assert answer.status_code in (303, 400)
    assert not signed_in(client)


def test_wrong_codes_are_rate_limited_per_account(make_app, mfa_member, clock):
    _, secret, _ = mfa_member
    limited = make_app(MFA_RATE_LIMIT="3/minute").test_client()
    limited.post("/login", data={"username": "member", "password": PASSWORD})
    for _ in range(3):
        assert limited.post("/login/mfa", data={"code": "000000"}).status_code == 422
    answer = limited.post("/login/mfa", data={"code": code(secret, clock)})
    assert answer.status_code == 429
    assert TOO_MANY_CODES in answer.text
    assert not signed_in(limited)


def test_right_codes_do_not_count_against_the_limit(make_app, mfa_member, clock):
    _, secret, _ = mfa_member
    limited = make_app(MFA_RATE_LIMIT="2/minute").test_client()
    for _ in range(3):
        clock.tick()
        limited.post("/login", data={"username": "member", "password": PASSWORD})
        assert limited.post("/login/mfa", data={"code": code(secret, clock)}).status_code == 303
        limited.post("/logout")


# ---- turning it off ------------------------------------------------------------------------


def signed_in_with_mfa(client, secret: str, clock: Clock) -> None:
    password_step(client)
    assert client.post("/login/mfa", data={"code": code(secret, clock)}).status_code == 303
    clock.tick()


def test_turning_it_off_needs_the_password_and_a_code(app, mfa_member, member, clock, mailbox):
    client, secret, _ = mfa_member
    signed_in_with_mfa(client, secret, clock)
    wrong_password = {"password": "nope", "code": code(secret, clock)}
    answer = client.post("/account/mfa", data=wrong_password)
    assert answer.status_code == 422
    assert "not your password" in answer.text
    wrong_code = {"password": PASSWORD, "code": "000000"}
    assert client.post("/account/mfa", data=wrong_code).status_code == 422
    assert client.post("/account/mfa", data={"password": PASSWORD}).status_code == 422
    assert fetch(app, User, member.id).mfa_enabled
    right = {"password": PASSWORD, "code": code(secret, clock)}
    answer = client.post("/account/mfa", data=right)
    assert answer.status_code == 303
    assert not fetch(app, User, member.id).mfa_enabled
    assert scalar(app, select(func.count()).select_from(RecoveryCode)) == 0
    assert actions(app, member.id)[-1] == "mfa.disable"
    mailbox.wait_for("member@example.com", "Two-factor sign-in is off")
    client.post("/logout")
    sign_in(client, "member")
    assert signed_in(client), "the password alone signs in again"


def test_a_recovery_code_can_turn_it_off(app, mfa_member, member, clock):
    client, secret, codes = mfa_member
    signed_in_with_mfa(client, secret, clock)
    answer = client.post("/account/mfa", data={"password": PASSWORD, "code": codes[0]}, headers=HX)
    assert answer.status_code == 200
    assert find(answer, '[data-testid="mfa-secret"]') is not None, "set up again from here"
    assert scalar(app, select(Authenticator.confirmed_at)) is None


# ---- what is never written down ------------------------------------------------------------


def test_no_code_or_secret_reaches_the_logs_or_the_audit(app, member_client, member, clock, caplog):
    caplog.set_level(logging.DEBUG)
    secret, codes = turn_on(member_client, clock)
    member_client.post("/logout")
    clock.tick()
    password_step(member_client)
    typed = [code(secret, clock), "000000", codes[0]]
    for attempt in typed:
        member_client.post("/login/mfa", data={"code": attempt})
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("roster"))
    audit = str(scalars(app, select(AuditEntry.changes)))
    for secret_text in (secret, typed[0], codes[0], *codes):
        assert secret_text not in logged
        assert secret_text not in audit


# ---- admins must use it (REQUIRE_ADMIN_MFA) -----------------------------------------------


@pytest.fixture
def strict(make_app, admin, member):
    return make_app(REQUIRE_ADMIN_MFA=True)


def test_an_admin_without_it_must_set_it_up_first(strict, clock):
    client = strict.test_client()
    sign_in(client, "admin")
    answer = client.get("/users?q=x")
    assert answer.status_code == 303
    assert answer.location == "/account/mfa?next=/users?q%3Dx"
    token = {"X-CSRFToken": csrf_token(client.get("/account/mfa"))}
    refused = client.post("/users", data={"username": "x"}, headers=token, csrf=False)
    assert refused.location == "/account/mfa"
    htmx = client.get("/users", headers={**HX, "HX-Current-URL": "http://localhost/users"})
    assert htmx.headers["HX-Redirect"].startswith("/account/mfa")
    page = client.get("/account/mfa?next=/users")
    assert "Administrators must use two-factor sign-in" in page.text
    secret = secret_on(page)
    done = client.post(
        "/account/mfa?next=/users",
        data={"code": code(secret, clock)},
        headers={"X-CSRFToken": csrf_token(page)},
        csrf=False,
    )
    assert find(done, '[data-testid="mfa-done"]').get("href") == "/users"
    assert client.get("/users").status_code == 200


def test_members_are_not_asked(strict):
    client = strict.test_client()
    sign_in(client, "member")
    assert client.get("/user/member").status_code == 200


def test_a_required_admin_cannot_turn_it_off(strict, clock):
    client = strict.test_client()
    sign_in(client, "admin")
    secret, _ = turn_on(client, clock)
    clock.tick()
    page = client.get("/account/mfa")
    assert not find_all(page, "#mfa-off-form")
    off = {"password": PASSWORD, "code": code(secret, clock)}
    assert client.post("/account/mfa", data=off).status_code == 422
    assert "cannot be turned off" in client.post("/account/mfa", data=off).text
