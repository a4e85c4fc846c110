"""Sample data for the catalog: realistic, fixed and built in memory (nothing touches the DB).

Each builder returns the template context of one state. The people sets cover what breaks
layouts: ordinary names, names at the length limits, and right-to-left scripts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask_login import AnonymousUserMixin

from roster.auth.forms import LoginForm, RegisterForm
from roster.auth.views import LOGIN_FAILED
from roster.errors import MESSAGES
from roster.posts.models import Post
from roster.posts.queries import Cursor, PostPage
from roster.users.models import User

Context = dict[str, Any]

# A fixed moment, so that the catalog (and its screenshots) look the same every day.
EPOCH = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)

# (username, display name, bio)
ORDINARY = [
    ("ada", "Ada Lovelace", "Writes notes on engines that do not exist yet."),
    ("grace.hopper", "Grace Hopper", "Compilers, nanoseconds and a moth in a relay."),
    ("alan_t", "", "Prefers the username; no display name set."),
]
LONG_NAMES = [
    (
        "maximiliana.wolfeschlegelstein_",
        "Maximiliana Wolfeschlegelsteinhausenbergerdorff-Featherstonehaugh"[:64],
        "A bio with a very long unbroken word: "
        "Donaudampfschifffahrtsgesellschaftskapitänswitwenrentenversicherung.",
    ),
    ("x" * 32, "Bartholomew Fitzwilliam-Montgomery Oyelaran-Abernathy III", ""),
]
RIGHT_TO_LEFT = [
    ("layla.haddad", "ليلى حداد", "تكتب عن التصميم والطباعة العربية."),
    ("noa.cohen", "נועה כהן", "כותבת על עיצוב ממשקים ונגישות."),
]

POSTS = {
    "ordinary": [
        ("Release notes for the spring", "What changed this week.\nAnd what comes next."),
        ("A garden of fragments", "Small templates, swapped in place."),
        ("Coffee and code review", "Two cups, one pull request."),
    ],
    "long": [
        (
            "An unusually long title that keeps going well past where a designer would expect "
            "a title to stop, just to see"[:120],
            "https://example.com/a/very/long/link/without/any/spaces/that/must/wrap/somewhere/"
            "instead/of/overflowing/the/card\n" + "A long paragraph of text. " * 20,
        ),
    ],
    "rtl": [
        ("ملاحظات الأسبوع", "ما الذي تغيّر هذا الأسبوع.\nوما الذي سيأتي بعده."),
        ("רשימות מהשבוע", "מה השתנה השבוע, ומה הלאה."),
    ],
}
PEOPLE = {"ordinary": ORDINARY, "long": LONG_NAMES, "rtl": RIGHT_TO_LEFT}


def people(kind: str = "ordinary") -> list[User]:
    """Transient users (never added to a session), numbered from 1."""
    return [
        User(
            id=number,
            username=username,
            email=f"{username}@example.com",
            display_name=display_name,
            bio=bio,
            is_admin=number == 1,
            is_active=True,
            created_at=EPOCH - timedelta(days=400 + number),
        )
        for number, (username, display_name, bio) in enumerate(PEOPLE[kind], start=1)
    ]


def posts(kind: str = "ordinary", authors: list[User] | None = None) -> list[Post]:
    authors = authors or people(kind)
    return [
        Post(
            id=number,
            author=authors[number % len(authors)],
            title=title,
            body=body,
            created_at=EPOCH - timedelta(hours=5 * number),
        )
        for number, (title, body) in enumerate(POSTS[kind], start=1)
    ]


def nothing() -> Context:
    return {}


def page_of(some_posts: list[Post], *, more: bool = False) -> Context:
    """A page of posts as the views pass it; `more` adds the Load more link."""
    next_cursor = Cursor.after(some_posts[-1]) if more and some_posts else None
    return {"page": PostPage(some_posts, next_cursor), "before": None}


def home(kind: str = "ordinary") -> Context:
    return page_of(posts(kind), more=True)


def home_empty() -> Context:
    return page_of([])


def profile(kind: str = "ordinary") -> Context:
    user = people(kind)[0]
    user_posts = posts(kind, authors=[user])
    return {"user": user, "post_count": len(user_posts), **page_of(user_posts, more=True)}


def profile_empty() -> Context:
    return {"user": people()[2], "post_count": 0, **page_of([])}


def post(kind: str = "ordinary") -> Context:
    return {"post": posts(kind)[0]}


def login() -> Context:
    return {"form": LoginForm(), "next_url": "/"}


def login_errors() -> Context:
    form = LoginForm(data={"username": "", "password": ""})
    form.validate()
    return {"form": form, "next_url": "/"}


def login_failed() -> Context:
    form = LoginForm(data={"username": "ada"})
    form.form_errors.append(LOGIN_FAILED)
    return {"form": form, "next_url": "/"}


def register() -> Context:
    return {"form": RegisterForm()}


def register_errors() -> Context:
    form = RegisterForm(
        data={"username": "a!", "email": "not-an-email", "password": "short", "confirm": "other"}
    )
    form.validate()
    return {"form": form}


def register_field(name: str) -> Context:
    return {**register_errors(), "field_name": name}


def error(code: int) -> Context:
    title, message = MESSAGES[code]
    return {"code": code, "title": title, "message": message}


def nav(kind: str | None = None) -> Context:
    """Signed out without `kind`; signed in as the first (admin) person of `kind` with it."""
    return {"current_user": people(kind)[0] if kind else AnonymousUserMixin()}


def toasts() -> Context:
    return {
        "toasts": [
            ("success", "Welcome back, Ada Lovelace."),
            ("info", "You are signed out."),
            ("error", "We could not save that. Please try again."),
            ("success", "مرحبًا بعودتك، ليلى حداد."),
        ]
    }
