"""The account field rules (users/policy.py): each rule, its one message, and every user of it.

Messages are asserted through the policy's constants, and the constants once against the limits
they are built from, so a changed limit changes every message and no test needs retyping.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from roster.auth.forms import RegisterForm
from roster.extensions import db
from roster.profiles.forms import PasswordForm, ProfileForm
from roster.users import policy
from roster.users.forms import UserCreateForm, UserEditForm
from roster.users.models import User
from roster.users.service import DuplicateUserError, commit_or_report_duplicate, find_for_login
from tests.helpers import HX, PASSWORD, scalar

LONG_ENOUGH = "a long enough password"
# What an admin form's is_admin reads as yes, and a sample of what it reads as no.
YES = ["y", "Y", "on", "ON", "true", "True", "1"]
NO = ["0", "no", "off", "false", "FALSE", "", "yes", "2", "admin"]


def test_each_message_is_built_from_its_limits():
    assert policy.USERNAME_MESSAGE.startswith(
        f"{policy.USERNAME_MIN_LENGTH} to {policy.USERNAME_MAX_LENGTH} characters"
    )
    assert f"At least {policy.MIN_PASSWORD_LENGTH} characters." == policy.PASSWORD_MESSAGE
    assert f"{policy.DISPLAY_NAME_MAX_LENGTH} characters" in policy.DISPLAY_NAME_MESSAGE


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("abc", "abc"),
        ("x" * 32, "x" * 32),
        (" Ada_Lovelace.1-2 ", "Ada_Lovelace.1-2"),
    ],
)
def test_usernames_that_pass_are_stripped(typed, stored):
    assert policy.clean_username(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "ab",
        "x" * 33,
        "no spaces",
        "émile",
        "ada!",
        "ad\na",
        "",
        "\uff21\uff24\uff21",  # "ADA" in full-width letters
    ],
)
def test_usernames_that_fail_get_the_username_message(typed):
    with pytest.raises(policy.Invalid, match=re.escape(policy.USERNAME_MESSAGE)):
        policy.clean_username(typed)


@pytest.mark.parametrize(
    ("typed", "stored", "key"),
    [
        (" Ada@Example.COM ", "Ada@example.com", "ada@example.com"),
        ("ÉMILE@x.org", "ÉMILE@x.org", "émile@x.org"),
        ("e\u0301mile@X.org", "émile@x.org", "émile@x.org"),  # combining accent: NFC, then key
        ("\uff45mile@x.org", "\uff45mile@x.org", "emile@x.org"),  # full-width e: NFKC in the key
        ("STRASSE@x.org", "STRASSE@x.org", "strasse@x.org"),
        ("Straße@x.org", "Straße@x.org", "strasse@x.org"),  # case folding, not lower()
        ("a@xn--bcher-kva.de", "a@bücher.de", "a@bücher.de"),
    ],
)
def test_emails_are_normalised_once_and_keyed_without_case_or_unicode_form(typed, stored, key):
    assert policy.clean_email(typed) == stored
    assert policy.email_key(policy.clean_email(typed)) == key
    assert policy.identifier_key(typed) == key


@pytest.mark.parametrize(
    "typed",
    [
        "not-an-email",
        "two@@example.com",
        "a@localhost",
        "",
        "a b@example.com",
        "a@example",
        f"{'a' * 64}@{'b' * 63}.{'c' * 63}.{'d' * 63}.com",  # 258 characters
    ],
)
def test_emails_that_fail_get_the_email_message(typed):
    with pytest.raises(policy.Invalid, match=re.escape(policy.EMAIL_MESSAGE)):
        policy.clean_email(typed)


def test_display_names_are_optional_one_line_and_limited():
    limit = policy.DISPLAY_NAME_MAX_LENGTH
    assert policy.clean_display_name("") == ""
    assert policy.clean_display_name(" ليلى حداد ") == "ليلى حداد"
    assert policy.clean_display_name("n" * limit) == "n" * limit
    for typed in ("n" * (limit + 1), "two\nlines", "nul\x00byte", "tab\there"):
        with pytest.raises(policy.Invalid, match=re.escape(policy.DISPLAY_NAME_MESSAGE)):
            policy.clean_display_name(typed)


def test_passwords_need_the_minimum_length_and_keep_their_blanks():
    shortest = " " + "p" * (policy.MIN_PASSWORD_LENGTH - 2) + " "
    assert policy.clean_password(shortest) == shortest
    with pytest.raises(policy.Invalid, match=re.escape(policy.PASSWORD_MESSAGE)):
        policy.clean_password(shortest[:-1])


@pytest.mark.parametrize(("value", "yes"), [(v, True) for v in YES] + [(v, False) for v in NO])
def test_what_means_yes(value, yes):
    assert policy.means_yes(value) is yes
    assert policy.means_yes(f" {value} ") is yes


# ---- every form takes its account fields from the policy ---------------------------------

# Each form with account fields, and what a valid submit of it holds.
FORMS = {
    RegisterForm: {"username": "newbie", "email": "newbie@example.com"}
    | {"password": LONG_ENOUGH, "confirm": LONG_ENOUGH},
    UserCreateForm: {"username": "newbie", "email": "newbie@example.com", "password": LONG_ENOUGH},
    UserEditForm: {"username": "newbie", "email": "newbie@example.com", "version": "1"},
    ProfileForm: {"display_name": "New Bie", "email": "newbie@example.com", "version": "1"},
    PasswordForm: {"current_password": "x", "password": LONG_ENOUGH, "confirm": LONG_ENOUGH},
}
BAD = {
    "username": ("no spaces", policy.USERNAME_MESSAGE),
    "email": ("not-an-email", policy.EMAIL_MESSAGE),
    "display_name": ("n" * (policy.DISPLAY_NAME_MAX_LENGTH + 1), policy.DISPLAY_NAME_MESSAGE),
    "password": ("short", policy.PASSWORD_MESSAGE),
}


def form_cases():
    """(form, field) for every account field of every form."""
    return [
        pytest.param(form_class, name, id=f"{form_class.__name__}-{name}")
        for form_class, good in FORMS.items()
        for name in BAD
        if name in good
    ]


def submit(form_class, values: dict[str, str]):
    form = form_class(formdata=MultiDict(values), meta={"csrf": False})
    form.validate()
    return form


@pytest.mark.parametrize(("form_class", "name"), form_cases())
def test_every_form_gives_each_account_field_its_policy_message(app, form_class, name):
    good = FORMS[form_class]
    with app.test_request_context():
        assert submit(form_class, good).errors == {}
        bad, message = BAD[name]
        # A bad password also fails its confirmation; no other field is affected.
        errors = submit(form_class, {**good, name: bad}).errors
        assert errors.pop(name) == [message]
        assert set(errors) <= {"confirm"}


def test_the_confirmation_message_is_the_policys(app):
    with app.test_request_context():
        for form_class in (RegisterForm, PasswordForm):
            form = submit(form_class, {**FORMS[form_class], "confirm": "something else"})
            assert form.errors == {"confirm": [policy.CONFIRM_MESSAGE]}


def test_forms_hold_the_normalised_email(app):
    with app.test_request_context():
        for form_class, good in FORMS.items():
            if "email" in good:
                form = submit(form_class, {**good, "email": " e\u0301mile@EXAMPLE.com "})
                assert form.email.data == "émile@example.com", form_class


# ---- email uniqueness: one normalisation, the same on SQLite and PostgreSQL -----------------

SPELLINGS = [
    "ÉMILE@example.com",
    "émile@example.com",
    "E\u0301MILE@Example.COM",
    "ÉMILE@\uff25XAMPLE.com",  # full-width E,
]


@pytest.mark.parametrize("second", SPELLINGS)
def test_the_database_refuses_another_spelling_of_an_email(app, make_user, second):
    make_user("emile", email=policy.clean_email("émile@example.com"))
    with app.app_context():
        db.session.add(User(username="other", email=second, password_hash="x"))
        with pytest.raises(DuplicateUserError) as clash:
            commit_or_report_duplicate()
    assert clash.value.field == "email"


@pytest.mark.parametrize("second", SPELLINGS)
def test_registration_refuses_another_spelling_of_an_email(app, client, make_user, second):
    make_user("emile", email="ÉMILE@example.com")
    data = {"username": "other", "email": second, "password": LONG_ENOUGH, "confirm": LONG_ENOUGH}
    response = client.post("/register", data=data, headers=HX)
    assert response.status_code == 422
    assert policy.EMAIL_TAKEN in response.get_data(as_text=True)
    assert scalar(app, select(User).where(User.username == "other")) is None


@pytest.mark.parametrize("typed", [*SPELLINGS, "  émile@EXAMPLE.COM  ", "emile"])
def test_sign_in_by_any_spelling_finds_exactly_the_one_account(app, make_user, typed):
    emile = make_user("emile", email="ÉMILE@example.com")
    make_user("emile2", email="emile@example.com")  # plain e: another address, another account
    make_user("emile3", email="émile@example.org")
    with app.app_context():
        assert find_for_login(typed).id == emile.id


def test_signing_in_by_another_spelling_opens_that_account(client, make_user):
    make_user("emile", email="émile@example.com")
    make_user("emile2", email="emile@example.com")
    response = client.post(
        "/login", data={"username": "  E\u0301MILE@EXAMPLE.COM ", "password": PASSWORD}
    )
    assert response.status_code == 303
    # Signed in as emile: only emile's own profile can be edited.
    assert client.get("/user/emile/edit").status_code == 200
    assert client.get("/user/emile2/edit").status_code == 403


def test_the_key_follows_a_changed_email(app, make_user):
    user_id = make_user("emile", email="emile@example.com").id
    with app.app_context():
        db.session.get(User, user_id).email = "ÉMILE@example.com"
        db.session.commit()
    assert scalar(app, select(User.email_key).where(User.id == user_id)) == "émile@example.com"
    with app.app_context():
        assert find_for_login("émile@example.com").id == user_id
        assert find_for_login("emile@example.com") is None


# ---- the command line applies the same rules ----------------------------------------------


def test_create_user_reports_each_rule_with_its_policy_message(app, runner):
    result = runner.invoke(
        args=["create-user", "no spaces", "--email", "not-an-email"], input="short\nshort\n"
    )
    assert result.exit_code == 1
    assert f"Username: {policy.USERNAME_MESSAGE}" in result.output
    assert f"Email: {policy.EMAIL_MESSAGE}" in result.output
    assert f"Password: {policy.PASSWORD_MESSAGE}" in result.output
    assert scalar(app, select(User)) is None


def test_create_user_stores_the_normalised_email_and_refuses_other_spellings(app, runner):
    password = f"{LONG_ENOUGH}\n" * 2
    first = runner.invoke(
        args=["create-user", "emile", "--email", " e\u0301mile@EXAMPLE.com"], input=password
    )
    assert first.exit_code == 0, first.output
    assert scalar(app, select(User.email)) == "émile@example.com"
    again = runner.invoke(
        args=["create-user", "other", "--email", "ÉMILE@example.com"], input=password
    )
    assert again.exit_code == 1
    assert f"Email: {policy.EMAIL_TAKEN}" in again.output


# ---- is_admin on the admin forms: yes only for y, on, true, 1 ----------------------------


@pytest.mark.parametrize(("value", "expected"), [(v, True) for v in YES] + [(v, False) for v in NO])
def test_create_reads_is_admin(app, admin_client, value, expected):
    data = {
        "username": "newbie",
        "email": "newbie@example.com",
        "password": LONG_ENOUGH,
        "is_admin": value,
    }
    response = admin_client.post("/users", data=data, headers=HX)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert scalar(app, select(User.is_admin).where(User.username == "newbie")) is expected


@pytest.mark.parametrize(("value", "expected"), [(v, True) for v in YES] + [(v, False) for v in NO])
def test_edit_reads_is_admin(app, admin_client, make_user, value, expected):
    # The target starts with the other role, so each value must change it to pass.
    target = make_user("target", is_admin=not expected)
    data = {
        "username": target.username,
        "email": target.email,
        "is_admin": value,
        "is_active": "active",
        "version": str(target.version),
    }
    response = admin_client.put(f"/users/{target.id}", data=data, headers=HX)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert scalar(app, select(User.is_admin).where(User.id == target.id)) is expected


def test_edit_without_is_admin_means_no(app, admin_client, make_user):
    """An unticked checkbox is left out of the form: the role goes."""
    target = make_user("target", is_admin=True)
    data = {"username": "target", "email": target.email, "version": str(target.version)}
    assert admin_client.put(f"/users/{target.id}", data=data, headers=HX).status_code == 200
    assert scalar(app, select(User.is_admin).where(User.id == target.id)) is False
