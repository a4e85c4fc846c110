"""Live streams over HTTP: audit ids as event ids, replay after Last-Event-ID, what each viewer
may see, heartbeats, the end of a stream, and announcements through Redis between two apps.

A stream that must stay open is read on a thread of its own (`Listener`); every wait has a
short time limit, so a broken stream fails a test instead of hanging it.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from roster.audit.models import AuditEntry
from roster.audit.service import record, record_each
from roster.extensions import db
from roster.live.hub import close_all
from roster.live.stream import HOLE_SECONDS, Cursor
from roster.users.models import User
from tests.conftest import RosterClient
from tests.helpers import (
    HX,
    REDIS_URL,
    change,
    find,
    find_all,
    parse,
    save,
    scalar,
    sign_in,
    text_of,
)

WAIT = 5.0  # seconds: far more than any event takes, far less than a hung test


@dataclass
class Event:
    id: str | None = None
    name: str = ""
    data: list[str] = field(default_factory=list)
    comment: bool = False

    @property
    def html(self) -> str:
        return "\n".join(self.data)


def parse_events(text: str) -> list[Event]:
    events = []
    for block in text.split("\n\n"):
        if not block:
            continue
        event = Event()
        for line in block.split("\n"):
            name, _, value = line.partition(": ")
            if line.startswith(":"):
                event.comment = True
            elif name == "id":
                event.id = value
            elif name == "event":
                event.name = value
            elif name == "data":
                event.data.append(value)
        events.append(event)
    return events


def stream(client: RosterClient, path: str, **headers: str) -> list[Event]:
    """A whole stream (the test apps end theirs once caught up: LIVE_STREAM_SECONDS = 0)."""
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/event-stream"
    assert response.headers["X-Accel-Buffering"] == "no"
    return parse_events(response.get_data(as_text=True))


class Listener:
    """An open stream, requested and read on a thread of its own (as a server would: the
    request's contexts stay on that thread); events arrive in a queue."""

    def __init__(self, client: RosterClient, path: str) -> None:
        self.chunks: queue.Queue[str | None] = queue.Queue()
        self.text = ""
        self.status: int | None = None
        self.thread = threading.Thread(target=self._read, args=(client, path), daemon=True)
        self.thread.start()

    def _read(self, client: RosterClient, path: str) -> None:
        response = client.get(path, buffered=False)
        self.status = response.status_code
        for chunk in response.response:
            self.chunks.put(chunk.decode() if isinstance(chunk, bytes) else chunk)
        response.close()
        self.chunks.put(None)

    def events(self) -> list[Event]:
        return parse_events(self.text)

    def wait_for(self, found, timeout: float = WAIT) -> Event:
        """The first event `found(event)` accepts, or fail after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events():
                if found(event):
                    return event
            chunk = self.chunks.get(timeout=max(deadline - time.monotonic(), 0.01))
            if chunk is None:
                raise AssertionError(f"the stream ended first ({self.status}): {self.text!r}")
            self.text += chunk

    def wait_for_end(self, timeout: float = WAIT) -> float:
        """Read to the end of the stream; the seconds that took."""
        start = time.monotonic()
        while (chunk := self.chunks.get(timeout=timeout)) is not None:
            self.text += chunk
        self.thread.join(timeout)
        return time.monotonic() - start


@pytest.fixture
def second_admin(app: Flask, make_user) -> RosterClient:
    make_user("grace", is_admin=True)
    client = app.test_client()
    sign_in(client, "grace")
    return client


def rename(client: RosterClient, user: User, display_name: str, **fields: str) -> None:
    """An admin's edit in the user table, as the row form sends it."""
    current = client.get(f"/users/{user.id}/edit", headers=HX)
    version = parse(current.get_data(as_text=True)).cssselect("input[name=version]")[0].get("value")
    data = {
        "username": user.username,
        "email": user.email,
        "display_name": display_name,
        "is_active": "active",
        "version": version,
        **fields,
    }
    response = client.put(f"/users/{user.id}", data=data, headers=HX)
    assert response.status_code == 200, response.get_data(as_text=True)


def last_entry_id(app: Flask) -> int:
    return scalar(app, select(func.max(AuditEntry.id))) or 0


def partial_targets(html: str) -> list[str]:
    return [t.get("hx-target") for t in find_all(html, "template[type=partial]")]


# ---- replay ---------------------------------------------------------------------------------


def test_events_carry_audit_ids_and_replay_after_last_event_id(app, admin_client, admin, make_user):
    ada, bob = make_user("ada"), make_user("bob")
    before = last_entry_id(app)
    rename(admin_client, ada, "Ada L.")
    rename(admin_client, bob, "Bob B.")
    ada_edit, bob_edit = before + 1, before + 2
    assert last_entry_id(app) == bob_edit

    events = stream(admin_client, "/live/users", **{"Last-Event-ID": str(before)})
    assert events[0].id == str(before)
    assert events[0].data == []
    assert [e.id for e in events[1:]] == [str(bob_edit)]  # one batch, named by its last id
    html = events[1].html
    assert partial_targets(html) == [f"#user-{ada.id}", f"#user-{bob.id}"]
    assert "Ada L." in html
    assert "Bob B." in html

    # Resuming after the first edit sends only the second.
    events = stream(admin_client, "/live/users", **{"Last-Event-ID": str(ada_edit)})
    assert partial_targets(events[1].html) == [f"#user-{bob.id}"]
    # Caught up: only the cursor.
    events = stream(admin_client, "/live/users", **{"Last-Event-ID": str(bob_edit)})
    assert [(e.id, e.data) for e in events] == [(str(bob_edit), [])]


def test_a_new_page_replays_what_was_written_just_before_it_was_read(app, admin_client, make_user):
    """`since` is when the page was read: an entry committed around then is not missed."""
    ada = make_user("ada")
    rename(admin_client, ada, "Ada L.")
    now_ms = int(time.time() * 1000)
    events = stream(admin_client, f"/live/users?since={now_ms}")
    assert "Ada L." in events[-1].html
    # A page read long after the change does not get it again.
    edit = last_entry_id(app)
    change(app, AuditEntry, edit, created_at=datetime.now(UTC) - timedelta(minutes=1))
    events = stream(admin_client, f"/live/users?since={now_ms}")
    assert [(e.id, e.data) for e in events] == [(str(edit), [])]


def test_a_new_user_goes_on_top_of_the_first_page_with_the_count(app, admin_client, admin):
    before = last_entry_id(app)
    response = admin_client.post(
        "/users",
        data={"username": "newbie", "email": "newbie@example.com", "password": "x" * 14},
        headers=HX,
    )
    assert response.status_code == 200
    newbie = scalar(app, select(User.id).where(User.username == "newbie"))
    html = stream(admin_client, "/live/users", **{"Last-Event-ID": str(before)})[-1].html
    assert partial_targets(html) == ["#users-rows", "#users-empty", "#user-count"]
    assert [row.get("id") for row in find_all(html, "tr")] == [f"user-{newbie}"]
    assert "2 users" in html
    # On a later page of the table the new user is not inserted (only morphed, were it shown).
    later = stream(admin_client, "/live/users?after=WyJ4Il0", **{"Last-Event-ID": str(before)})
    assert partial_targets(later[-1].html) == [f"#user-{newbie}", "#user-count"]


def test_new_users_arrive_newest_first_and_posts_move_no_row(app, admin_client, member):
    before = last_entry_id(app)
    for name in ("first", "second"):
        data = {"username": name, "email": f"{name}@example.com", "password": "x" * 14}
        assert admin_client.post("/users", data=data, headers=HX).status_code == 200
    html = stream(admin_client, "/live/users", **{"Last-Event-ID": str(before)})[-1].html
    first, second = (
        scalar(app, select(User.id).where(User.username == n)) for n in ("first", "second")
    )
    assert [row.get("id") for row in find_all(html, "tr")] == [f"user-{second}", f"user-{first}"]
    # An entry about a post names its author as the target: the table has nothing to change.
    after_users = last_entry_id(app)
    save(app, AuditEntry(action="post.delete", actor_id=member.id, target_id=member.id))
    events = stream(admin_client, "/live/users", **{"Last-Event-ID": str(after_users)})
    assert all("<" not in event.html for event in events)


def test_rows_outside_the_viewers_search_are_removed_not_sent(app, admin_client, make_user):
    ada, bob = make_user("ada"), make_user("bob")
    before = last_entry_id(app)
    rename(admin_client, ada, "Ada L.")
    rename(admin_client, bob, "Secret B.")
    html = stream(admin_client, "/live/users?q=ada", **{"Last-Event-ID": str(before)})[-1].html
    assert partial_targets(html) == [f"#user-{ada.id}", f"#user-{bob.id}"]
    assert find_all(html, f"template[hx-target='#user-{bob.id}'][hx-swap=delete]")
    assert "Secret B." not in html
    assert "bob@example.com" not in html


def test_a_deleted_user_disappears(app, admin_client, make_user):
    ada = make_user("ada")
    before = last_entry_id(app)
    assert admin_client.delete(f"/users/{ada.id}", headers=HX).status_code == 200
    html = stream(admin_client, "/live/users", **{"Last-Event-ID": str(before)})[-1].html
    assert find_all(html, f"template[hx-target='#user-{ada.id}'][hx-swap=delete]")
    assert "ada@example.com" not in html


def test_the_audit_log_streams_new_entries_matching_its_filters(app, admin_client, make_user):
    ada = make_user("ada")
    before = last_entry_id(app)
    rename(admin_client, ada, "Ada L.")
    admin_client.post("/logout")
    sign_in(admin_client, "admin")
    events = stream(admin_client, "/live/audit", **{"Last-Event-ID": str(before)})
    rows = find_all(events[-1].html, "tr[data-testid=audit-entry]")
    assert [row.get("id") for row in rows][-1] == f"audit-{before + 1}"
    assert len(rows) == 3  # the edit, the sign-out, the sign-in: newest first
    only_edits = stream(
        admin_client, "/live/audit?action=user.update", **{"Last-Event-ID": str(before)}
    )
    edits = find_all(only_edits[-1].html, "tr[data-testid=audit-entry]")
    assert [row.get("id") for row in edits] == [f"audit-{before + 1}"]
    # An older page of the log does not change.
    older = stream(admin_client, "/live/audit?older=WyJ4Il0", **{"Last-Event-ID": str(before)})
    assert all(not event.data for event in older)


# ---- who may watch ----------------------------------------------------------------------------


def test_members_and_visitors_get_no_stream(client, member_client):
    for path in ("/live/users", "/live/audit"):
        assert member_client.get(path).status_code == 403
        anonymous = client.application.test_client().get(path)
        assert anonymous.status_code == 303
        assert "/login" in anonymous.headers["Location"]


def test_a_viewer_who_loses_access_gets_no_more_changes(app, admin_client, second_admin, make_user):
    app.config["LIVE_STREAM_SECONDS"] = WAIT
    ada = make_user("ada")
    grace = scalar(app, select(User).where(User.username == "grace"))
    listener = Listener(second_admin, "/live/users")
    listener.wait_for(lambda event: event.id is not None)
    rename(admin_client, grace, "Grace", is_admin="")  # no longer an admin
    rename(admin_client, ada, "Ada secret")
    listener.wait_for_end()
    ended = listener.events()[-1]
    assert ended.name == "roster-live-end"
    assert "Ada secret" not in listener.text
    assert "Grace" not in listener.text


def test_a_signed_out_session_gets_no_more_changes(app, admin_client, second_admin, make_user):
    app.config["LIVE_STREAM_SECONDS"] = WAIT
    ada = make_user("ada")
    listener = Listener(second_admin, "/live/users")
    listener.wait_for(lambda event: event.id is not None)
    grace = scalar(app, select(User.id).where(User.username == "grace"))
    change(app, User, grace, is_active=False)  # ends her sessions (no audit entry)
    rename(admin_client, ada, "Ada secret")
    listener.wait_for_end()
    assert listener.events()[-1].name == "roster-live-end"
    assert "Ada secret" not in listener.text


# ---- open streams -----------------------------------------------------------------------------


def test_an_open_stream_gets_a_change_as_it_is_committed(app, admin_client, second_admin, admin):
    app.config["LIVE_STREAM_SECONDS"] = WAIT
    listener = Listener(second_admin, "/live/users")
    listener.wait_for(lambda event: event.id is not None)
    started = time.monotonic()
    rename(admin_client, admin, "Seen live", is_admin="y")
    event = listener.wait_for(lambda event: "Seen live" in event.html)
    assert time.monotonic() - started < 2
    assert event.id == str(last_entry_id(app))
    close_all()
    listener.wait_for_end()


def test_idle_streams_send_heartbeats_and_end_in_time(app, admin_client):
    app.config.update(LIVE_STREAM_SECONDS=0.6, LIVE_HEARTBEAT_SECONDS=0.1)
    listener = Listener(admin_client, "/live/users")
    took = listener.wait_for_end()
    assert 0.3 < took < 3
    assert sum(event.comment for event in listener.events()) >= 3


def test_shutting_down_ends_every_stream_at_once(app, admin_client, second_admin):
    app.config["LIVE_STREAM_SECONDS"] = 60
    listeners = [Listener(client, "/live/users") for client in (admin_client, second_admin)]
    for listener in listeners:
        listener.wait_for(lambda event: event.id is not None)
    close_all()
    assert all(listener.wait_for_end() < 2 for listener in listeners)


def test_beyond_its_share_of_streams_a_process_answers_503(make_app, admin):
    full = make_app(LIVE_MAX_STREAMS=0)
    client = full.test_client()
    sign_in(client, "admin")
    response = client.get("/live/users")
    assert response.status_code == 503
    assert response.headers["Retry-After"]


# ---- announcements ----------------------------------------------------------------------------


def test_commits_with_audit_entries_are_announced_and_others_are_not(app, admin):
    hub = app.extensions["roster.live"]
    with app.app_context():
        user = db.session.get(User, admin.id)
        version = hub.version
        user.bio = "no entry"
        db.session.commit()
        assert hub.version == version
        record("user.update", target=user)
        db.session.rollback()
        db.session.commit()
        assert hub.version == version
        record("user.update", target=user)
        db.session.commit()
        assert (hub.version, hub.latest) == (version + 1, last_entry_id(app))
        # INSERT ... SELECT gives no ids: announced as "something".
        record_each("user.update", select(User.id))
        db.session.commit()
        assert hub.version == version + 2


@pytest.fixture
def redis_apps(make_app, redis_prefix) -> Iterator[tuple[Flask, Flask]]:
    """Two apps on one database and one Redis channel, as two servers would be."""
    settings = {
        "REDIS_URL": REDIS_URL,
        "LIVE_CHANNEL": f"{redis_prefix}live",
        "SESSION_CACHE_PREFIX": f"{redis_prefix}sessions:",
    }
    apps = make_app(**settings), make_app(**settings)
    yield apps
    for each in apps:
        each.extensions["roster.live"].close()


def test_through_redis_a_change_on_one_server_reaches_streams_on_the_other(
    redis_apps, admin, make_user
):
    one, two = redis_apps
    two.config["LIVE_STREAM_SECONDS"] = WAIT
    watcher, editor = two.test_client(), one.test_client()
    sign_in(watcher, "admin")
    sign_in(editor, "admin")
    listener = Listener(watcher, "/live/users")
    listener.wait_for(lambda event: event.id is not None)
    deadline = time.monotonic() + WAIT
    while not two.extensions["roster.live"].listening:  # its listener subscribes on a thread
        assert time.monotonic() < deadline
        time.sleep(0.02)
    ada = make_user("ada")
    rename(editor, ada, "Via Redis")
    listener.wait_for(lambda event: "Via Redis" in event.html)
    two.extensions["roster.live"].close()
    listener.wait_for_end()


# ---- the cursor -------------------------------------------------------------------------------


def entries(*ids: int) -> list[AuditEntry]:
    return [AuditEntry(id=entry_id) for entry_id in ids]


def test_the_cursor_waits_at_a_hole_then_gives_it_up():
    cursor = Cursor(10)
    cursor.take(entries(11, 13))  # 12 is not committed yet
    cursor.settle(now=100.0)
    assert (cursor.last, cursor.seen) == (11, {13})
    assert cursor.hole_wait(100.0) == HOLE_SECONDS
    cursor.take(entries(12))  # it was: the cursor moves over it
    cursor.settle(now=101.0)
    assert (cursor.last, cursor.seen, cursor.hole_wait(101.0)) == (13, set(), None)
    cursor.take(entries(15))  # 14 was rolled back and never comes
    cursor.settle(now=102.0)
    assert cursor.last == 13
    cursor.settle(now=102.0 + HOLE_SECONDS)
    assert (cursor.last, cursor.seen) == (15, set())


# ---- a user's details ---------------------------------------------------------------------------


def test_the_details_page_is_sent_again_when_its_user_changes(app, admin_client, make_user):
    ada, bob = make_user("ada"), make_user("bob")
    page = admin_client.get(f"/users/{ada.id}/details")
    [connector] = find_all(page, "[data-live]")
    assert connector.get("hx-sse:connect").startswith(f"/live/details?user={ada.id}")
    before = last_entry_id(app)
    rename(admin_client, bob, "Bob B.")
    rename(admin_client, ada, "Ada L.")

    events = stream(admin_client, f"/live/details?user={ada.id}", **{"Last-Event-ID": str(before)})
    [change] = [event for event in events if event.data]
    assert partial_targets(change.html) == ["#user-details"]
    assert text_of(find(change.html, '[data-testid="fact-name"]')) == "Ada L."
    # A change to someone else sends nothing to this page.
    events = stream(admin_client, f"/live/details?user={bob.id}", **{"Last-Event-ID": change.id})
    assert [event.data for event in events] == [[]]


def test_moderators_watch_details_and_members_do_not(app, moderator_client, member, admin):
    assert stream(moderator_client, f"/live/details?user={admin.id}")
    member_client = app.test_client()
    sign_in(member_client, member.username)
    assert member_client.get(f"/live/details?user={admin.id}").status_code == 403
