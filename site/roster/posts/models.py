"""Posts written by users, shown on profiles, on the home page and on their own page."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roster.extensions import db
from roster.users.models import User, utcnow

HIDDEN_REASON_MAX_LENGTH = 200  # the column's size: a sentence for the author, not an essay


class Post(db.Model):
    __tablename__ = "posts"
    __table_args__ = (
        # Keyset paging, newest first: per author on profiles, for everyone on the home page.
        Index("ix_posts_author_created_id", "author_id", "created_at", "id"),
        Index("ix_posts_created_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # None: the author deleted their account and chose to keep their posts, without a name.
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    # Set by a moderator (roster.moderation): gone from public pages, its author sees the reason.
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    hidden_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    hidden_reason: Mapped[str | None] = mapped_column(String(HIDDEN_REASON_MAX_LENGTH))
    # Deleted by its author or a moderator: gone everywhere, kept for Undo until purge-deleted.
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)

    author: Mapped[User | None] = relationship(
        back_populates="posts", lazy="raise_on_sql", foreign_keys=[author_id]
    )

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    def __repr__(self) -> str:
        return f"<Post {self.id} by {self.author_id}>"
