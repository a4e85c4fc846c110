"""The user account: identity, credentials, role and profile."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ColumnElement,
    DateTime,
    Index,
    Integer,
    String,
    Text,
    and_,
    func,
)
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from sqlalchemy.sql.compiler import SQLCompiler
from werkzeug.security import check_password_hash, generate_password_hash

from roster.extensions import db
from roster.users.policy import (
    DISPLAY_NAME_MAX_LENGTH,
    EMAIL_MAX_LENGTH,
    ROLE_MAX_LENGTH,
    USERNAME_MAX_LENGTH,
    Role,
    email_key,
)

if TYPE_CHECKING:
    from roster.posts.models import Post

# Django's convention: a hash starting with "!" matches no password (werkzeug cannot parse it).
UNUSABLE_PASSWORD_PREFIX = "!"  # noqa: S105 (a marker, not a password)


def utcnow() -> datetime:
    return datetime.now(UTC)


# Not mutated by `make mutate`: SQLAlchemy reads a default's signature to decide whether to pass
# the context, and mutmut's wrapper around a mutated function would hide it.
def email_key_of_row(context: DefaultExecutionContext) -> str:  # pragma: no mutate block
    """The key of a row inserted without the ORM (the seed command's bulk insert)."""
    return email_key(context.get_current_parameters()["email"])


class User(UserMixin, db.Model):
    """An account. Usernames and emails are unique without regard to case (users/policy.py)."""

    __tablename__ = "users"
    __table_args__ = (
        Index("ix_users_created_at_id", "created_at", "id"),
        # Keyset paging of the admin table sorted by role, and its role filter.
        Index("ix_users_role_id", "role", "id"),
        CheckConstraint(f"role IN ({', '.join(repr(role.value) for role in Role)})", name="role"),
        # The table sorted, or filtered, by status; the trash (status=deleted); verified or not.
        Index("ix_users_is_active_id", "is_active", "id"),
        Index("ix_users_deleted_at_id", "deleted_at", "id"),
        Index("ix_users_email_verified_at_id", "email_verified_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME_MAX_LENGTH))
    email: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH))
    # policy.email_key(email), kept by `_key_email`: unique, and what sign-in by email matches.
    email_key: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH), default=email_key_of_row)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(DISPLAY_NAME_MAX_LENGTH), default="")
    bio: Mapped[str] = mapped_column(Text, default="")
    role: Mapped[str] = mapped_column(
        String(ROLE_MAX_LENGTH), default=Role.member.value, server_default=Role.member.value
    )
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    # When the current email was confirmed by following a mailed link; None: not confirmed.
    email_verified_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), default=None
    )
    # When the user last signed in (roster.sessions.service.sign_in); None: never.
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    # When the owner turned on two-factor sign-in (roster.mfa, which keeps the secret); None: off.
    mfa_enabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    # Set instead of deleting the row, so that undo restores the user exactly.
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    # Optimistic locking: an edit based on a stale version is refused, not silently lost.
    version: Mapped[int] = mapped_column(Integer, default=1)

    posts: Mapped[list[Post]] = relationship(
        back_populates="author", lazy="raise_on_sql", foreign_keys="Post.author_id"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    def __repr__(self) -> str:
        return f"<User {self.username!r}>"

    @property
    def name(self) -> str:
        """What the site shows: the display name, or the username when there is none."""
        return self.display_name or self.username

    @hybrid_property
    def is_admin(self) -> bool:
        """For the safety rules ("an active admin remains"), in Python and in SQL alike; views
        and templates ask for a permission instead (roster.auth.permissions)."""
        return self.role == Role.admin

    @is_admin.inplace.expression
    @classmethod
    def _is_admin_expression(cls) -> ColumnElement[bool]:
        return cls.role == Role.admin.value

    @hybrid_property
    def is_active_admin(self) -> bool:
        """An admin who can act: the site must always keep one (users/rules.py guards it)."""
        return self.is_admin and self.is_active and self.deleted_at is None

    @is_active_admin.inplace.expression
    @classmethod
    def _is_active_admin_expression(cls) -> ColumnElement[bool]:
        # The same in SQL: the one definition every count and guard of active admins uses.
        return and_(cls.is_admin, cls.is_active, cls.deleted_at.is_(None))

    @validates("email")
    def _key_email(self, _name: str, address: str) -> str:
        key = email_key(address)
        if key != self.email_key:
            # Another mailbox: unconfirmed until its owner follows the link (roster.accounts).
            self.email_verified_at = None
        self.email_key = key
        return address

    def set_password(self, password: str, *, method: str) -> None:
        """Hash with `method` (the app's PASSWORD_HASH_METHOD: fast in tests)."""
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def set_unusable_password(self) -> None:
        """No password opens the account until its owner sets one (an invite); a new random
        marker also retires the links made for the previous one."""
        self.password_hash = UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(24)

    @property
    def mfa_enabled(self) -> bool:
        """Whether signing in asks for a code after the password (roster.mfa)."""
        return self.mfa_enabled_at is not None

    @property
    def has_usable_password(self) -> bool:
        return not (self.password_hash or "").startswith(UNUSABLE_PASSWORD_PREFIX)


Index("uq_users_username_lower", func.lower(User.username), unique=True)
# Unicode case folds differently in SQLite's and PostgreSQL's lower(): emails go by the stored key
# (migration 0003). The lower(email) index serves the admin table's sort and short searches.
Index("uq_users_email_key", User.email_key, unique=True)
Index("ix_users_email_lower", func.lower(User.email))


class NeverSignedIn(ColumnElement[datetime]):
    """The last sign-in of a user who never signed in: a time before every real one.

    Keyset paging compares keys as tuples, where a NULL compares as nothing, so the sort key is
    coalesce(last_sign_in_at, this). Written as a literal, never a bound parameter, so that
    the query's expression is the index's (SQLite matches expression indexes textually), in the
    format each database stores (SQLAlchemy's SQLite DateTime is text, compared as such).
    """

    type = DateTime(timezone=True)
    inherit_cache = True
    _traverse_internals = []  # noqa: RUF012 (SQLAlchemy's cache key: no state)


@compiles(NeverSignedIn)
def _never_as_text(_element: NeverSignedIn, _compiler: SQLCompiler, **_kw: object) -> str:
    return "'1970-01-01 00:00:00.000000'"


@compiles(NeverSignedIn, "postgresql")
def _never_as_timestamp(_element: NeverSignedIn, _compiler: SQLCompiler, **_kw: object) -> str:
    return "'1970-01-01 00:00:00+00'::timestamptz"


def last_sign_in_key() -> ColumnElement[datetime]:
    """The last sign-in as the table sorts it: users who never signed in come first."""
    return func.coalesce(User.last_sign_in_at, NeverSignedIn(), type_=DateTime(timezone=True))


# The admin table sorted by display name and by last sign-in (unique keys: id last).
Index("ix_users_display_name_lower_id", func.lower(User.display_name), User.id)
Index("ix_users_last_sign_in_id", last_sign_in_key(), User.id)
