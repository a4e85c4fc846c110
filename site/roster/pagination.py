"""Keyset paging for every list on the site: one cursor format, forwards and backwards.

A list is ordered by a unique key (its last column is unique); a page ends at a row, and its
cursor holds that row's key. The next page is `WHERE key > cursor`: it never repeats or skips a
row when others are added or deleted in between, costs the same on page 1 and page 10,000 (an
index seek, no OFFSET) and needs no count. `?after=<cursor>` is the page after a row,
`?before=<cursor>` the page before one.

A cursor is URL-safe base64 of a JSON list of the key's values. Coming back in, each value is
checked against its column's type, so a tampered cursor is a 400 and never reaches the database.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, literal, tuple_
from werkzeug.exceptions import BadRequest

from roster.extensions import db

T = TypeVar("T")

# Longer than any cursor this site writes (a long email's key is about 350 characters).
MAX_CURSOR_LENGTH = 1024
# What SQLite and PostgreSQL bind as an integer; larger ones would fail in the driver.
INTEGER_RANGE = range(-(2**63), 2**63)


class BadCursor(BadRequest):
    """A page link this site did not write: answered with 400, like any malformed request."""

    description = "That page link is broken. Start again from the first page."


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list, with the cursors of the pages beside it (None: there is none)."""

    items: Sequence[T]
    next_cursor: str | None = None
    previous_cursor: str | None = None

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_previous(self) -> bool:
        return self.previous_cursor is not None


def cursor_args(args: Mapping[str, str]) -> dict[str, str | None]:
    """`after` and `before` from a query string; `after` wins when a link carries both."""
    after = args.get("after") or None
    return {"after": after, "before": None if after else args.get("before") or None}


def link_args(view: Any, **changes: Any) -> dict[str, Any]:
    """Query-string arguments for a link to a list's `view` with `changes`. The view is a frozen
    dataclass whose fields are the URL's arguments: a field at its default is left out (short
    URLs, one URL per view), a date is written YYYY-MM-DD."""
    view = replace(view, **changes)
    return {
        field.name: value.isoformat() if isinstance(value, date) else value
        for field in fields(view)
        if (value := getattr(view, field.name)) != field.default
    }


def keyset_page(
    query: Select,
    key: Sequence[ColumnElement],
    *,
    per_page: int,
    descending: bool = False,
    after: str | None = None,
    before: str | None = None,
) -> Page:
    """The page of `query`'s entities after the row `after`, or before the row `before`.

    One statement: the key columns travel with each row (so cursors hold exactly what the
    database compared, lower() included), and one row more than a page says whether there is
    a next one. The page before a row is read by walking backwards, then turned round.
    """
    backwards = after is None and before is not None
    cursor = before if backwards else after
    towards_smaller = descending != backwards
    if cursor is not None:
        values = [
            literal(value, column.type)
            for column, value in zip(key, decode(cursor, key), strict=True)
        ]
        row, bound = (key[0], values[0]) if len(key) == 1 else (tuple_(*key), tuple_(*values))
        query = query.where(row < bound if towards_smaller else row > bound)
    order = [column.desc() if towards_smaller else column.asc() for column in key]
    rows = db.session.execute(query.add_columns(*key).order_by(*order).limit(per_page + 1)).all()
    more = len(rows) > per_page
    rows = rows[:per_page]
    if backwards:
        rows.reverse()
    items = [row[0] for row in rows]
    first = encode(rows[0][1:]) if rows else None
    last = encode(rows[-1][1:]) if rows else None
    if backwards:
        return Page(items, next_cursor=last or cursor, previous_cursor=first if more else None)
    return Page(
        items, next_cursor=last if more else None, previous_cursor=None if cursor is None else first
    )


def encode(values: Sequence[Any]) -> str:
    """The cursor of a row whose key has these values."""
    plain = [value.isoformat() if isinstance(value, datetime) else value for value in values]
    data = json.dumps(plain, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def decode(cursor: str, key: Sequence[ColumnElement]) -> list[Any]:
    """The key values in `cursor`, each of its column's type; BadCursor for anything else."""
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise BadCursor
    try:
        data = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True)
        values = json.loads(data)
        if not isinstance(values, list) or len(values) != len(key):
            raise BadCursor
        return [
            _typed(value, column.type.python_type)
            for column, value in zip(key, values, strict=True)
        ]
    except (ValueError, TypeError, RecursionError, binascii.Error) as error:
        raise BadCursor from error


def _typed(value: Any, kind: type) -> Any:
    if kind is datetime and isinstance(value, str):
        return datetime.fromisoformat(value)
    if kind is bool and isinstance(value, bool):
        return value
    if kind is int and type(value) is int and value in INTEGER_RANGE:
        return value
    # PostgreSQL refuses NUL in text; no key this site writes contains one.
    if kind is str and isinstance(value, str) and "\x00" not in value:
        return value
    raise BadCursor
