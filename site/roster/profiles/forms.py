"""Forms a user fills in about themselves: the profile and the password."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, TextAreaField
from wtforms.validators import DataRequired, Length

from roster.posts.forms import clean_text
from roster.users.fields import confirm_field, display_name_field, email_field, password_field

BIO_MAX_LENGTH = 500
WRONG_PASSWORD = "That is not your current password."  # noqa: S105 (a message)


class ProfileForm(FlaskForm):
    bio_max_length = BIO_MAX_LENGTH

    display_name = display_name_field()
    email = email_field()
    # A request that leaves the bio out saves it empty, never as None.
    bio = TextAreaField(
        "Bio", default="", filters=[clean_text], validators=[Length(max=BIO_MAX_LENGTH)]
    )
    # The version of the user the form was loaded at: a save over a newer one is a conflict
    # (roster.conflicts), also between two tabs of the owner, or the owner and an admin.
    version = HiddenField(validators=[DataRequired()])


class PasswordForm(FlaskForm):
    """The new password follows the rules of registration (users/policy.py)."""

    current_password = PasswordField("Current password", validators=[DataRequired()])
    password = password_field("New password")
    confirm = confirm_field("Confirm new password")
