"""Sign-in and registration forms: validation runs here, on every submit and as the user types."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, Field, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Regexp, ValidationError

from roster.users.models import USERNAME_PATTERN
from roster.users.service import TAKEN_MESSAGES, is_taken

MIN_PASSWORD_LENGTH = 12


def strip(value: str | None) -> str | None:
    """Surrounding blanks are never meant: " alice " signs up (and in) as "alice"."""
    return value.strip() if isinstance(value, str) else value


class LoginForm(FlaskForm):
    username = StringField("Username or email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired()])
    remember = BooleanField("Remember me")


class RegisterForm(FlaskForm):
    # The fields checked one at a time while the user types, in the order they are shown.
    CHECKED_FIELDS = ("username", "email", "password", "confirm")

    username = StringField(
        "Username",
        filters=[strip],
        validators=[
            DataRequired(),
            Regexp(
                USERNAME_PATTERN,
                message="3 to 32 characters: letters, digits, underscore, dot or dash.",
            ),
        ],
    )
    # WTForms' Email runs the email-validator library; deliverability needs DNS, which we skip.
    email = EmailField(
        "Email",
        filters=[strip],
        validators=[
            DataRequired(),
            Length(max=254),
            Email(message="Enter a valid email address.", check_deliverability=False),
        ],
    )
    password = PasswordField(
        "Password",
        validators=[
            DataRequired(),
            Length(min=MIN_PASSWORD_LENGTH, message="At least 12 characters."),
        ],
    )
    confirm = PasswordField(
        "Confirm password",
        validators=[DataRequired(), EqualTo("password", message="The passwords do not match.")],
    )

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
