"""The admin table's forms: create a user, edit one in its row."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from roster.auth.forms import MIN_PASSWORD_LENGTH
from roster.users.models import USERNAME_PATTERN

USERNAME_RULE = Regexp(
    USERNAME_PATTERN, message="3 to 32 characters: letters, digits, underscore, dot or dash."
)
STATUSES = [SelectChoice("active", "Active"), SelectChoice("inactive", "Inactive")]
PASSWORD_RULE = Length(min=MIN_PASSWORD_LENGTH, message="At least 12 characters.")


class UserFields(FlaskForm):
    """What create and edit share."""

    username = StringField("Username", validators=[DataRequired(), USERNAME_RULE])
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    display_name = StringField("Display name", validators=[Optional(), Length(max=64)])
    is_admin = BooleanField("Admin")


class UserCreateForm(UserFields):
    # Left empty, the user is invited by mail to choose their own (roster.accounts).
    password = PasswordField("Password", validators=[Optional(), PASSWORD_RULE])


class UserEditForm(UserFields):
    """The password is optional (a reset) and `version` guards against lost edits."""

    password = PasswordField("New password", validators=[Optional(), PASSWORD_RULE])
    # A select, not a checkbox: a request that leaves it out keeps the status as it is.
    is_active = SelectField("Status", choices=STATUSES, validate_choice=False)
    version = HiddenField(validators=[DataRequired()])
