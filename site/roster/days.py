"""Days in query strings (`YYYY-MM-DD`): the date filters of /users and /audit read them here."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_day(text: str) -> date | None:
    """The day `text` names, or None for anything else (a filter that cannot apply is dropped)."""
    text = text.strip()
    if not DAY.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def midnight(day: date) -> datetime:
    """The start of `day` in UTC, the zone every time is stored in."""
    return datetime.combine(day, time(), tzinfo=UTC)
