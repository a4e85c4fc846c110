"""Sample data for the catalog: realistic, fixed and built in memory (nothing touches the DB).

Each builder returns the template context of one state. The people sets cover what breaks
layouts: ordinary names, names at the length limits, and right-to-left scripts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask_login import AnonymousUserMixin

from roster.audit.actions import ACTIONS
from roster.audit.models import AuditEntry
from roster.audit.queries import AuditPage, AuditView
from roster.audit.service import REDACTED
from roster.auth.forms import LoginForm, RegisterForm
from roster.auth.views import LOGIN_FAILED
from roster.errors import MESSAGES
from roster.posts.forms import PostForm
from roster.posts.models import Post
from roster.posts.queries import Cursor, PostPage
from roster.profiles.forms import PasswordForm, ProfileForm
from roster.users.forms import UserCreateForm, UserEditForm
from roster.users.models import User
from roster.users.queries import COUNT_CAP, Page, TableView
from roster.users.views import STALE

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
            author_id=authors[number % len(authors)].id,
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


def later_page(kind: str = "ordinary", *, more: bool = True) -> Context:
    """A page that Load more fetched: its first post takes the focus; `more` keeps the link."""
    some_posts = posts(kind)
    return {**page_of(some_posts[1:], more=more), "before": Cursor.after(some_posts[0])}


def home_later(*, more: bool = True) -> Context:
    return later_page(more=more)


def profile_owner(kind: str = "ordinary", **extra: Any) -> Context:
    """The profile its owner sees: Edit and Change password, and the form to write a post."""
    context = profile(kind)
    return {
        "current_user": context["user"],
        "post_form": PostForm(formdata=None),
        **context,
        **extra,
    }


def profile_post_errors() -> Context:
    form = PostForm(formdata=None, data={"title": "", "body": ""})
    form.title.errors = ["This field is required."]
    form.body.errors = ["This field is required."]
    return profile_owner(post_form=form)


def profile_later(*, more: bool = True) -> Context:
    return {**profile(), **later_page(more=more)}


def profile_form(kind: str = "ordinary") -> Context:
    user = people(kind)[0]
    return {"current_user": user, "user": user, "form": ProfileForm(formdata=None, obj=user)}


def profile_form_errors() -> Context:
    context = profile_form()
    form = context["form"]
    form.email.data = "ada@"
    form.email.errors = ["Invalid email address."]
    form.bio.data = "Engines. " * 60
    form.bio.errors = [f"Field cannot be longer than {form.bio_max_length} characters."]
    return context


def password_form() -> Context:
    return {"current_user": people()[0], "form": PasswordForm(formdata=None)}


def password_errors(*, wrong_current: bool = False) -> Context:
    context = password_form()
    form = context["form"]
    if wrong_current:
        form.current_password.errors = ["That is not your current password."]
    else:
        form.current_password.errors = ["This field is required."]
        form.password.errors = ["At least 12 characters."]
        form.confirm.errors = ["The passwords do not match."]
    return context


def own_post(kind: str = "ordinary", **extra: Any) -> Context:
    """A post its author sees (Edit and Delete); `saved` puts the focus back on Edit."""
    the_post = posts(kind)[0]
    return {"current_user": the_post.author, "post": the_post, **extra}


def post_form(kind: str = "ordinary") -> Context:
    context = own_post(kind)
    return {**context, "form": PostForm(formdata=None, obj=context["post"])}


def post_form_errors() -> Context:
    context = post_form()
    form = context["form"]
    form.title.data = ""
    form.title.errors = ["This field is required."]
    return context


def post_deleted() -> Context:
    return {**own_post(), "title": POSTS["ordinary"][0][0], "username": ORDINARY[1][0]}


def table(
    kind: str = "ordinary", *, q: str = "", rows: list[User] | None = None, **extra: Any
) -> Context:
    """The users table as users.views.table_context builds it, seen by the first (admin) person."""
    everyone = people(kind)
    rows = everyone if rows is None else rows
    if len(rows) > 2:
        rows[2].is_active = False  # one inactive account among the active ones
    return {
        "current_user": everyone[0],
        "view": TableView(q=q),
        "page": Page(rows, has_next=len(rows) > 2, has_previous=False),
        "count": len(rows),
        "create_form": UserCreateForm(formdata=None),
        **extra,
    }


def table_empty() -> Context:
    return table(rows=[])


def table_no_results() -> Context:
    return table(q="nobody-like-this", rows=[])


def table_capped() -> Context:
    return table(count=COUNT_CAP + 1)


def single_row(mode: str, kind: str = "ordinary", **extra: Any) -> Context:
    """A row endpoint (users.views.single_row_page): the row alone, or the table holding it."""
    context = table(kind)
    user = context["page"].users[1]
    user.version = 3
    # No page: the loop shows just this row (in `mode`), as after a plain-form Edit or Delete.
    return {**context, "page": None, "single": user, "mode": mode, "user": user, **extra}


def row(kind: str = "ordinary", **extra: Any) -> Context:
    return single_row("row", kind, **extra)


def edit_row(kind: str = "ordinary") -> Context:
    context = single_row("edit", kind)
    user = context["user"]
    form = UserEditForm(formdata=None, obj=user, is_active="active")
    form.is_active.data = "active" if user.is_active else "inactive"
    form.version.data = str(user.version)
    return {**context, "form": form}


def edit_row_errors() -> Context:
    context = edit_row()
    form = context["form"]
    form.username.data = "a!"
    form.username.errors = ["3 to 32 characters: letters, digits, underscore, dot or dash."]
    form.email.errors = ["That email is already taken."]
    form.password.data = "short"
    form.password.errors = ["At least 12 characters."]
    return context


def edit_row_stale() -> Context:
    context = edit_row()
    context["form"].form_errors.append(STALE)
    return context


def confirm_row(problem: str | None = None) -> Context:
    return single_row("confirm", problem=problem)


def create_form_errors() -> Context:
    form = UserCreateForm(
        formdata=None, data={"username": "ada", "email": "not-an-email", "password": "short"}
    )
    form.username.errors = ["That username is already taken."]
    form.email.errors = ["Invalid email address."]
    form.password.errors = ["At least 12 characters."]
    return table(create_form=form, focus_form=True)


def created() -> Context:
    """After Add user: an empty form, the new row and the count (both out of band)."""
    context = table()
    user = context["page"].users[-1]
    return {**context, "created": True, "user": user, "fresh_id": user.id, "oob": True}


def deleted() -> Context:
    return table(swap_oob=True)


def undo_toast() -> Context:
    user = people()[1]
    return {
        "toasts": [
            (
                "success",
                {
                    "text": f"Deleted {user.username}.",
                    "action": f"/users/{user.id}/restore",
                    "label": "Undo",
                    "id": f"undo-{user.id}",
                    "target": "#users-results",
                },
            )
        ]
    }


# ---- the audit log ----------------------------------------------------------------------


def audit_entries(kind: str = "ordinary") -> list[AuditEntry]:
    """Transient entries, newest first: an edit, a sign-in, a failure, a delete, a purge."""
    admin, someone, *_ = people(kind)
    made = [
        ("user.update", admin, someone, {"email": [someone.email, f"new.{someone.email}"]}),
        ("auth.sign_in", someone, someone, {}),
        ("auth.sign_in_failed", None, someone, {}),
        (
            "user.update",
            admin,
            someone,
            {"is_admin": [False, True], "password_hash": [REDACTED, REDACTED]},
        ),
        ("user.delete", admin, someone, {"deleted_at": [None, EPOCH.isoformat()]}),
        ("user.purge", None, someone, {}),
    ]
    return [
        AuditEntry(
            id=len(made) - number,
            created_at=EPOCH - timedelta(minutes=7 * number),
            actor_id=actor.id if actor else None,
            actor_name=actor.username if actor else None,
            action=action,
            target_id=target.id,
            target_name=target.username,
            changes=changes,
            address=None if action == "user.purge" else "203.0.113.7",
        )
        for number, (action, actor, target, changes) in enumerate(made)
    ]


def audit(kind: str = "ordinary", *, more: bool = False, **filters: Any) -> Context:
    """/audit as its view renders it; `more` adds the Older link, `filters` fill the form."""
    entries = audit_entries(kind)
    return {
        "current_user": people(kind)[0],
        "view": AuditView(**filters),
        "page": AuditPage(entries, Cursor.after(entries[-1]) if more else None),
        "actions": ACTIONS,
    }


def audit_empty() -> Context:
    return {**audit(), "page": AuditPage([], None)}


def audit_no_match() -> Context:
    return {**audit(user="nobody-like-this", action="user.purge"), "page": AuditPage([], None)}
