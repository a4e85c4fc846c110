"""Forms a user fills in about themselves: the profile and the password."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length

from roster.auth.forms import RegisterForm
from roster.posts.forms import clean_text

BIO_MAX_LENGTH = 500


class ProfileForm(FlaskForm):
    bio_max_length = BIO_MAX_LENGTH

    display_name = StringField("Display name", filters=[clean_text], validators=[Length(max=64)])
    # Email() checks the syntax only: WTForms does not ask DNS about deliverability.
    email = EmailField(
        "Email", filters=[clean_text], validators=[DataRequired(), Email(), Length(max=254)]
    )
    bio = TextAreaField("Bio", filters=[clean_text], validators=[Length(max=BIO_MAX_LENGTH)])


class PasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    # The new password follows the rules of registration, kept in one place.
    password = RegisterForm.password
    confirm = RegisterForm.confirm

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.password.label.text = "New password"
        self.confirm.label.text = "Confirm new password"
