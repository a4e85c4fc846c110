"""A page of rows renders each row once per content (issue 17: rows were most of a page's time).

The table's rows come from `cached_row`: the `user_row` macro's markup, kept per worker and
keyed by everything the row can show, so a row is rendered again exactly when it would come
out different:

- every column of its user, as loaded (a row whose user has a column not loaded is rendered as
  usual: reading the column would cost a query per row);
- the macro's other arguments (the viewer's id, may they change users, focus, fresh);
- the session's CSRF token (a row's resend form carries it): the raw one in the session, since
  tokens do not expire here (WTF_CSRF_TIME_LIMIT None) and any signature of it validates; the
  signed one of this request when they do.

So the macro must show nothing else: no relationship, no `current_user`, no clock. With
templates reloading (`make run`, debug), nothing is cached, so a designer sees an edit at once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from flask import Flask, current_app, session
from markupsafe import Markup
from sqlalchemy import inspect

from roster.templating import csrf_token
from roster.users.models import User

ROWS_KEPT = 5_000  # per worker; a row is about 2 kB


class RowCache:
    """Rendered rows, the least recently used first to go; shared by a worker's threads."""

    def __init__(self, size: int = ROWS_KEPT) -> None:
        self.size = size
        self.rows: OrderedDict[Hashable, Markup] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Hashable) -> Markup | None:
        with self.lock:
            row = self.rows.get(key)
            if row is not None:
                self.rows.move_to_end(key)
            return row

    def put(self, key: Hashable, row: Markup) -> None:
        with self.lock:
            self.rows[key] = row
            self.rows.move_to_end(key)
            while len(self.rows) > self.size:
                self.rows.popitem(last=False)


def init_rows(app: Flask) -> None:
    app.extensions["roster.rows"] = RowCache()
    app.add_template_global(cached_row)


def content_of(user: User) -> tuple[Any, ...] | None:
    """Every column of `user` as loaded, or None when one is not loaded."""
    loaded = inspect(user).dict
    columns = inspect(User).column_attrs
    if any(column.key not in loaded for column in columns):
        return None
    return tuple(loaded[column.key] for column in columns)


def token_key() -> str:
    """What a row's CSRF field depends on (see above)."""
    signed = csrf_token()  # also makes the session's raw token when it has none
    if current_app.config["WTF_CSRF_TIME_LIMIT"] is None:
        return session["csrf_token"]
    return signed


def cached_row(macro: Any, user: User, **arguments: Hashable) -> Markup:
    """`macro(user, **arguments)`, from the cache when this content was rendered before."""
    content = content_of(user)
    if content is None or current_app.jinja_env.auto_reload:
        return macro(user, **arguments)
    rows: RowCache = current_app.extensions["roster.rows"]
    key = (macro.name, content, tuple(sorted(arguments.items())), token_key())
    row = rows.get(key)
    if row is None:
        row = macro(user, **arguments)
        rows.put(key, row)
    return row
