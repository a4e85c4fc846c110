"""Two people changing one thing at once: the later save is told, and chooses; nothing is lost.

A row that forms edit carries a version (SQLAlchemy's version counter on the model), and its
form carries the version it was loaded at. A service that finds the row changed since then
raises `Conflict` (`Gone` when it was deleted meanwhile), also when the other save commits
between its read and its write (the flush finds the version moved: `StaleDataError`). Views
answer 409: a form comes back as typed, with the fields whose saved value differs from what
was typed (`rebase`), a Keep mine button (the same form, now over the newer version) and a
Take theirs link (the form reloaded). Anything else gets its message (roster.errors).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_wtf import FlaskForm
from sqlalchemy.exc import DBAPIError
from wtforms import BooleanField, Field, SelectField

# What PostgreSQL says when it aborted a transaction for racing another one: a serialization
# failure and a deadlock. Trying again would work: the user is asked to.
RACE_STATES = frozenset({"40001", "40P01"})


class Conflict(Exception):
    """Someone else changed this since the page that asked for the change was loaded."""


class Gone(Conflict):
    """Someone else deleted it meanwhile."""


def is_race(error: DBAPIError) -> bool:
    """Whether the database aborted the transaction because another one raced it."""
    return getattr(error.orig, "sqlstate", None) in RACE_STATES


@dataclass(frozen=True, slots=True)
class Difference:
    """A field whose saved value (theirs) is not what the user typed (mine), as the form shows."""

    name: str
    label: str
    theirs: str
    mine: str


def rebase(mine: FlaskForm, theirs: FlaskForm, names: Iterable[str]) -> list[Difference]:
    """Prepare `mine` (a form refused as stale) for Keep mine: it takes the saved version
    from `theirs` (the same form loaded from the row now). Returns the fields that differ."""
    mine.version.data = theirs.version.data
    return [
        Difference(name, mine[name].label.text, shown(theirs[name]), shown(mine[name]))
        for name in names
        if sent(mine[name]) and mine[name].data != theirs[name].data
    ]


def sent(field: Field) -> bool:
    """Whether the request gave the field a value: one left out keeps the saved value (an
    unchecked checkbox is not sent at all, and means no)."""
    return bool(field.raw_data) or isinstance(field, BooleanField)


def shown(field: Field) -> str:
    """The field's value in words: a choice by its label, a checkbox as yes or no."""
    if isinstance(field, BooleanField):
        return "Yes" if field.data else "No"
    if isinstance(field, SelectField):
        labels = {str(value): label for value, label, *_ in field.iter_choices()}
        return labels.get(str(field.data), str(field.data or ""))
    return str(field.data or "")
