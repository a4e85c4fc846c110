"""Catalog samples for the account pages and their mail (each mail with its real context)."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage

import pyotp

from roster.accounts import mails
from roster.accounts.forms import ForgotPasswordForm, NewPasswordForm
from roster.accounts.tokens import BAD, EXPIRED, TAKEN, USED, Purpose
from roster.accounts.views import LINK_PROBLEMS, NEXT_STEPS, TOO_MANY_RESETS
from roster.catalog.samples import EPOCH, Context, people, submitted
from roster.mail import Letter
from roster.mail.outbox import KeptMessage
from roster.mfa.forms import CodeForm, TurnOffForm
from roster.mfa.service import ISSUER, WRONG_PASSWORD, Setup
from roster.mfa.views import TOO_MANY_CODES
from roster.users.models import User


def account_holder(kind: str = "ordinary", *, verified: bool = True) -> User:
    """A transient user with what the links sign: an id, a password hash, an address."""
    user = people(kind)[0]
    user.password_hash = "scrypt:32768:8:1$catalog$0"  # noqa: S105 (no password hashes to it)
    user.email_verified_at = EPOCH if verified else None
    return user


def invited(kind: str = "ordinary") -> User:
    user = account_holder(kind, verified=False)
    user.set_unusable_password()
    return user


def letters(kind: str = "ordinary") -> dict[str, Letter]:
    """One letter per mail template state, addressed to a sample user of `kind`."""
    user, admin = account_holder(kind), people(kind)[1]
    return {
        "password-reset": mails.password_reset(user),
        "password-changed": mails.password_changed(user),
        "password-changed-by-admin": mails.password_changed(user, by_admin=True),
        "verify-registration": mails.verification(user, user.email, "registration"),
        "verify-change": mails.verification(user, "new.address@example.com", "change"),
        "verify-admin": mails.verification(user, user.email, "admin"),
        "email-changed": mails.email_changed(user, "old.address@example.com"),
        "email-changed-by-admin": mails.email_changed(
            user, "old.address@example.com", by_admin=True
        ),
        "invite": mails.invite(invited(kind), admin),
        "mfa-enabled": mails.mfa_changed(user, enabled=True),
        "mfa-disabled": mails.mfa_changed(user, enabled=False),
    }


def letter(state: str, kind: str = "ordinary") -> Context:
    return letters(kind)[state].template_context()


def forgot(*, sent: bool = False) -> Context:
    form = ForgotPasswordForm(formdata=None, data={"email": "ada@example.com" if sent else ""})
    return {"form": form, "sent": sent}


def forgot_errors(*, throttled: bool = False) -> Context:
    if throttled:
        form = ForgotPasswordForm(formdata=None)
        form.form_errors.append(TOO_MANY_RESETS)
    else:
        form = submitted(ForgotPasswordForm, {"email": ""})
    return {"form": form, "sent": False}


def new_password(kind: str = "reset", *, errors: bool = False, names: str = "ordinary") -> Context:
    if errors:
        form = submitted(NewPasswordForm, {"password": "short", "confirm": "other"})
    else:
        form = NewPasswordForm(formdata=None)
    return {"form": form, "kind": kind, "user": invited(names), "action": "/password/reset/x"}


def link_problem(purpose: Purpose, kind: str) -> Context:
    status, title, explanation = LINK_PROBLEMS[kind]
    return {
        "code": status,
        "title": title,
        "explanation": explanation,
        "next_step": NEXT_STEPS[purpose],
        "purpose": purpose,
    }


LINK_PROBLEM_STATES = {
    "reset-bad": (Purpose.RESET, BAD),
    "reset-expired": (Purpose.RESET, EXPIRED),
    "reset-used": (Purpose.RESET, USED),
    "verify-taken": (Purpose.VERIFY, TAKEN),
    "invite-expired": (Purpose.INVITE, EXPIRED),
}


def email_status(*, verified: bool) -> Context:
    user = account_holder(verified=verified)
    return {"user": user, "current_user": user}


def user_mail_status(state: str) -> Context:
    user = invited() if state == "invited" else account_holder(verified=state == "confirmed")
    return {"user": user}


def kept(state: str = "password-reset", kind: str = "ordinary") -> KeptMessage:
    """A letter as the outbox keeps it: rendered, then parsed back from its bytes."""
    raw = letters(kind)[state].compose().message().as_bytes()
    parsed = message_from_bytes(raw, _class=EmailMessage, policy=policy.default)
    return KeptMessage("20260314-093000000000-0a1b2c3d.eml", parsed)


def outbox(*, empty: bool = False) -> Context:
    states = () if empty else ("password-reset", "verify-registration", "invite")
    return {"messages": [kept(state) for state in states]}


def outbox_message(kind: str = "ordinary") -> Context:
    return {"message": kept("verify-change", kind)}


# ---- two-factor sign-in ------------------------------------------------------------------

MFA_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105 (a sample key, no account has it)
RECOVERY_CODES = [f"{word}-7k2m-q9xp" for word in ("abcd", "efgh", "jkmn", "pqrs", "tuvw")] + [
    f"{word}-3n8h-w4ze" for word in ("xyz2", "3456", "789a", "bcde", "fghj")
]


def code_form(form_class: type, values: dict[str, str], problem: str) -> object:
    """A form sent back: `problem` on the field it concerns (as the views do) or, for a rate
    limit, on the whole form."""
    form = submitted(form_class, values)
    if problem == TOO_MANY_CODES:
        form.form_errors.append(problem)
    elif problem == WRONG_PASSWORD:
        form.password.errors.append(problem)
    else:
        form.code.errors.append(problem)
    return form


def mfa_setup(*, problem: str = "", required: bool = False, kind: str = "ordinary") -> Context:
    """The setup panel: QR code, key as text, the code form."""
    user = account_holder(kind)
    uri = pyotp.TOTP(MFA_SECRET).provisioning_uri(name=user.username, issuer_name=ISSUER)
    form = code_form(CodeForm, {"code": "123456"}, problem) if problem else CodeForm(None)
    return {
        "user": user,
        "current_user": user,
        "form": form,
        "setup": Setup(MFA_SECRET, uri),
        "required": required,
        "next_url": None,
    }


def mfa_on(*, problem: str = "", required: bool = False, codes: bool = False) -> Context:
    """Two-factor sign-in on: the turn-off form, or just after setup, the recovery codes."""
    user = account_holder()
    user.mfa_enabled_at = EPOCH
    values = {"password": "a guess", "code": "123456"}
    form = code_form(TurnOffForm, values, problem) if problem else TurnOffForm(None)
    return {
        "user": user,
        "current_user": user,
        "form": form,
        "codes_left": 7,
        "codes": RECOVERY_CODES if codes else None,
        "required": required,
        "next_url": None,
    }


def mfa_sign_in(*, problem: str = "") -> Context:
    form = code_form(CodeForm, {"code": "123456"}, problem) if problem else CodeForm(None)
    return {"form": form}
