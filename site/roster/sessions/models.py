"""One signed-in browser: the record that the session cookie and the remember cookie name."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from roster.extensions import db
from roster.templating import as_utc
from roster.users.models import utcnow

USER_AGENT_LENGTH = 512


class UserSession(db.Model):
    """A sign-in. Its cookies carry a random secret; only the secret's hash is stored here.

    A remembered session's secret is rotated each time the remember cookie signs in (the
    previous hash is kept for a moment, to tell a browser's own parallel requests from a
    stolen copy replayed later). An ended session never comes back.
    """

    __tablename__ = "user_sessions"
    __table_args__ = (Index("ix_user_sessions_user_id_ended_at", "user_id", "ended_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    secret_hash: Mapped[str] = mapped_column(String(64))
    previous_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    rotated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    # "Remember me": the remember cookie outlives the browser session and signs in again.
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ip_address: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(USER_AGENT_LENGTH), default="")
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    end_reason: Mapped[str | None] = mapped_column(String(32), default=None)

    def __repr__(self) -> str:
        return f"<UserSession {self.id} of user {self.user_id}>"

    def is_open(self, now: datetime, idle_limit: timedelta) -> bool:
        """Not ended, and used within `idle_limit` (a forgotten browser does not stay signed in)."""
        return self.ended_at is None and now - as_utc(self.last_seen_at) <= idle_limit
