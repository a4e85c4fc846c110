"""What a create form made the first time it was sent, kept for a while under the form's key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from roster.extensions import db
from roster.users.models import utcnow

KEY_MAX_LENGTH = 64


class FormSubmission(db.Model):
    """One sent create form: its key (unique: a second insert of it fails), who sent it, what
    kind of thing it created and that thing's id."""

    __tablename__ = "form_submissions"

    key: Mapped[str] = mapped_column(String(KEY_MAX_LENGTH), primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    result_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )

    def __repr__(self) -> str:
        return f"<FormSubmission {self.kind} {self.result_id}>"
