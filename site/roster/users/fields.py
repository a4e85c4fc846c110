"""The account fields every form uses, built from the rules in users/policy.py.

A form declares `username = username_field()` and gets the rule, its message (also as the
field's description, which templates show as the hint) and the normalised value in `data`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wtforms import BooleanField, EmailField, Field, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, ValidationError

from roster.users import policy


class Rule:
    """A WTForms validator running one `policy.clean_*`: its message, or the cleaned value."""

    def __init__(self, clean: Callable[[str], str]) -> None:
        self.clean = clean

    def __call__(self, form: Any, field: Field) -> None:
        if field.data is None:
            return
        try:
            field.data = self.clean(field.data)
        except policy.Invalid as refusal:
            raise ValidationError(str(refusal)) from None


def strip(value: str | None) -> str | None:
    """Surrounding blanks are never meant: " alice " signs in as "alice"."""
    return value.strip() if isinstance(value, str) else value


def identifier_field(label: str = "Username or email") -> StringField:
    """An existing account named by username or email, in any spelling (sign-in, reset)."""
    return StringField(
        label, filters=[strip], validators=[DataRequired(), Length(max=policy.EMAIL_MAX_LENGTH)]
    )


def username_field(label: str = "Username") -> StringField:
    return StringField(
        label,
        validators=[DataRequired(), Rule(policy.clean_username)],
        description=policy.USERNAME_MESSAGE,
    )


def email_field(label: str = "Email") -> EmailField:
    return EmailField(label, validators=[DataRequired(), Rule(policy.clean_email)])


def display_name_field(label: str = "Display name") -> StringField:
    """Optional; a request that leaves it out reads as empty, never as None."""
    return StringField(label, default="", validators=[Rule(policy.clean_display_name)])


def password_field(label: str = "Password", *, required: bool = True) -> PasswordField:
    """Optional (`required=False`) where an empty password means "keep the current one"."""
    return PasswordField(
        label,
        validators=[DataRequired() if required else Optional(), Rule(policy.clean_password)],
        description=policy.PASSWORD_MESSAGE,
    )


def confirm_field(label: str = "Confirm password") -> PasswordField:
    return PasswordField(
        label,
        validators=[DataRequired(), EqualTo("password", message=policy.CONFIRM_MESSAGE)],
    )


class YesNoField(BooleanField):
    """A checkbox that reads yes only for policy.YES_VALUES (WTForms reads "0" or "no" as yes)."""

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = bool(valuelist) and policy.means_yes(valuelist[0])
