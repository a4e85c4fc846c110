"""Delivery off the request: a queue and one background thread per process.

A request hands over a finished message and goes on; the thread talks to the mail server
(or writes the outbox file). A slow or broken server costs the thread time, never the user,
and a failure is logged, never raised into a request. The thread starts with the first
message (also after a fork: each gunicorn worker gets its own), leaves after a quiet spell,
and the messages still queued when the process exits are sent before it does.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
import weakref
from dataclasses import dataclass, field
from queue import Empty, Queue

from flask import Flask
from flask_mailman import EmailMultiAlternatives

logger = logging.getLogger("roster.mail")

# A thread with nothing to send for this long ends; the next message starts another.
IDLE_SECONDS = 30.0
# At exit, how long queued messages may still take.
EXIT_GRACE_SECONDS = 5.0

_postmen: weakref.WeakSet[Postman] = weakref.WeakSet()
_exit_hook = threading.Lock()
_exit_hook_registered = False


@dataclass
class Delivery:
    """What became of one message; `wait` lets a view tell the user when sending failed."""

    recipient: str
    subject: str
    done: threading.Event = field(default_factory=threading.Event)
    failed: bool = False

    def wait(self, seconds: float) -> bool | None:
        """True once sent, False if it failed, None if it is still on its way after `seconds`."""
        if not self.done.wait(seconds):
            return None
        return not self.failed


class Postman:
    """The app's outgoing queue and the thread that empties it."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._queue: Queue[tuple[EmailMultiAlternatives, Delivery]] = Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()
        self._deliveries: list[Delivery] = []

    def post(self, message: EmailMultiAlternatives) -> Delivery:
        """Queue `message`; it leaves within moments, whatever the request does next."""
        delivery = Delivery(recipient=", ".join(message.to), subject=message.subject)
        with self._lock:
            if self._pid != os.getpid():
                # A forked child inherits the queue's contents but not the thread: start afresh.
                self._queue, self._thread, self._pid = Queue(), None, os.getpid()
                self._deliveries = []
            self._deliveries = [d for d in self._deliveries if not d.done.is_set()]
            self._deliveries.append(delivery)
            self._queue.put((message, delivery))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="roster-mail", daemon=True)
                self._thread.start()
        _register_exit_hook(self)
        return delivery

    def drain(self, seconds: float) -> bool:
        """Wait up to `seconds` for every queued message; True when none is left."""
        deadline = time.monotonic() + seconds
        with self._lock:
            waiting = list(self._deliveries)
        return all(d.done.wait(max(0.0, deadline - time.monotonic())) for d in waiting)

    def _run(self) -> None:
        while True:
            try:
                message, delivery = self._queue.get(timeout=IDLE_SECONDS)
            except Empty:
                with self._lock:
                    if self._queue.empty():
                        self._thread = None
                        return
                continue
            self._deliver(message, delivery)

    def _deliver(self, message: EmailMultiAlternatives, delivery: Delivery) -> None:
        """Send one message; any failure is logged with what it was, never with its body."""
        try:
            with self.app.app_context():
                message.send()
        except Exception as error:
            delivery.failed = True
            logger.error(
                "Mail %r to %s was not sent: %s: %s",
                delivery.subject,
                delivery.recipient,
                type(error).__name__,
                error,
            )
        else:
            logger.info("Mail %r sent to %s", delivery.subject, delivery.recipient)
        finally:
            delivery.done.set()


def _register_exit_hook(postman: Postman) -> None:
    global _exit_hook_registered
    _postmen.add(postman)
    with _exit_hook:
        if not _exit_hook_registered:
            atexit.register(_drain_all)
            _exit_hook_registered = True


def _drain_all() -> None:
    """At exit, give queued messages a few seconds to leave (the thread is a daemon)."""
    for postman in list(_postmen):
        postman.drain(EXIT_GRACE_SECONDS)
