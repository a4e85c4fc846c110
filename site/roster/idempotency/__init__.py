"""Creates that happen once: a form sent twice (a double click, Enter twice, a retry after a
lost answer) creates one thing, and the second sending gets the first one's answer.

Each rendered create form carries a fresh random key (`IdempotentForm`, hidden field
`idempotency_key`). The service that creates the thing calls `remember` in the same transaction,
so the key is stored exactly when the thing is; the key is the table's primary key, so of two
sendings racing each other only one commits. The view asks `submit_once`, which answers with
the id made the first time, also when the second sending lost the race (its insert refused).
Keys are kept `IDEMPOTENCY_KEY_MAX_AGE` seconds. A request without a key (a script) creates
as before.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from flask import current_app
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from wtforms import HiddenField

from roster.extensions import db
from roster.idempotency.models import KEY_MAX_LENGTH, FormSubmission
from roster.submission import Refused, submit
from roster.users.models import utcnow

KEY_PATTERN = re.compile(rf"[A-Za-z0-9_-]{{16,{KEY_MAX_LENGTH}}}")
# The primary key's name (the naming convention in roster.extensions), as a refusal shows it.
KEY_CONSTRAINT = "pk_form_submissions"


def new_key() -> str:
    return secrets.token_urlsafe(24)


def well_formed(value: Any) -> str | None:
    """The key as sent, or None for anything that is not one (the create then runs unguarded)."""
    return value if isinstance(value, str) and KEY_PATTERN.fullmatch(value) else None


class IdempotentForm(FlaskForm):
    """A create form: each rendering gets a new key; a form sent back with errors keeps its own."""

    idempotency_key = HiddenField(default=new_key, filters=[well_formed])


@dataclass(frozen=True, slots=True)
class Once:
    """Which create a key guards: passed to the service, which `remember`s what it made."""

    kind: str
    key: str | None


class HasId(Protocol):
    id: int


def _fresh_since() -> Any:
    return utcnow() - timedelta(seconds=current_app.config["IDEMPOTENCY_KEY_MAX_AGE"])


def earlier_result(once: Once) -> int | None:
    """The id the signed-in user's form with this key created before, or None."""
    if once.key is None or not current_user.is_authenticated:
        return None
    return db.session.scalar(
        select(FormSubmission.result_id).where(
            FormSubmission.key == once.key,
            FormSubmission.kind == once.kind,
            FormSubmission.actor_id == current_user.id,
            FormSubmission.created_at >= _fresh_since(),
        )
    )


class AlreadySent(Refused):
    """A twin sending of the same form committed first: `submit_once` answers with its result."""

    def __init__(self) -> None:
        super().__init__({None: "This form was sent already."})


def remember(once: Once | None, made: HasId) -> None:
    """Store the key with what it made (flushed for its id), in the caller's transaction.

    Call it inside the `try` around the commit: the flush may already meet a unique index.
    """
    if once is None or once.key is None or not current_user.is_authenticated:
        return
    db.session.flush()
    # Expired keys go here, a few at a time: the table holds about a day of creates.
    db.session.execute(delete(FormSubmission).where(FormSubmission.created_at < _fresh_since()))
    db.session.add(
        FormSubmission(key=once.key, kind=once.kind, actor_id=current_user.id, result_id=made.id)
    )


def raise_if_key_clash(error: IntegrityError) -> None:
    """Turn a refused commit that names the key's constraint into AlreadySent."""
    message = str(error.orig)
    if KEY_CONSTRAINT in message or "form_submissions.key" in message:
        raise AlreadySent from error


def commit_once(once: Once | None, made: HasId) -> None:
    """`remember` and commit; a twin sending that stored the key first raises AlreadySent."""
    try:
        remember(once, made)
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise_if_key_clash(error)
        raise


@dataclass(frozen=True, slots=True)
class Created:
    """What a create form made: `first` is False for a second sending answered from the first."""

    id: int
    first: bool = True


def submit_once(
    form: IdempotentForm,
    kind: str,
    create: Callable[..., HasId],
    *args: Any,
    validate: Callable[[IdempotentForm], bool] | None = None,
) -> Created | None:
    """What a valid `form` creates through `create(*args, once=...)`, made once per key.

    A key seen before gives the id made the first time, before the form is even validated (its
    username would be taken by then). A create refused because a twin sending committed first
    gives the twin's id too. None means the form has errors to show. `validate` replaces the
    form's own `validate_on_submit` (to add checks that need the database).
    """
    once = Once(kind, form.idempotency_key.data)
    if (earlier := earlier_result(once)) is not None:
        return Created(earlier, first=False)
    if validate(form) if validate else form.validate_on_submit():
        made = submit(form, create, *args, once=once)
        if made is not None:
            return Created(made.id)
        if (earlier := earlier_result(once)) is not None:
            return Created(earlier, first=False)
    return None
