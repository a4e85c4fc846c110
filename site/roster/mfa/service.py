"""Two-factor sign-in: setting up an authenticator, checking its codes, recovery codes.

A TOTP code is accepted for its own 30-second step and the steps either side (clocks drift),
and never twice: the step of the last code accepted is stored, and a code must come from a
later step, set with a conditional UPDATE so that two requests racing with one code cannot both
win. Recovery codes are stored as SHA-256 digests (they are 60 random bits, not passwords to
guess) and spent the same way, with a conditional UPDATE.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

import pyotp
import segno
from markupsafe import Markup
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from roster.accounts import mails
from roster.audit.service import record
from roster.extensions import db
from roster.mfa.models import Authenticator, RecoveryCode
from roster.submission import Refused
from roster.users.models import User, utcnow

ISSUER = "Roster"
RECOVERY_CODE_COUNT = 10
# Lower-case letters and digits without the look-alikes (i, l, o, 0, 1): 31 symbols.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_GROUPS = 3
RECOVERY_GROUP_LENGTH = 4
TOTP_DIGITS = 6

WRONG_CODE = "That code does not work. Codes change every 30 seconds, and each works once."
WRONG_PASSWORD = "That is not your password."  # noqa: S105 (a message)
TOTP = "app"
RECOVERY = "recovery code"


def now() -> float:
    """The clock (tests move it)."""
    return time.time()


# ---- reading -------------------------------------------------------------------------------


def authenticator_of(user: User) -> Authenticator | None:
    return db.session.get(Authenticator, user.id)


def recovery_codes_left(user: User) -> int:
    query = select(func.count()).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
    )
    return db.session.scalar(query) or 0


@dataclass(frozen=True)
class Setup:
    """What the setup screen shows: the secret as a QR code and as text."""

    secret: str
    uri: str

    @property
    def grouped(self) -> str:
        """The secret in groups of four, easier to type into an app by hand."""
        return " ".join(self.secret[i : i + 4] for i in range(0, len(self.secret), 4))

    @property
    def qr_code(self) -> Markup:
        """Inline SVG drawn by segno: paths with fill and stroke attributes, no style or text,
        so it passes the strict CSP and holds nothing user-controlled but the pixels."""
        code = segno.make(self.uri, error="m")
        svg = code.svg_inline(scale=4, dark="#000", light="#fff", svgclass="qr-code", omitsize=True)
        return Markup(svg)  # noqa: S704 (segno's own markup, no user text)


def pending_setup(user: User) -> Setup:
    """The secret waiting for its first code: made on first visit, the same on reload."""
    authenticator = authenticator_of(user)
    if authenticator is None:
        authenticator = Authenticator(user_id=user.id, secret=pyotp.random_base32())
        db.session.add(authenticator)
        try:
            db.session.commit()
        except IntegrityError:  # the same user's parallel request made one first
            db.session.rollback()
            authenticator = authenticator_of(user)
            assert authenticator is not None
    uri = pyotp.TOTP(authenticator.secret).provisioning_uri(name=user.username, issuer_name=ISSUER)
    return Setup(authenticator.secret, uri)


# ---- codes ---------------------------------------------------------------------------------


def normalise(code: str) -> str:
    """What the user typed, without blanks and dashes, in lower case."""
    return "".join(code.split()).replace("-", "").lower()


def matching_step(secret: str, code: str) -> int | None:
    """The time step (now, or one either side) whose code this is; None if none."""
    if len(code) != TOTP_DIGITS or not (code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    current = int(now() // totp.interval)
    for step in (current, current - 1, current + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def spend_totp(authenticator: Authenticator, code: str) -> bool:
    """Accept a code from a step later than the last one accepted; the caller commits."""
    step = matching_step(authenticator.secret, normalise(code))
    if step is None:
        return False
    won = db.session.execute(
        update(Authenticator)
        .where(
            Authenticator.user_id == authenticator.user_id,
            or_(Authenticator.last_step.is_(None), Authenticator.last_step < step),
        )
        .values(last_step=step)
        .execution_options(synchronize_session=False)
    ).rowcount
    return bool(won)


def digest(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()


def spend_recovery_code(user: User, code: str) -> bool:
    """Mark an unused recovery code of `user` used; the caller commits."""
    if len(normalise(code)) != RECOVERY_GROUPS * RECOVERY_GROUP_LENGTH:
        return False
    won = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == digest(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    return bool(won)


def spend_code(user: User, code: str) -> str:
    """Spend an app code or a recovery code of `user`: which kind it was, or Refused."""
    authenticator = authenticator_of(user)
    if authenticator is not None and authenticator.confirmed_at is not None:
        if spend_totp(authenticator, code):
            return TOTP
        if spend_recovery_code(user, code):
            left = recovery_codes_left(user)
            record("mfa.recovery_code", target=user, changes={"codes_left": (left + 1, left)})
            return RECOVERY
    raise Refused({"code": WRONG_CODE})


def new_recovery_codes(user: User) -> list[str]:
    """Replace every recovery code of `user` with fresh ones; the caller commits."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [
        "-".join(
            "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_GROUP_LENGTH))
            for _ in range(RECOVERY_GROUPS)
        )
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=digest(code)) for code in codes)
    return codes


# ---- turning it on and off -----------------------------------------------------------------


def turn_on(user: User, code: str) -> list[str]:
    """Confirm the pending secret with a code from the app; the recovery codes, shown once."""
    authenticator = authenticator_of(user)
    if authenticator is None or user.mfa_enabled or not spend_totp(authenticator, code):
        raise Refused({"code": WRONG_CODE})
    authenticator.confirmed_at = user.mfa_enabled_at = utcnow()
    codes = new_recovery_codes(user)
    record("mfa.enable", target=user)
    db.session.commit()
    mails.mfa_changed(user, enabled=True).send()
    return codes


def turn_off(user: User, password: str, code: str) -> User:
    """Both factors, so that neither a borrowed session nor a stolen phone alone can do it."""
    if not user.check_password(password):
        raise Refused({"password": WRONG_PASSWORD})
    spend_code(user, code)
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(delete(Authenticator).where(Authenticator.user_id == user.id))
    user.mfa_enabled_at = None
    record("mfa.disable", target=user)
    db.session.commit()
    mails.mfa_changed(user, enabled=False).send()
    return user
