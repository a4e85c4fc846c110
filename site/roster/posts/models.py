"""Posts written by users, shown on profiles, on the home page and on their own page."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from roster.extensions import db
from roster.users.models import User, utcnow


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

    author: Mapped[User | None] = relationship(back_populates="posts", lazy="raise_on_sql")

    def __repr__(self) -> str:
        return f"<Post {self.id} by {self.author_id}>"
