"""The post form: the same fields for writing and for editing."""

from __future__ import annotations

from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from roster.idempotency import IdempotentForm

TITLE_MAX_LENGTH = 120  # the column's size
BODY_MAX_LENGTH = 10_000


def clean_text(value: str | None) -> str | None:
    """Browsers send line breaks as CRLF; store LF, so lengths match what the user counted."""
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


class PostForm(IdempotentForm):
    """Writing (with a key: a second sending creates nothing) and editing, which ignores it."""

    title = StringField(
        "Title", filters=[clean_text], validators=[DataRequired(), Length(max=TITLE_MAX_LENGTH)]
    )
    body = TextAreaField(
        "Text", filters=[clean_text], validators=[DataRequired(), Length(max=BODY_MAX_LENGTH)]
    )
