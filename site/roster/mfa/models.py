"""An account's authenticator app (its TOTP secret) and its one-time recovery codes.

Kept out of the users table on purpose: the user row is cached in Redis for every signed-in
request (roster.sessions.cache); the secret must not travel with it. The user row only says
whether MFA is on (`User.mfa_enabled_at`), which is all a page needs.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from roster.extensions import db
from roster.users.models import utcnow

SECRET_LENGTH = 32  # base32 characters: 160 bits, as RFC 4226 recommends


class Authenticator(db.Model):
    """The TOTP secret of one account: pending until a first code confirms it (setup)."""

    __tablename__ = "mfa_authenticators"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    secret: Mapped[str] = mapped_column(String(SECRET_LENGTH))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    # The 30-second time step of the last code accepted: a code is never accepted twice.
    last_step: Mapped[int | None] = mapped_column(Integer, default=None)

    def __repr__(self) -> str:
        return f"<Authenticator of user {self.user_id}>"


class RecoveryCode(db.Model):
    """One recovery code, as its SHA-256: shown once at setup, usable once."""

    __tablename__ = "mfa_recovery_codes"
    __table_args__ = (Index("ix_mfa_recovery_codes_user_id_code_hash", "user_id", "code_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)

    def __repr__(self) -> str:
        return f"<RecoveryCode {self.id} of user {self.user_id}>"
