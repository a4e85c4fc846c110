"""Sign-in and registration forms: validation runs here, on every submit and as the user types."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, PasswordField
from wtforms.validators import DataRequired, ValidationError

from roster.users.fields import (
    confirm_field,
    email_field,
    identifier_field,
    password_field,
    username_field,
)
from roster.users.policy import TAKEN_MESSAGES
from roster.users.service import is_taken


class LoginForm(FlaskForm):
    username = identifier_field()
    password = PasswordField("Password", validators=[DataRequired()])
    remember = BooleanField("Remember me")


class RegisterForm(FlaskForm):
    # The fields checked one at a time while the user types, in the order they are shown.
    CHECKED_FIELDS = ("username", "email", "password", "confirm")

    username = username_field()
    email = email_field()
    password = password_field()
    confirm = confirm_field()

    def validate_username(self, field: Field) -> None:
        self._refuse_taken(field)

    def validate_email(self, field: Field) -> None:
        self._refuse_taken(field)

    @staticmethod
    def _refuse_taken(field: Field) -> None:
        """Only a well-formed value is looked up: a malformed one cannot be taken."""
        if not field.errors and is_taken(field.name, field.data):
            raise ValidationError(TAKEN_MESSAGES[field.name])

    def check(self, name: str) -> bool:
        """Validate one field exactly as a submit would (its inline check included)."""
        inline = getattr(type(self), f"validate_{name}", None)
        return self[name].validate(self, [inline] if inline else [])
