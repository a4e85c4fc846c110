"""Forms of the account links: ask for a reset, choose a password."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from roster.auth.forms import RegisterForm, strip


class ForgotPasswordForm(FlaskForm):
    email = StringField(
        "Email or username", filters=[strip], validators=[DataRequired(), Length(max=254)]
    )


class NewPasswordForm(FlaskForm):
    # The rules of registration, kept in one place.
    password = RegisterForm.password
    confirm = RegisterForm.confirm
