"""Who may call what, for every route in the URL map: a new route without a rule here fails.

Each (rule, method) is called by every kind of visitor. The expected answer per visitor is
written in ACCESS below; a visitor who is refused must change nothing in the database. Every
unsafe method is also sent without a CSRF token and with a forged one, by a visitor who would
be allowed: 400, and nothing changes. No view is exempt from CSRF.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.routing import Rule

from roster import create_app
from roster.extensions import db
from roster.posts.models import Post
from roster.sessions.models import UserSession
from roster.users.policy import Role
from tests.conftest import RosterClient, base_config
from tests.helpers import HX, UNSAFE_METHODS, save, scalar, sign_in

# The visitors. `owner` is the member every path points at (their id, name, post and session);
# `member` is another member; `moderator` and `admin` have those roles.
VISITORS = ("anonymous", "member", "owner", "moderator", "admin")

OK = "ok"  # served: any answer below 500 that is not a refusal
LOGIN = "login"  # sent to sign in
FORBIDDEN = "forbidden"  # 403
MISSING = "missing"  # 404: the thing is not theirs to see

ANYONE = dict.fromkeys(VISITORS, OK)
SIGNED_IN = {**ANYONE, "anonymous": LOGIN}
# Changing users: admins only.
ADMINS = {**SIGNED_IN, "member": FORBIDDEN, "owner": FORBIDDEN, "moderator": FORBIDDEN}
# Reading users and the audit log, and moderating posts: moderators too.
STAFF = {**ADMINS, "moderator": OK}
# The owner's own thing; anyone else is refused.
OWN = {**ADMINS, "owner": OK, "admin": FORBIDDEN}
# The owner's post, which moderators and admins may also delete (and restore).
OWN_OR_STAFF = {**STAFF, "owner": OK}
# Another of the owner's sessions: other people cannot even tell it exists.
OWN_SESSION = {**SIGNED_IN, "member": MISSING, "moderator": MISSING, "admin": MISSING}
# The code step of signing in: a visitor who gave no password first is sent back to it.
MID_SIGN_IN = SIGNED_IN
# The development outbox is served in debug only: production has nothing there.
DEBUG_ONLY = dict.fromkeys(VISITORS, MISSING)

# (endpoint, method) -> expected answer per visitor. Every rule of the URL map must be here.
ACCESS: dict[tuple[str, str], dict[str, str]] = {
    ("static", "GET"): ANYONE,
    ("pages.home", "GET"): ANYONE,
    ("pages.about", "GET"): ANYONE,
    ("health.healthz", "GET"): ANYONE,
    ("outbox.index", "GET"): DEBUG_ONLY,
    ("outbox.message", "GET"): DEBUG_ONLY,
    ("outbox.html_part", "GET"): DEBUG_ONLY,
    ("auth.login", "GET"): ANYONE,
    ("auth.login", "POST"): ANYONE,
    ("auth.logout", "POST"): SIGNED_IN,
    ("auth.register", "GET"): ANYONE,
    ("auth.register", "POST"): ANYONE,
    ("auth.check_field", "POST"): ANYONE,
    ("accounts.forgot_password", "GET"): ANYONE,
    ("accounts.forgot_password", "POST"): ANYONE,
    ("accounts.reset_password", "GET"): ANYONE,
    ("accounts.reset_password", "POST"): ANYONE,
    ("accounts.verify_email", "GET"): ANYONE,
    ("accounts.accept_invite", "GET"): ANYONE,
    ("accounts.accept_invite", "POST"): ANYONE,
    ("accounts.resend_own_verification", "POST"): SIGNED_IN,
    ("accounts.resend_verification", "POST"): ADMINS,
    ("accounts.resend_invite", "POST"): ADMINS,
    ("profiles.show", "GET"): ANYONE,
    ("profiles.edit", "GET"): OWN,
    ("profiles.update", "POST"): OWN,
    ("profiles.update", "PUT"): OWN,
    ("profiles.change_password", "GET"): SIGNED_IN,
    ("profiles.change_password", "POST"): SIGNED_IN,
    ("posts.show", "GET"): ANYONE,
    ("posts.create", "POST"): SIGNED_IN,
    ("posts.edit", "GET"): OWN,
    ("posts.update", "POST"): OWN,
    ("posts.update", "PUT"): OWN,
    ("posts.confirm_delete", "GET"): OWN_OR_STAFF,
    ("posts.delete", "DELETE"): OWN_OR_STAFF,
    ("posts.delete_form", "POST"): OWN_OR_STAFF,
    ("posts.restore", "POST"): OWN_OR_STAFF,
    ("mfa.account", "GET"): SIGNED_IN,
    ("mfa.account", "POST"): SIGNED_IN,
    ("mfa.sign_in_code", "GET"): MID_SIGN_IN,
    ("mfa.sign_in_code", "POST"): MID_SIGN_IN,
    ("account.download_data", "GET"): SIGNED_IN,
    ("account.delete_account", "GET"): SIGNED_IN,
    ("account.delete_account", "POST"): SIGNED_IN,
    ("sessions.index", "GET"): SIGNED_IN,
    ("sessions.revoke", "POST"): OWN_SESSION,
    ("sessions.revoke_others", "POST"): SIGNED_IN,
    ("sessions.user_sessions", "GET"): STAFF,
    ("sessions.revoke_for_user", "POST"): ADMINS,
    ("sessions.revoke_all_for_user", "POST"): ADMINS,
    ("audit.index", "GET"): STAFF,
    ("users.index", "GET"): STAFF,
    ("users.create", "POST"): ADMINS,
    ("users.row", "GET"): STAFF,
    ("users.edit", "GET"): ADMINS,
    ("users.update", "POST"): ADMINS,
    ("users.update", "PUT"): ADMINS,
    ("users.delete", "DELETE"): ADMINS,
    ("users.delete", "POST"): ADMINS,
    ("users.restore", "POST"): ADMINS,
    ("users.export_csv", "GET"): ADMINS,
    ("users.bulk_action", "POST"): ADMINS,
    ("users.undo_bulk_delete", "POST"): ADMINS,
    ("details.show", "GET"): STAFF,
    ("moderation.hide", "POST"): STAFF,
    ("moderation.unhide", "POST"): STAFF,
    ("users.trashed_row", "GET"): STAFF,
    ("users.purge", "POST"): ADMINS,
    ("users.purge", "DELETE"): ADMINS,
    ("live.users", "GET"): STAFF,
    ("live.audit", "GET"): STAFF,
    ("live.details", "GET"): STAFF,
}

# Routes about a user in the trash: their path names the deleted user instead of the owner.
IN_TRASH = {"users.trashed_row", "users.purge", "users.restore"}

# Columns that change on every signed-in request, refused or not: when a session was last seen.
VOLATILE = {("user_sessions", "last_seen_at")}


def routes(app: Flask) -> Iterator[tuple[Rule, str]]:
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule, method


def production_routes() -> Iterator[tuple[Rule, str]]:
    """The routes of an app as production runs it (the fragment catalog is a debug tool)."""
    return routes(create_app(base_config("sqlite://")))


def test_every_route_has_a_rule():
    """A new route fails here until ACCESS says who may call it."""
    found = {(rule.endpoint, method) for rule, method in production_routes()}
    assert found - ACCESS.keys() == set(), "routes without an access rule"
    assert ACCESS.keys() - found == set(), "rules for routes that no longer exist"


@dataclass
class World:
    """The people and things a path can name, and a signed-in client per visitor."""

    app: Flask
    clients: dict[str, RosterClient]
    values: dict[str, Any]

    def url(self, rule: Rule) -> str:
        values = {**self.values, "user_id": self.values["trashed_id"]}
        return rule.build(values if rule.endpoint in IN_TRASH else self.values)[1]

    def snapshot(self) -> dict[str, list[tuple]]:
        """Every row of every table, but for the columns each request touches."""
        with self.app.app_context():
            return {
                table.name: sorted(
                    (
                        tuple(
                            repr(row[column.name])
                            for column in table.columns
                            if (table.name, column.name) not in VOLATILE
                        )
                        for row in db.session.execute(select(table)).mappings()
                    ),
                )
                for table in db.metadata.sorted_tables
            }


@pytest.fixture
def world(app: Flask, make_user: Callable[..., Any]) -> World:
    owner = make_user("owner")
    make_user("member")
    make_user("moderator", role=Role.moderator)
    make_user("admin", role=Role.admin)
    trashed = make_user("trashed", deleted_at=datetime.now(UTC))
    post = save(app, Post(author_id=owner.id, title="A post", body="Its body."))
    # The owner's first session is on another browser: revoking it keeps this one signed in.
    sign_in(app.test_client(), owner.username)
    session_id = scalar(app, select(UserSession.id).where(UserSession.user_id == owner.id))
    clients = {visitor: app.test_client() for visitor in VISITORS}
    for visitor in VISITORS[1:]:
        sign_in(clients[visitor], visitor)
    values = {
        "user_id": owner.id,
        "trashed_id": trashed.id,
        "username": owner.username,
        "post_id": post.id,
        "session_id": session_id,
        "token": "not-a-real-token",
        "name": "username",
        "filename": "css/roster.css",
        "batch": "0123456789abcdef",
    }
    return World(app, clients, values)


def outcome(response: Any) -> str:
    """What a visitor got, in the words of ACCESS."""
    target = response.headers.get("HX-Redirect") or response.headers.get("Location") or ""
    redirected = response.status_code in (302, 303) or "HX-Redirect" in response.headers
    if redirected and urlsplit(target).path == "/login":
        return LOGIN
    if response.status_code == 403:
        return FORBIDDEN
    if response.status_code == 404:
        return MISSING
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    return OK


def call(client: RosterClient, method: str, url: str, **kwargs: Any) -> Any:
    """The answer, read and closed (a static file's answer holds the file open)."""
    response = client.open(url, method=method, data={}, **kwargs)
    response.get_data()
    response.close()
    return response


def cases() -> Iterator[Any]:
    for rule, method in production_routes():
        yield pytest.param(rule.rule, rule.endpoint, method, id=f"{method} {rule.rule}")


def changes() -> Iterator[Any]:
    """Each unsafe route with each visitor allowed to use it: one world each, since the first
    one's change (a post deleted, say) would leave nothing for the next."""
    for rule, method in production_routes():
        if method in UNSAFE_METHODS:
            for visitor, answer in ACCESS[(rule.endpoint, method)].items():
                if answer == OK:
                    yield pytest.param(
                        rule.rule,
                        rule.endpoint,
                        method,
                        visitor,
                        id=f"{method} {rule.rule} {visitor}",
                    )


def url_of(world: World, path: str, endpoint: str) -> str:
    rule = next(
        r for r in world.app.url_map.iter_rules() if r.rule == path and r.endpoint == endpoint
    )
    return world.url(rule)


@pytest.mark.parametrize(("path", "endpoint", "method"), list(cases()))
def test_each_visitor_gets_what_the_rule_says(world: World, path, endpoint, method):
    """Refusals change nothing; plain and htmx requests are refused alike."""
    url = url_of(world, path, endpoint)
    expected = ACCESS[(endpoint, method)]
    refused = [visitor for visitor in VISITORS if expected[visitor] != OK]
    before = world.snapshot()
    for visitor in refused:
        for headers in ({}, HX):
            response = call(world.clients[visitor], method, url, headers=headers)
            assert outcome(response) == expected[visitor], (visitor, headers)
    assert world.snapshot() == before, f"a refused {method} {url} changed the database"

    allowed = [visitor for visitor in VISITORS if expected[visitor] == OK]
    if method in UNSAFE_METHODS:
        someone = world.clients[allowed[-1]]
        for token in (None, "forged-token"):
            response = call(someone, method, url, csrf=False, headers={"X-CSRFToken": token or ""})
            assert response.status_code == 400, (token, response.status_code)
        assert world.snapshot() == before, f"{method} {url} without a good token changed data"
    else:
        for visitor in allowed:
            assert outcome(call(world.clients[visitor], method, url)) == OK, visitor


@pytest.mark.parametrize(("path", "endpoint", "method", "visitor"), list(changes()))
def test_each_allowed_visitor_is_served(world: World, path, endpoint, method, visitor):
    url = url_of(world, path, endpoint)
    assert outcome(call(world.clients[visitor], method, url)) == OK
