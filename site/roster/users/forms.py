"""The admin table's forms: create a user, edit one in its row."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from roster.auth.forms import MIN_PASSWORD_LENGTH
from roster.users.models import USERNAME_PATTERN

USERNAME_RULE = Regexp(
    USERNAME_PATTERN, message="3 to 32 characters: letters, digits, underscore, dot or dash."
)
PASSWORD_RULE = Length(min=MIN_PASSWORD_LENGTH, message="At least 12 characters.")


class UserCreateForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), USERNAME_RULE])
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    display_name = StringField("Display name", validators=[Optional(), Length(max=64)])
    password = PasswordField("Password", validators=[DataRequired(), PASSWORD_RULE])
    is_admin = BooleanField("Admin")


class UserEditForm(FlaskForm):
    """As create, but the password is optional (a reset) and `version` guards against lost edits."""

    username = StringField("Username", validators=[DataRequired(), USERNAME_RULE])
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    display_name = StringField("Display name", validators=[Optional(), Length(max=64)])
    password = PasswordField("New password", validators=[Optional(), PASSWORD_RULE])
    is_admin = BooleanField("Admin")
    is_active = BooleanField("Active")
    version = HiddenField(validators=[DataRequired()])
