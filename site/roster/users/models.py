"""The user account: identity, credentials, role and profile."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, Index, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from roster.extensions import db

if TYPE_CHECKING:
    from roster.posts.models import Post

USERNAME_PATTERN = r"^[A-Za-z0-9_.\-]{3,32}$"
# Django's convention: a hash starting with "!" matches no password (werkzeug cannot parse it).
UNUSABLE_PASSWORD_PREFIX = "!"  # noqa: S105 (a marker, not a password)


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_session_token() -> str:
    return secrets.token_urlsafe(16)


class User(UserMixin, db.Model):
    """An account. Usernames and emails are unique without regard to case (functional indexes)."""

    __tablename__ = "users"
    __table_args__ = (
        Index("ix_users_created_at_id", "created_at", "id"),
        # Keyset paging of the admin table sorted by role.
        Index("ix_users_is_admin_id", "is_admin", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(32))
    email: Mapped[str] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(64), default="")
    bio: Mapped[str] = mapped_column(Text, default="")
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Part of the Flask-Login id: changing it signs out every other session and remember cookie.
    session_token: Mapped[str] = mapped_column(String(32), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    # When the current email was confirmed by following a mailed link; None: not confirmed.
    email_verified_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), default=None
    )
    # Set instead of deleting the row, so that undo restores the user exactly.
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    # Optimistic locking: an edit based on a stale version is refused, not silently lost.
    version: Mapped[int] = mapped_column(Integer, default=1)

    posts: Mapped[list[Post]] = relationship(back_populates="author", lazy="raise_on_sql")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    def __repr__(self) -> str:
        return f"<User {self.username!r}>"

    @property
    def name(self) -> str:
        """What the site shows: the display name, or the username when there is none."""
        return self.display_name or self.username

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def set_password(self, password: str, method: str = "scrypt") -> None:
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def set_unusable_password(self) -> None:
        """No password opens the account until its owner sets one (an invite); a new random
        marker also retires the links made for the previous one."""
        self.password_hash = UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(24)

    @property
    def has_usable_password(self) -> bool:
        return not (self.password_hash or "").startswith(UNUSABLE_PASSWORD_PREFIX)

    def rotate_session_token(self) -> None:
        self.session_token = new_session_token()


Index("uq_users_username_lower", func.lower(User.username), unique=True)
Index("uq_users_email_lower", func.lower(User.email), unique=True)
