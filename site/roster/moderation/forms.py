"""The hide form: one reason, which the post's author reads."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from roster.posts.forms import clean_text
from roster.posts.models import HIDDEN_REASON_MAX_LENGTH

REASON_REQUIRED = "Say why: the author reads it."


class HideForm(FlaskForm):
    reason = StringField(
        "Reason",
        filters=[clean_text],
        validators=[
            DataRequired(message=REASON_REQUIRED),
            Length(max=HIDDEN_REASON_MAX_LENGTH),
        ],
    )
