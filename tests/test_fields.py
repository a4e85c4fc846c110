"""The field factories of users/fields.py, each built here and run on its own.

Forms call the factories once, when their classes are defined; these tests build a form per
case, so each factory's label, hint, default, filters and rules are checked where they are made.
"""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import EmailField, Field, Form, PasswordField, StringField

from roster.users import policy
from roster.users.fields import (
    Rule,
    confirm_field,
    display_name_field,
    email_field,
    identifier_field,
    password_field,
    username_field,
)

REQUIRED = "This field is required."
LONG_ENOUGH = "a long enough password"


def checked(data: dict[str, str], **fields: Any) -> Form:
    """A form of `fields`, filled with `data` as a request would, and validated."""
    form = type("Probe", (Form,), fields)(MultiDict(data))
    form.validate()
    return form


def test_identifier_field_strips_and_requires():
    field = checked({"who": "  alice  "}, who=identifier_field()).who
    assert isinstance(field, StringField)
    assert field.label.text == "Username or email"
    assert field.data == "alice"
    assert field.errors == []
    assert checked({"who": "   "}, who=identifier_field()).who.errors == [REQUIRED]
    assert checked({"who": " x "}, who=identifier_field("Account")).who.label.text == "Account"


def test_identifier_field_is_as_long_as_an_email_at_most():
    most = "a" * policy.EMAIL_MAX_LENGTH
    assert checked({"who": most}, who=identifier_field()).who.errors == []
    assert checked({"who": most + "a"}, who=identifier_field()).who.errors != []


def test_an_email_of_the_longest_length_allowed_is_kept():
    domain = "b" * 63 + "." + "c" * 63 + "." + "d" * 57 + ".com"
    longest = "a" * 64 + "@" + domain
    assert len(longest) == policy.EMAIL_MAX_LENGTH
    assert policy.clean_email(longest) == longest


def test_an_email_whose_key_outgrows_the_column_is_refused_with_the_email_message():
    """86 characters as typed, but NFKC unfolds each U+FDFA into 18: a key of 256."""
    address = "\ufdfa" * 10 + "@" + "b" * 63 + ".example.com"
    assert len(address) < policy.EMAIL_MAX_LENGTH < len(policy.email_key(address))
    with pytest.raises(policy.Invalid, match=f"^{policy.EMAIL_MESSAGE}$"):
        policy.clean_email(address)


def test_username_field_cleans_and_hints_with_the_policy():
    field = checked({"name": " Alice "}, name=username_field()).name
    assert field.label.text == "Username"
    assert field.description == policy.USERNAME_MESSAGE
    assert field.data == policy.clean_username(" Alice ")
    assert field.errors == []
    assert checked({"name": "a b"}, name=username_field()).name.errors == [policy.USERNAME_MESSAGE]
    assert checked({}, name=username_field()).name.errors == [REQUIRED]
    assert checked({}, name=username_field("Login")).name.label.text == "Login"


def test_email_field_normalises_with_the_policy():
    field = checked({"mail": " Ann@Example.COM "}, mail=email_field()).mail
    assert isinstance(field, EmailField)
    assert field.label.text == "Email"
    assert field.data == policy.clean_email(" Ann@Example.COM ")
    assert field.errors == []
    assert checked({"mail": "nobody"}, mail=email_field()).mail.errors != []
    assert checked({}, mail=email_field()).mail.errors == [REQUIRED]
    assert checked({}, mail=email_field("Address")).mail.label.text == "Address"


def test_display_name_field_is_optional_and_never_none():
    field = checked({}, name=display_name_field()).name
    assert field.label.text == "Display name"
    assert field.data == ""
    assert field.errors == []
    too_long = "x" * (policy.DISPLAY_NAME_MAX_LENGTH + 1)
    assert checked({"name": too_long}, name=display_name_field()).name.errors == [
        policy.DISPLAY_NAME_MESSAGE
    ]
    assert checked({}, name=display_name_field("Shown as")).name.label.text == "Shown as"


def test_password_field_required_or_not():
    field = checked({"password": LONG_ENOUGH}, password=password_field()).password
    assert isinstance(field, PasswordField)
    assert field.label.text == "Password"
    assert field.description == policy.PASSWORD_MESSAGE
    assert field.errors == []
    assert checked({}, password=password_field()).password.errors == [REQUIRED]
    assert checked({"password": "short"}, password=password_field()).password.errors == [
        policy.PASSWORD_MESSAGE
    ]
    optional = checked({"password": ""}, password=password_field("New", required=False))
    assert optional.password.errors == []
    assert optional.password.label.text == "New"
    short = checked({"password": "short"}, password=password_field(required=False))
    assert short.password.errors == [policy.PASSWORD_MESSAGE]


def test_confirm_field_matches_the_password():
    fields = {"password": password_field(), "confirm": confirm_field()}
    same = checked({"password": LONG_ENOUGH, "confirm": LONG_ENOUGH}, **fields)
    assert same.confirm.label.text == "Confirm password"
    assert same.errors == {}
    other = checked({"password": LONG_ENOUGH, "confirm": LONG_ENOUGH + "!"}, **fields)
    assert other.confirm.errors == [policy.CONFIRM_MESSAGE]
    empty = checked({"password": LONG_ENOUGH}, **fields)
    assert empty.confirm.errors == [REQUIRED]
    labelled = checked({}, password=password_field(), confirm=confirm_field("Again"))
    assert labelled.confirm.label.text == "Again"


def test_a_rule_leaves_a_missing_value_alone():
    form = checked({}, raw=Field(validators=[Rule(policy.clean_username)]))
    assert form.raw.data is None
    assert form.raw.errors == []


@pytest.mark.parametrize("value", ["", "   "])
def test_a_rule_reports_the_policys_message(value):
    form = checked({"name": value}, name=StringField(validators=[Rule(policy.clean_username)]))
    assert form.name.errors == [policy.USERNAME_MESSAGE]
