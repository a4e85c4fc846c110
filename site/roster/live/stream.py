"""One Server-Sent Events stream: the audit entries after a cursor, as a topic shows them to one
viewer.

Audit entry ids are the event ids, so a client that reconnects with `Last-Event-ID` gets what
it missed. Ids are handed out when an entry is inserted, not when it is committed, so an id
can show up after a larger one (or never, after a rollback): the cursor moves past a hole
only once it fills, or after `HOLE_SECONDS`; an entry above the hole may then be sent twice,
which the fragments tolerate (a row is morphed twice, a known row is not inserted again).
"""

from __future__ import annotations

import time
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import select

from roster.audit.models import AuditEntry
from roster.extensions import db
from roster.live.hub import Hub
from roster.live.topics import Topic
from roster.sessions import service as sessions
from roster.users.models import User, utcnow

# A hole in the ids older than this was a rolled-back transaction: stop waiting for it.
HOLE_SECONDS = 5.0
# Entries read per query; a bigger burst is read in several.
BATCH = 200
# An entry may be written up to this long before the page that shows it was read.
SINCE_MARGIN = timedelta(seconds=5)
# The event that tells the client to stop reconnecting (hx-sse:close): access was withdrawn.
END_EVENT = "roster-live-end"


@dataclass
class Cursor:
    """Every entry up to `last` is handled, and those in `seen` above it."""

    last: int
    seen: set[int] = field(default_factory=set)
    hole_since: float | None = None

    def take(self, entries: Sequence[AuditEntry]) -> None:
        self.seen.update(entry.id for entry in entries)

    def settle(self, now: float) -> None:
        """Move `last` over every id handled without a hole; give up holes left too long."""
        while True:
            while self.last + 1 in self.seen:
                self.last += 1
                self.seen.discard(self.last)
            if not self.seen:
                self.hole_since = None
                return
            if self.hole_since is None:
                self.hole_since = now
            if now - self.hole_since < HOLE_SECONDS:
                return
            self.last = min(self.seen) - 1
            self.hole_since = None

    def hole_wait(self, now: float) -> float | None:
        """Seconds until a pending hole is given up (None: no hole)."""
        return None if self.hole_since is None else self.hole_since + HOLE_SECONDS - now


def start_cursor(last_event_id: str | None, since_ms: str | None) -> Cursor:
    """Resume after the client's last event, else from shortly before its page was read."""
    if last_event_id and last_event_id.isdecimal() and len(last_event_id) <= 18:
        return Cursor(int(last_event_id))
    since = utcnow()
    if since_ms and since_ms.isdecimal() and len(since_ms) <= 15:
        since = min(since, datetime.fromtimestamp(int(since_ms) / 1000, UTC))
    before = db.session.scalar(
        select(AuditEntry.id)
        .where(AuditEntry.created_at < since - SINCE_MARGIN)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(1)
    )
    db.session.close()
    return Cursor(before or 0)


def entries_after(cursor: Cursor) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.id > cursor.last)
    if cursor.seen:
        query = query.where(AuditEntry.id.not_in(cursor.seen))
    return list(db.session.scalars(query.order_by(AuditEntry.id).limit(BATCH)))


def viewer_now(user_id: int, session_id: int) -> User | None:
    """The viewer as the database says now: None once signed out, deactivated or deleted."""
    record, user, _ = sessions.lookup(user_id, session_id)
    if record is None or user is None or record.user_id != user_id:
        return None
    if not record.is_open(utcnow(), sessions.idle_limit(record)):
        return None
    return None if user.deleted_at or not user.is_active else user


def event(entry_id: int, html: str = "", name: str = "") -> str:
    lines = [f"id: {entry_id}"]
    if name:
        lines.append(f"event: {name}")
    lines += [f"data: {line}" for line in html.splitlines() or ([""] if name else [])]
    return "\n".join(lines) + "\n\n"


def events(
    topic: Topic, args: dict[str, str], viewer: tuple[int, int], cursor: Cursor, hub: Hub
) -> Iterator[str]:
    """The stream's text: the cursor first, then what changed, with heartbeats between."""
    config = current_app.config
    deadline = time.monotonic() + config["LIVE_STREAM_SECONDS"]
    yield event(cursor.last)
    look, ended = True, False
    while True:
        version = hub.version
        if look:
            ended = yield from catch_up(topic, args, viewer, cursor)
            db.session.close()  # the connection goes back to the pool while the stream idles
        now = time.monotonic()
        if ended or now >= deadline or hub.closing:
            return
        waits = [config["LIVE_HEARTBEAT_SECONDS"], deadline - now, cursor.hole_wait(now)]
        if not hub.listening:
            waits.append(config["LIVE_POLL_SECONDS"])
        woken = hub.wait(version, min(w for w in waits if w is not None))
        look = woken or cursor.hole_since is not None or not hub.listening
        if not woken:
            yield ": still here\n\n"


def catch_up(
    topic: Topic, args: dict[str, str], viewer: tuple[int, int], cursor: Cursor
) -> Generator[str, None, bool]:
    """Show every entry after the cursor, a batch at a time; True when the viewer lost access."""
    while True:
        entries = entries_after(cursor)
        before = cursor.last
        cursor.take(entries)
        cursor.settle(time.monotonic())
        html = ""
        if entries:
            user = viewer_now(*viewer)
            if user is None or not topic.may_watch(user):
                yield event(cursor.last, name=END_EVENT)
                return True
            html = topic.render(entries, args)
        if html or cursor.last != before:
            yield event(cursor.last, html)
        if len(entries) < BATCH:
            return False
