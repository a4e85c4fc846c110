"""The optional Redis cache of signed-in sessions: a signed-in request then costs no SQL at all.

Each session record and each user row is cached under its own key, so one MGET answers the
user loader. A committed change to either writes a short-lived tombstone over its key, and
entries are only ever added with NX: a request that read the database just before the change
committed cannot put the old state back. If Redis fails, the loader reads the database and a
warning is logged; nothing the user does fails because the cache is gone.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any, TypeVar

import redis
from sqlalchemy import DateTime, inspect
from sqlalchemy.orm import make_transient_to_detached

from roster.extensions import db
from roster.sessions.models import UserSession
from roster.users.models import User

log = logging.getLogger(__name__)

TOMBSTONE = b"-"
M = TypeVar("M", User, UserSession)


def dump(row: User | UserSession) -> str:
    """The row's columns as JSON (timestamps in ISO 8601)."""
    values = {}
    for column in inspect(type(row)).columns:
        value = getattr(row, column.key)
        values[column.key] = value.isoformat() if isinstance(value, datetime) else value
    return json.dumps(values)


def revive(model: type[M], raw: bytes) -> M | None:
    """A row from `dump`, attached to the request's session as if just loaded (no SQL).

    None when the entry has other columns than the model: another version of the code wrote
    it (before a migration, say the one that turned is_admin into role), so the database
    answers instead of a row that would be wrong.
    """
    values = json.loads(raw)
    if set(values) != {column.key for column in inspect(model).columns}:
        return None
    for column in inspect(model).columns:
        value = values.get(column.key)
        if value is not None and isinstance(column.type, DateTime):
            values[column.key] = datetime.fromisoformat(value)
    row = model(**values)
    make_transient_to_detached(row)
    return db.session.merge(row, load=False)


class SessionCache:
    """Sessions and users in Redis, keyed by id, each for `ttl` seconds at most."""

    def __init__(self, url: str, *, prefix: str, ttl: int, tombstone_ttl: int) -> None:
        self.redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.prefix = prefix
        self.ttl = ttl
        self.tombstone_ttl = tombstone_ttl

    def session_key(self, session_id: int) -> str:
        return f"{self.prefix}s:{session_id}"

    def user_key(self, user_id: int) -> str:
        return f"{self.prefix}u:{user_id}"

    def seen_key(self, session_id: int) -> str:
        return f"{self.prefix}seen:{session_id}"

    def fetch(
        self, user_id: int, session_id: int, touch_interval: int
    ) -> tuple[UserSession | None, User | None, bool | None]:
        """The cached record and user (None when missing), and whether last-seen is due
        (None when Redis did not answer).

        One round trip: the two entries, and a marker that lets one request a minute (across
        every worker) write the last-seen time.
        """
        pipe = self.redis.pipeline(transaction=False)
        pipe.mget(self.session_key(session_id), self.user_key(user_id))
        pipe.set(self.seen_key(session_id), b"1", nx=True, ex=touch_interval)
        try:
            (raw_session, raw_user), touch_due = pipe.execute()
        except redis.RedisError as error:
            log.warning("Session cache unavailable, reading the database: %s", error)
            return None, None, None
        record = None if raw_session in (None, TOMBSTONE) else revive(UserSession, raw_session)
        user = None if raw_user in (None, TOMBSTONE) else revive(User, raw_user)
        return record, user, bool(touch_due)

    def store(self, record: UserSession, user: User) -> None:
        """Cache both rows, unless a tombstone (a change just committed) or an entry is there."""
        pipe = self.redis.pipeline(transaction=False)
        pipe.set(self.session_key(record.id), dump(record), nx=True, ex=self.ttl)
        pipe.set(self.user_key(user.id), dump(user), nx=True, ex=self.ttl)
        try:
            pipe.execute()
        except redis.RedisError as error:
            log.warning("Session cache unavailable, not caching: %s", error)

    def forget(
        self, session_ids: Iterable[int], user_ids: Iterable[int], *, everything: bool = False
    ) -> None:
        """Tombstone the entries of changed rows (`everything`: all, after a bulk change)."""
        keys = [self.session_key(i) for i in session_ids] + [self.user_key(i) for i in user_ids]
        try:
            if everything:
                keys += [
                    key
                    for pattern in ("s:*", "u:*")
                    for key in self.redis.scan_iter(match=f"{self.prefix}{pattern}", count=1000)
                ]
            pipe = self.redis.pipeline(transaction=False)
            for key in keys:
                pipe.set(key, TOMBSTONE, ex=self.tombstone_ttl)
            pipe.execute()
        except redis.RedisError as error:
            # The entries expire after `ttl` seconds on their own; a revoked session lives on
            # in the cache until then only if Redis comes back with its data.
            log.error("Session cache not invalidated (%d keys): %s", len(keys), error)

    def close(self) -> None:
        self.redis.close()


def create_cache(config: dict[str, Any]) -> SessionCache | None:
    url = config.get("SESSION_CACHE_URL")
    if not url:
        return None
    return SessionCache(
        url,
        prefix=config["SESSION_CACHE_PREFIX"],
        ttl=config["SESSION_CACHE_TTL"],
        tombstone_ttl=config["SESSION_CACHE_TOMBSTONE_TTL"],
    )
