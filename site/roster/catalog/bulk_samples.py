"""Catalog samples for the user table's bulk actions: the selection bar and the confirm step."""

from __future__ import annotations

from functools import partial
from typing import Any

from roster.catalog.samples import Context, table, trash
from roster.users.bulk import ACTIONS, NOTHING_SELECTED, BulkRequest, Selection
from roster.users.queries import TableView
from roster.users.rules import SELF_DEACTIVATE, SELF_DEMOTE

# A filter that matches more than a page: "select all ... matching" applies to every page.
MEMBERS = TableView(role="member", status="active")


def selection_bar(**extra: Any) -> Context:
    """The bar above the table: tick rows (or all matching), choose an action, Apply."""
    return table(view=MEMBERS, count=1234, **extra)


def confirm(action: str, count: int, *, matching: bool = False, left_out: str | None = None):
    """Asking first, with the count; `matching`: over every match of the filters."""
    selection = Selection(view=MEMBERS) if matching else Selection(ids=(2, 3))
    order = BulkRequest(ACTIONS[action], selection, MEMBERS, confirmed=False)
    context = selection_bar()
    return {**context, "confirm": {"order": order, "count": count, "left_out": left_out}}


ENTRIES = [
    ("users/index.html", "bulk_bar", "default", selection_bar),
    (
        "users/index.html",
        "bulk_bar",
        "nothing-selected",
        partial(selection_bar, bulk_problem=NOTHING_SELECTED),
    ),
    ("users/index.html", "bulk_bar", "trash", trash),
    ("users/index.html", "bulk_confirm", "delete", partial(confirm, "delete", 2)),
    (
        "users/index.html",
        "bulk_confirm",
        "demote-every-match",
        partial(confirm, "role-member", 1233, matching=True, left_out=SELF_DEMOTE),
    ),
    ("users/index.html", "bulk_confirm", "deactivate", partial(confirm, "deactivate", 2)),
    (
        "users/index.html",
        "bulk_confirm",
        "nobody-left",
        partial(confirm, "deactivate", 0, left_out=SELF_DEACTIVATE),
    ),
    (
        "users/index.html",
        "content",
        "bulk-confirm",
        partial(confirm, "delete", 1234, matching=True),
    ),
]
