"""Deleting one's account: the password again, and what becomes of the posts."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired

DELETE_POSTS, KEEP_POSTS = "delete", "keep"
CHOOSE = "Choose what happens to your posts."


class DeleteAccountForm(FlaskForm):
    password = PasswordField("Password", validators=[DataRequired()])
    # No default: the user decides, the form never decides for them.
    posts = RadioField(
        "Your posts",
        choices=[
            SelectChoice(DELETE_POSTS, "Delete them with my account"),
            SelectChoice(KEEP_POSTS, "Keep them, shown as written by “a deleted account”"),
        ],
        validate_choice=False,
        validators=[AnyOf([DELETE_POSTS, KEEP_POSTS], message=CHOOSE)],
    )
