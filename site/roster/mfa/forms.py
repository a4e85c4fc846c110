"""The code forms: one field `code` (an app code or a recovery code), plus the password to
turn two-factor sign-in off."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from roster.users.fields import strip

CODE_MAX_LENGTH = 32


def code_field(label: str = "Code") -> StringField:
    return StringField(
        label, filters=[strip], validators=[DataRequired(), Length(max=CODE_MAX_LENGTH)]
    )


class CodeForm(FlaskForm):
    code = code_field()


class TurnOffForm(FlaskForm):
    password = PasswordField("Password", validators=[DataRequired()])
    code = code_field("Code from your app, or a recovery code")
