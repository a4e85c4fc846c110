"""/live/<topic>: a Server-Sent Events stream per live screen (see roster.live.topics)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from hashlib import sha256
from typing import Any

from flask import Blueprint, Response, abort, current_app, request, stream_with_context, url_for
from flask_login import current_user, login_required

from roster.audit.live import audit_log
from roster.details.live import user_details
from roster.live.hub import Hub, TooManyStreams
from roster.live.stream import events, start_cursor
from roster.live.topics import Topic
from roster.sessions.service import current_session
from roster.users.live import user_table

TOPICS: dict[str, Topic] = {topic.name: topic for topic in (user_table, audit_log, user_details)}

bp = Blueprint("live", __name__)


def hub() -> Hub:
    return current_app.extensions["roster.live"]


def open_stream(topic: Topic) -> Response:
    """Checked like any page (sign-in, then the topic's rule), then streamed until it ends."""
    if not topic.may_watch(current_user):
        abort(403)
    the_hub = hub()
    record = current_session()
    viewer = (current_user.id, record.id if record else 0)
    args = request.args.to_dict()
    cursor = start_cursor(request.headers.get("Last-Event-ID"), args.pop("since", None))

    def stream():
        with the_hub.subscription():
            yield from events(topic, args, viewer, cursor, the_hub)

    body = stream()
    try:
        first = next(body)  # counts the stream, or refuses it before any header is sent
    except TooManyStreams:
        response = Response("Too many live pages on this server; retrying.", 503)
        response.headers["Retry-After"] = "5"
        return response

    def chained():
        try:
            yield first
            yield from body
        finally:
            body.close()

    return Response(
        stream_with_context(chained()),
        mimetype="text/event-stream",
        # Proxies must pass each event on at once (nginx reads X-Accel-Buffering).
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def stream_view(topic: Topic) -> Callable[[], Response]:
    def view() -> Response:
        return open_stream(topic)

    view.__name__ = topic.name
    return login_required(view)


for _topic in TOPICS.values():
    bp.add_url_rule(f"/live/{_topic.name}", endpoint=_topic.name, view_func=stream_view(_topic))


@dataclass(frozen=True)
class LiveStream:
    """What a page needs to open a stream: its URL, and an id that changes with it."""

    url: str
    id: str


def live_stream(topic: str, args: dict[str, Any]) -> LiveStream | None:
    """The stream of `topic` for a page showing `args`, from the moment the page is read.

    A new URL gets a new element id, so a morph replaces the element (and its connection)
    instead of changing the URL of an open one. The catalog shows screens, not live data.
    """
    if request.blueprint == "catalog":
        return None
    url = url_for(f"live.{topic}", **args, since=int(time.time() * 1000))
    return LiveStream(url, f"live-{topic}-{sha256(url.encode()).hexdigest()[:12]}")
