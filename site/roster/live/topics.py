"""A topic is one live screen: who may watch it, and how new audit entries change it.

A feature declares its topics beside its views (`roster/users/live.py`, `roster/audit/live.py`)
and lists them in `roster.live.views.TOPICS`; the page includes the stream with
`{{ live_updates("<name>", args) }}` from components/live.html. A topic's `render` gets every
new entry and the query arguments of the viewer's page, and answers with the fragments to
swap (`<template hx type="partial">` pieces) or "" when the viewer's page does not change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from roster.audit.models import AuditEntry
from roster.auth.permissions import Permission, has_permission
from roster.users.models import User


def watched_with(permission: Permission) -> Callable[[User], bool]:
    """A topic's `may_watch`: whoever has `permission` (the one asked by the screen's page)."""
    return lambda user: has_permission(user, permission)


@dataclass(frozen=True)
class Topic:
    name: str
    # Asked when the stream opens and again before each change is shown (access can end).
    may_watch: Callable[[User], bool]
    render: Callable[[Sequence[AuditEntry], Mapping[str, str]], str]
