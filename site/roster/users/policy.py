"""The account field rules: what a username, email, display name and password must be.

The one home of these rules and of the words that explain them. Every form (registration,
sign-in, the admin table, the profile), the `create-user` command and the fragment catalog use
what is here, so a limit and its message change together. WTForms adapters: users/fields.py.
(users/rules.py holds the other kind of rule: what an admin may do to an account.)

Each `clean_*` function takes what was typed and returns the value to store, or raises
`Invalid` with the field's one message. Uniqueness lives here too, as keys:

- usernames are ASCII by USERNAME_PATTERN, so the database's own lower() folds them the same
  on SQLite and PostgreSQL (the unique index uq_users_username_lower);
- emails may be any Unicode, where lower() differs between the engines (SQLite folds ASCII
  only), so their key is computed here, once, and stored: `email_key` (unique index
  uq_users_email_key, filled by the model whenever the email is set).
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

from email_validator import EmailNotValidError, validate_email

USERNAME_MIN_LENGTH = 3
USERNAME_MAX_LENGTH = 32
USERNAME_PATTERN = rf"^[A-Za-z0-9_.\-]{{{USERNAME_MIN_LENGTH},{USERNAME_MAX_LENGTH}}}$"
USERNAME_MESSAGE = (
    f"{USERNAME_MIN_LENGTH} to {USERNAME_MAX_LENGTH} characters: "
    "letters, digits, underscore, dot or dash."
)

EMAIL_MAX_LENGTH = 254  # RFC 5321's limit on a forward path, and the column's size
EMAIL_MESSAGE = "Enter a valid email address."

DISPLAY_NAME_MAX_LENGTH = 64
DISPLAY_NAME_MESSAGE = f"At most {DISPLAY_NAME_MAX_LENGTH} characters, on one line."

MIN_PASSWORD_LENGTH = 12
PASSWORD_MESSAGE = f"At least {MIN_PASSWORD_LENGTH} characters."
CONFIRM_MESSAGE = "The passwords do not match."

USERNAME_TAKEN = "That username is taken."
EMAIL_TAKEN = "An account with that email already exists."
TAKEN_MESSAGES = {"username": USERNAME_TAKEN, "email": EMAIL_TAKEN}

# What an admin form's `is_admin` means as yes (case-insensitive); any other value means no.
YES_VALUES = frozenset({"y", "on", "true", "1"})


class Role(StrEnum):
    """What an account may do is its role's (roster.auth.permissions maps roles to permissions).

    Member names equal their values: a database driver that writes an enum by name (psycopg
    does) writes the same text as one that writes its value.
    """

    admin = "admin"
    moderator = "moderator"
    member = "member"

    @property
    def label(self) -> str:
        return self.value.capitalize()


ROLE_MAX_LENGTH = 16  # the column's size


class Invalid(ValueError):
    """A value the rules refuse; the message is the field's one message, shown to the user."""


def fold(text: str) -> str:
    """The form two spellings of one name share: NFKC and case-folded (Unicode's NFKC_Casefold).

    "ÉMILE", "émile" and "e" + U+0301 (a combining accent) + "mile" all fold to "émile";
    full-width letters fold to plain ones, "ß" to "ss".
    """
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text.strip()).casefold())


def email_key(address: str) -> str:
    """The unique key of an address that `clean_email` returned: what sign-in matches too."""
    return fold(address)


def identifier_key(identifier: str) -> str:
    """What sign-in compares with the username's and email's keys: typed as the user likes."""
    try:
        return email_key(clean_email(identifier))
    except Invalid:
        return fold(identifier)


def clean_username(value: str) -> str:
    name = value.strip()
    if not re.fullmatch(USERNAME_PATTERN, name):
        raise Invalid(USERNAME_MESSAGE)
    return name


def clean_email(value: str) -> str:
    """The address as email-validator normalises it: domain lower-cased, Unicode in NFC.

    The local part keeps its case for display and mail; uniqueness goes by `email_key`, which
    must fit the column as well. Deliverability needs DNS, which registration does not ask.
    """
    try:
        address = validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        raise Invalid(EMAIL_MESSAGE) from None
    if max(len(address), len(email_key(address))) > EMAIL_MAX_LENGTH:
        raise Invalid(EMAIL_MESSAGE)
    return address


def clean_display_name(value: str) -> str:
    """Optional; one line of text (no control characters, which the database may refuse)."""
    name = value.strip()
    too_long = len(name) > DISPLAY_NAME_MAX_LENGTH
    if too_long or any(unicodedata.category(char) == "Cc" for char in name):
        raise Invalid(DISPLAY_NAME_MESSAGE)
    return name


def clean_password(value: str) -> str:
    """Kept exactly as typed: blanks in a password are part of it."""
    if len(value) < MIN_PASSWORD_LENGTH:
        raise Invalid(PASSWORD_MESSAGE)
    return value


def means_yes(value: str | None) -> bool:
    return value is not None and value.strip().lower() in YES_VALUES
