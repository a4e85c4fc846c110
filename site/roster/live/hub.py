"""Who is told when the audit log grows: every open stream of every worker on every machine.

The message is only "something changed, up to entry N": streams read what changed from the
audit log itself, so a lost or doubled announcement costs a query, never a change. With
`REDIS_URL` an announcement goes through Redis pub/sub (one listening thread per process
wakes that process's streams); without it, the process wakes its own streams directly.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

import redis

log = logging.getLogger(__name__)

# Every hub of this process, so that a stopping worker can end all their streams at once.
_HUBS: weakref.WeakSet[Hub] = weakref.WeakSet()
# Seconds between attempts to reach a Redis that went away.
RECONNECT_DELAYS = (0.5, 1, 2, 4, 8)


class TooManyStreams(Exception):
    """This process already serves its share of streams; the client should come back later."""


class Hub:
    """A counter that moves on every announcement, and a condition streams wait on."""

    def __init__(self, redis_url: str | None, channel: str, max_streams: int) -> None:
        self.redis_url = redis_url
        self.channel = channel
        self.max_streams = max_streams
        self.version = 0
        self.latest = 0
        self.streams = 0
        self.closing = False
        # False while the Redis listener is not subscribed: streams then poll on heartbeats.
        self.listening = redis_url is None
        self._changed = threading.Condition()
        self._publisher = (
            redis.Redis.from_url(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
            if redis_url
            else None
        )
        self._listener: threading.Thread | None = None
        _HUBS.add(self)

    def announce(self, entry_id: int | None) -> None:
        """The audit log holds entries up to `entry_id` (None: some, ids unknown)."""
        if self._publisher is None:
            self.wake(entry_id)
            return
        try:
            self._publisher.publish(self.channel, str(entry_id or 0))
        except redis.RedisError as error:
            log.warning("Live updates: Redis unreachable, telling this process only: %s", error)
            self.wake(entry_id)

    def wake(self, entry_id: int | None = None) -> None:
        with self._changed:
            self.version += 1
            self.latest = max(self.latest, entry_id or 0)
            self._changed.notify_all()

    def wait(self, version: int, timeout: float) -> bool:
        """Block until an announcement after `version` (True) or `timeout` seconds (False)."""
        with self._changed:
            return self._changed.wait_for(
                lambda: self.version != version or self.closing, timeout=max(timeout, 0)
            )

    @contextmanager
    def subscription(self) -> Iterator[None]:
        """Count one open stream for as long as it runs; refuse beyond `max_streams`."""
        with self._changed:
            if self.streams >= self.max_streams:
                raise TooManyStreams
            self.streams += 1
        self._start_listening()
        try:
            yield
        finally:
            with self._changed:
                self.streams -= 1

    def close(self) -> None:
        """End every stream now (a worker stopping); they tell their clients to reconnect."""
        with self._changed:
            self.closing = True
            self._changed.notify_all()

    def _start_listening(self) -> None:
        """One Redis listener per process, started by the first stream (after gunicorn forks)."""
        if self.redis_url is None:
            return
        with self._changed:
            if self._listener is not None:
                return
            self._listener = threading.Thread(target=self._listen, name="live-hub", daemon=True)
        self._listener.start()

    def _listen(self) -> None:
        failures = 0
        while not self.closing:
            client = redis.Redis.from_url(self.redis_url, socket_connect_timeout=2)
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.subscribe(self.channel)
                self.listening = True
                failures = 0
                # Whatever was announced while we were away: every stream looks again.
                self.wake()
                while not self.closing:
                    message = pubsub.get_message(timeout=1.0)
                    if message is not None:
                        self.wake(_entry_id(message["data"]))
            except redis.RedisError as error:
                self.listening = False
                delay = RECONNECT_DELAYS[min(failures, len(RECONNECT_DELAYS) - 1)]
                failures += 1
                log.warning("Live updates: Redis listener lost (%s); retrying in %ss", error, delay)
                with self._changed:
                    self._changed.wait_for(lambda: self.closing, timeout=delay)
            finally:
                pubsub.close()
                client.close()


def _entry_id(data: bytes | str) -> int:
    text = data.decode() if isinstance(data, bytes) else str(data)
    return int(text) if text.isdecimal() else 0


def close_all() -> None:
    """End the streams of every hub in this process (gunicorn.conf.py calls it on SIGTERM)."""
    for hub in list(_HUBS):
        hub.close()
