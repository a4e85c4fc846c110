"""Reading the audit log: filters from the URL, newest first, a keyset page at a time.

Every filter is one indexed condition, and a username becomes a scalar subquery on the
unique lower(username) index: one query per page, whatever is filtered.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select

from roster.audit.actions import ACTIONS
from roster.audit.models import AuditEntry
from roster.days import midnight, parse_day
from roster.extensions import MAX_ID, db
from roster.pagination import Page, keyset_page, link_args
from roster.users.models import User
from roster.users.policy import USERNAME_PATTERN

USERNAME = re.compile(USERNAME_PATTERN)


@dataclass(frozen=True)
class AuditView:
    """The filters and the page the admin is looking at; all of it lives in the URL.

    Filter values that cannot match anything sensible (a malformed date, an unknown action)
    are dropped, so the form shows what was applied; a malformed page cursor is a 400.
    """

    actor: str = ""
    user: str = ""
    action: str = ""
    after: date | None = None
    before: date | None = None
    # The page after this cursor (roster.pagination), newest first; `after` and `before` are
    # the date filters here, so the page cursor has a name of its own.
    older: str | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> AuditView:
        return cls(
            actor=_who(args.get("actor", "")),
            user=_who(args.get("user", "")),
            action=args.get("action", "") if args.get("action") in ACTIONS else "",
            after=parse_day(args.get("after", "")),
            before=parse_day(args.get("before", "")),
            older=args.get("older") or None,
        )

    @property
    def filtered(self) -> bool:
        return any((self.actor, self.user, self.action, self.after, self.before))

    def args(self, **changes: Any) -> dict[str, str]:
        """Query-string arguments for a link to this view with `changes` (empty values dropped)."""
        return link_args(self, **changes)


def _who(text: str) -> str:
    """A user id or a username; anything else is no filter at all."""
    text = text.strip()
    user_id = _user_id(text)
    if user_id is not None:
        return str(user_id)
    return text if USERNAME.match(text) else ""


def _user_id(who: str) -> int | None:
    """`who` as a user id, if it is one: digits that fit the column (others are a username)."""
    if who.isascii() and who.isdigit() and len(who) <= len(str(MAX_ID)) and int(who) <= MAX_ID:
        return int(who)
    return None


def user_is(column: Any, who: str) -> ColumnElement[bool]:
    """`column` holds the user `who` names: an id as it is, a username through its index."""
    as_id = _user_id(who)
    if as_id is not None:
        return column == as_id
    user_id = select(User.id).where(func.lower(User.username) == who.lower()).scalar_subquery()
    return column == user_id


def filtered_entries(view: AuditView) -> Select:
    query = select(AuditEntry)
    if view.actor:
        query = query.where(user_is(AuditEntry.actor_id, view.actor))
    if view.user:
        query = query.where(user_is(AuditEntry.target_id, view.user))
    if view.action:
        query = query.where(AuditEntry.action == view.action)
    if view.after:
        query = query.where(AuditEntry.created_at >= midnight(view.after))
    if view.before:
        query = query.where(AuditEntry.created_at < midnight(view.before))
    return query


def fetch_page(view: AuditView, per_page: int) -> Page[AuditEntry]:
    """Newest first from `view.older` on, one statement (roster.pagination)."""
    return keyset_page(
        filtered_entries(view),
        (AuditEntry.created_at, AuditEntry.id),
        per_page=per_page,
        descending=True,
        after=view.older,
    )


SIGN_IN_ACTIONS = ("auth.sign_in", "auth.sign_in_failed")


def sign_ins(user_id: int, limit: int) -> list[AuditEntry]:
    """The user's latest sign-ins and failed attempts, newest first (the target_id index)."""
    query = (
        select(AuditEntry)
        .where(AuditEntry.target_id == user_id, AuditEntry.action.in_(SIGN_IN_ACTIONS))
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))
