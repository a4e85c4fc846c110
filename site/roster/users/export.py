"""The user table as CSV: every user the filters match, streamed a batch of rows at a time.

Memory stays constant however many users match: the rows come from a server-side cursor
(`yield_per`) as plain tuples (no ORM objects, no identity map) and each batch is written out
before the next is read. Spreadsheet programs run a cell that starts with `=`, `+`, `-`, `@`
(or a tab or carriage return) as a formula; such cells get a leading apostrophe (OWASP's
advice for CSV injection), which the programs show as plain text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from roster.extensions import db
from roster.templating import as_utc
from roster.users.models import User
from roster.users.queries import TableView, sorted_matches

# Rows fetched from the database cursor per round trip, and written out per chunk.
BATCH = 1000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
HEADER = (
    "id",
    "username",
    "display_name",
    "email",
    "email_verified",
    "role",
    "status",
    "last_sign_in",
    "created",
)
COLUMNS = (
    User.id,
    User.username,
    User.display_name,
    User.email,
    User.email_verified_at,
    User.role,
    User.is_active,
    User.deleted_at,
    User.last_sign_in_at,
    User.created_at,
)


def neutralise(value: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def timestamp(moment: datetime | None) -> str:
    return as_utc(moment).isoformat(timespec="seconds") if moment else ""


def cells(row: Any) -> list[str]:
    """One user's line, in HEADER's order."""
    status = "deleted" if row.deleted_at else ("active" if row.is_active else "inactive")
    return [
        str(row.id),
        neutralise(row.username),
        neutralise(row.display_name),
        neutralise(row.email),
        "yes" if row.email_verified_at else "no",
        row.role,
        status,
        timestamp(row.last_sign_in_at),
        timestamp(row.created_at),
    ]


def csv_lines(view: TableView, *, bom: bool = False) -> Iterator[str]:
    """The header, then every matching user a batch at a time (a generator). The header goes
    out before the query runs, so the download starts at once however long the first batch
    takes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if bom:
        buffer.write(BOM)
    writer.writerow(HEADER)
    yield _taken(buffer)
    rows = db.session.execute(sorted_matches(view, *COLUMNS).execution_options(yield_per=BATCH))
    for batch in rows.partitions():
        writer.writerows(cells(row) for row in batch)
        yield _taken(buffer)


def _taken(buffer: io.StringIO) -> str:
    """What `buffer` holds, leaving it empty."""
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def file_name(today: datetime) -> str:
    return f"users-{today:%Y-%m-%d}.csv"
