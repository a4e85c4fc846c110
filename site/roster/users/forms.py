"""The admin table's forms: create a user, edit one in its row."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from roster.idempotency import IdempotentForm
from roster.users.fields import (
    YesNoField,
    display_name_field,
    email_field,
    password_field,
    username_field,
)
from roster.users.policy import Role

STATUSES = [SelectChoice("active", "Active"), SelectChoice("inactive", "Inactive")]
ROLES = [SelectChoice(role.value, role.label) for role in Role]


class UserFields(FlaskForm):
    """What create and edit share."""

    username = username_field()
    email = email_field()
    display_name = display_name_field()
    role = SelectField("Role", choices=ROLES, default=Role.member.value)
    # The field forms sent before roles existed (scripts still may): yes means admin.
    is_admin = YesNoField("Admin")

    def process(self, *args: Any, **kwargs: Any) -> None:
        super().process(*args, **kwargs)
        # [] means "posted without it" (None: nothing was posted): the old field decides.
        if self.role.raw_data == []:
            self.role.data = Role.admin.value if self.is_admin.data else Role.member.value


class UserCreateForm(UserFields, IdempotentForm):
    """A create: its key makes a second sending of the same form create nobody."""

    # Left empty, the user is invited by mail to choose their own (roster.accounts).
    password = password_field(required=False)


class UserEditForm(UserFields):
    """The password is optional (a reset) and `version` guards against lost edits."""

    password = password_field("New password", required=False)
    # A select, not a checkbox: a request that leaves it out keeps the status as it is.
    is_active = SelectField("Status", choices=STATUSES, validate_choice=False)
    version = HiddenField(validators=[DataRequired()])
