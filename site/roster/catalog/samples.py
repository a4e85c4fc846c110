"""Sample data for the catalog: realistic, fixed and built in memory (nothing touches the DB).

Each builder returns the template context of one state. The people sets cover what breaks
layouts: ordinary names, names at the length limits, and right-to-left scripts. Error states
come from running the forms' real validators on bad input (`submitted`), and the messages the
views add themselves are their own constants: the catalog shows exactly what the app says.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from flask_login import AnonymousUserMixin
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from roster.audit.actions import ACTIONS
from roster.audit.models import AuditEntry
from roster.audit.queries import AuditView
from roster.audit.service import REDACTED
from roster.auth.forms import LoginForm, RegisterForm
from roster.auth.views import LOGIN_FAILED
from roster.conflicts import rebase
from roster.errors import MESSAGES
from roster.moderation.forms import HideForm
from roster.pagination import Page, encode
from roster.posts.forms import PostForm
from roster.posts.models import Post
from roster.profiles import views as profile_views
from roster.profiles.forms import WRONG_PASSWORD, PasswordForm, ProfileForm
from roster.sessions.models import UserSession
from roster.users import views as user_views
from roster.users.forms import UserCreateForm, UserEditForm
from roster.users.models import User
from roster.users.policy import TAKEN_MESSAGES, Role
from roster.users.queries import COUNT_CAP, TableView
from roster.users.service import DELETED_MEANWHILE

Context = dict[str, Any]
Form = TypeVar("Form", bound=FlaskForm)

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
            role=Role.admin if number == 1 else Role.member,
            is_active=True,
            created_at=EPOCH - timedelta(days=400 + number),
            # Every other person has signed in; the others show "Never".
            last_sign_in_at=EPOCH - timedelta(hours=7 * number) if number % 2 else None,
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


def submitted(form_class: type[Form], values: dict[str, str]) -> Form:
    """The form as a view holds it after `values` were posted and validated (no CSRF here)."""
    form = form_class(formdata=MultiDict(values), meta={"csrf": False})
    form.validate()
    return form


def page_of(some_posts: list[Post], *, more: bool = False) -> Context:
    """A page of posts as the views pass it; `more` adds the Load more link."""
    next_cursor = (
        encode((some_posts[-1].created_at, some_posts[-1].id)) if more and some_posts else None
    )
    return {"page": Page(some_posts, next_cursor)}


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


# ---- moderation -------------------------------------------------------------------------

HIDE_REASON = "Advertising: links to a shop, posted in every thread."


def hidden(a_post: Post) -> Post:
    a_post.hidden_at = EPOCH
    a_post.hidden_reason = HIDE_REASON
    return a_post


def moderator() -> User:
    """Someone who moderates posts and wrote none of the samples'."""
    return User(id=99, username="mo", display_name="Mo Derator", role=Role.moderator)


def post_for_moderator(*, is_hidden: bool = False) -> Context:
    """A post as a moderator sees it: Hide (or the reason and Unhide) and Delete."""
    the_post = posts()[0]
    return {"current_user": moderator(), "post": hidden(the_post) if is_hidden else the_post}


def hidden_post_for_author() -> Context:
    """The author's own hidden post: the reason, no controls but their own."""
    return own_post(post=hidden(posts()[0]))


def hide_refused() -> Context:
    """Hide without a reason: the form again, with the message."""
    form = submitted(HideForm, {"reason": "  "})
    return {**post_for_moderator(), "hide_form": form}


def profile_with_hidden_post(*, for_moderator: bool = False) -> Context:
    """A profile whose newest post is hidden: its owner, or a moderator, sees it marked."""
    context = profile_owner()
    hidden(context["page"].items[0])
    if for_moderator:
        return {**context, "current_user": moderator(), "post_form": None}
    return context


def login() -> Context:
    return {"form": LoginForm(), "next_url": "/"}


def login_errors() -> Context:
    return {"form": submitted(LoginForm, {"username": "", "password": ""}), "next_url": "/"}


def login_failed() -> Context:
    form = LoginForm(data={"username": "ada"})
    form.form_errors.append(LOGIN_FAILED)
    return {"form": form, "next_url": "/"}


def register() -> Context:
    return {"form": RegisterForm()}


def register_errors() -> Context:
    bad = {"username": "a!", "email": "not-an-email", "password": "short", "confirm": "other"}
    return {"form": submitted(RegisterForm, bad)}


def register_field(name: str) -> Context:
    return {**register_errors(), "field_name": name}


def error(code: int) -> Context:
    title, message = MESSAGES[code]
    return {"code": code, "title": title, "message": message}


def nav(kind: str | None = None) -> Context:
    """Signed out without `kind`; signed in as the first (admin) person of `kind` with it."""
    return {"current_user": people(kind)[0] if kind else AnonymousUserMixin()}


def nav_moderator() -> Context:
    moderator = people()[1]
    moderator.role = Role.moderator
    return {"current_user": moderator}


def toasts() -> Context:
    """Four messages: the page shows the newest three (the oldest is dropped)."""
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
    some_posts = posts(kind)[1:]
    context = page_of(some_posts, more=more)
    later = Page(some_posts, context["page"].next_cursor, previous_cursor=encode(("sample", 1)))
    return {**context, "page": later}


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
    return profile_owner(post_form=submitted(PostForm, {"title": "", "body": ""}))


def profile_published() -> Context:
    """After Publish: the new post first, its heading taking the focus; the form empty again."""
    context = profile_owner()
    return {**context, "fresh_post_id": context["page"].items[0].id}


def profile_later(*, more: bool = True) -> Context:
    return {**profile(), **later_page(more=more)}


def profile_form(kind: str = "ordinary") -> Context:
    user = people(kind)[0]
    return {"current_user": user, "user": user, "form": ProfileForm(formdata=None, obj=user)}


def profile_form_conflict() -> Context:
    """Saved from a second tab after the first one had saved another bio."""
    context = profile_form()
    user = context["user"]
    user.version = 2
    typed = {"display_name": user.display_name, "email": user.email, "bio": "Engines, mostly."}
    mine = submitted(ProfileForm, {**typed, "version": "2"})
    user.bio, user.version = "Notes on the Analytical Engine.", 3
    conflict = rebase(mine, ProfileForm(formdata=None, obj=user), profile_views.EDITED)
    return {**context, "form": mine, "conflict": conflict}


def profile_form_errors() -> Context:
    context = profile_form()
    bad = {"display_name": context["user"].display_name, "email": "ada@", "bio": "Engines. " * 60}
    return {**context, "form": submitted(ProfileForm, bad)}


def password_form() -> Context:
    return {"current_user": people()[0], "form": PasswordForm(formdata=None)}


def password_errors(*, wrong_current: bool = False) -> Context:
    if wrong_current:
        new = "a long enough password"
        form = submitted(
            PasswordForm, {"current_password": "guess", "password": new, "confirm": new}
        )
        form.current_password.errors.append(WRONG_PASSWORD)  # as the view does
    else:
        form = submitted(
            PasswordForm, {"current_password": "", "password": "short", "confirm": "other"}
        )
    return {**password_form(), "form": form}


# (user agent, address, remembered, minutes since last seen)
SESSIONS = [
    (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36",
        "203.0.113.7",
        True,
        0,
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
        "2001:db8:85a3::8a2e:370:7334",
        False,
        95,
    ),
    ("curl/8.5.0", "", False, 60 * 24 * 3),
]


def sessions(*, admin_view: bool = False, others: bool = True) -> Context:
    """The first person's open sessions; the first one is the browser looking at the page."""
    owner = people()[0]
    records = [
        UserSession(
            id=number,
            user_id=owner.id,
            user_agent=agent,
            ip_address=address,
            remember=remember,
            created_at=EPOCH - timedelta(days=number * 7),
            last_seen_at=EPOCH - timedelta(minutes=minutes),
        )
        for number, (agent, address, remember, minutes) in enumerate(SESSIONS, start=1)
    ]
    return {
        "current_user": owner,
        "owner": owner,
        "sessions": records if others else records[:1],
        "current_id": None if admin_view else 1,
        "admin_view": admin_view,
    }


def admin_sessions() -> Context:
    return sessions(admin_view=True)


def own_post(kind: str = "ordinary", **extra: Any) -> Context:
    """A post its author sees (Edit and Delete); `focus_edit` puts the focus back on Edit."""
    the_post = posts(kind)[0]
    return {"current_user": the_post.author, "post": the_post, **extra}


def post_form(kind: str = "ordinary") -> Context:
    context = own_post(kind)
    return {**context, "form": PostForm(formdata=None, obj=context["post"])}


def post_form_errors() -> Context:
    context = post_form()
    return {**context, "form": submitted(PostForm, {"title": "", "body": context["post"].body})}


def post_from_a_list() -> Context:
    """Opened from the home page: Delete goes back there (the `next` in its URLs)."""
    return own_post(listed="/")


def table(
    kind: str = "ordinary",
    *,
    q: str = "",
    rows: list[User] | None = None,
    view: TableView | None = None,
    **extra: Any,
) -> Context:
    """The users table as users.views.table_context builds it, seen by the first (admin) person."""
    everyone = people(kind)
    rows = everyone if rows is None else rows
    if len(rows) > 2:
        rows[2].is_active = False  # one inactive account among the active ones
    return {
        "current_user": everyone[0],
        "view": view or TableView(q=q),
        "page": Page(rows, next_cursor=encode(("sample",)) if len(rows) > 2 else None),
        "count": len(rows),
        "create_form": UserCreateForm(formdata=None),
        **extra,
    }


def table_for_moderator() -> Context:
    """The table a moderator reads: no Add user, no Edit or Delete, no mail to resend."""
    context = table()
    moderator = context["page"].items[1]
    moderator.role = Role.moderator
    return {**context, "current_user": moderator}


def table_empty() -> Context:
    return table(rows=[])


def table_no_results() -> Context:
    return table(q="nobody-like-this", rows=[])


def table_capped() -> Context:
    return table(count=COUNT_CAP + 1)


# The filter bar as an admin leaves it: inactive users who joined in 2025, email not confirmed.
FILTERS = TableView(
    status="inactive",
    joined_after=date(2025, 1, 1),
    joined_before=date(2026, 1, 1),
    verified="no",
    sort="last_sign_in",
)


def table_filtered() -> Context:
    """Filtered and sorted by last sign-in: the filter bar shows the filters, Clear appears."""
    rows = people()[1:3]
    for user in rows:
        user.is_active = False
    return table(rows=rows, view=FILTERS)


def table_filtered_empty() -> Context:
    return table(rows=[], view=FILTERS)


def trashed(kind: str = "ordinary") -> list[User]:
    """People in the trash: deleted a few days before EPOCH."""
    rows = people(kind)[1:]
    for number, user in enumerate(rows, start=1):
        user.deleted_at = EPOCH - timedelta(days=number)
    return rows


def trash(kind: str = "ordinary") -> Context:
    """status=deleted: each row restores or purges instead of editing and deleting."""
    return table(kind, rows=trashed(kind), view=TableView(status="deleted"))


def trash_empty() -> Context:
    return table(rows=[], view=TableView(status="deleted"))


def trashed_row(block: str = "row") -> Context:
    """A row of the trash on its own (users.views.trashed_row): as it reads, or asking first."""
    user = trashed()[0]
    return {**trash(), "page": None, "row_block": block, "user": user}


def single_row(block: str, kind: str = "ordinary", **extra: Any) -> Context:
    """A row endpoint (users.views.render_row): `block` alone, or the page showing just it."""
    context = table(kind)
    user = context["page"].items[1]
    user.version = 3
    return {**context, "page": None, "row_block": block, "user": user, **extra}


def row(kind: str = "ordinary", **extra: Any) -> Context:
    return single_row("row", kind, **extra)


def restored() -> Context:
    """The table after Undo: the restored row has the focus and flashes."""
    context = table()
    return {**context, "highlight_id": context["page"].items[1].id}


def edit_row(kind: str = "ordinary") -> Context:
    context = single_row("edit_row", kind)
    user = context["user"]
    form = user_views.edit_form(user)
    form.version.data = str(user.version)
    return {**context, "form": form}


def edit_row_errors() -> Context:
    """A malformed username and password, and an email another account has."""
    context = edit_row()
    user = context["user"]
    form = submitted(
        UserEditForm,
        {
            "username": "a!",
            "email": "ada@example.com",
            "display_name": user.display_name,
            "password": "short",
            "is_active": "active",
            "version": str(user.version),
        },
    )
    form.email.errors.append(TAKEN_MESSAGES["email"])  # as users.service.mark_taken does
    return {**context, "form": form}


def edit_row_conflict() -> Context:
    """Saved over a newer version: meanwhile another admin changed the display name and the
    status; this admin typed another display name (and a new password, to type again)."""
    context = edit_row()
    user = context["user"]
    mine = submitted(
        UserEditForm,
        {
            "username": user.username,
            "email": user.email,
            "display_name": "Ada King",
            "password": "a long enough password",
            "is_active": "active",
            "role": user.role,
            "version": str(user.version),
        },
    )
    user.display_name, user.is_active, user.version = "Ada, Countess of Lovelace", False, 4
    conflict = rebase(mine, user_views.edit_form(user), user_views.EDITED)
    mine.password.errors = [user_views.RETYPE_PASSWORD]
    return {**context, "form": mine, "conflict": conflict}


def gone_row() -> Context:
    context = single_row("gone_row")
    return {**context, "problem": DELETED_MEANWHILE.format(name=context["user"].username)}


def confirm_row(problem: str = "") -> Context:
    return single_row("confirm_row", problem=problem)


def create_form_errors() -> Context:
    """A username another account has, a malformed email and a short password."""
    form = submitted(
        UserCreateForm, {"username": "ada", "email": "not-an-email", "password": "short"}
    )
    form.username.errors.append(TAKEN_MESSAGES["username"])  # as users.service.mark_taken does
    return table(create_form=form, focus_form=True)


def new_row() -> Context:
    """After Add user: the new row and the count, both out of band."""
    context = table()
    return {**context, "user": context["page"].items[-1]}


def undo_gone() -> Context:
    return {**table(), "undo_id": f"undo-{people()[1].id}"}


def live_rows(*, added: bool = True) -> Context:
    """Streamed to another admin's table (roster.users.live): a row edited, one added (with the
    new count) and one deleted; or only the edit."""
    context = table()
    rows = context["page"].items
    if not added:
        return {**context, "changed": rows[:1], "added": [], "gone": [], "new_count": None}
    return {
        **context,
        "changed": rows[:1],
        "added": rows[1:2],
        "gone": [rows[2].id],
        "new_count": 9,
    }


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


def undo_post_toast() -> Context:
    """After deleting a post: back on the profile, whose Undo restores it."""
    post = own_post()["post"]
    return {
        "toasts": [
            (
                "success",
                {
                    "text": f"Your post “{post.title}” is deleted.",
                    "action": f"/post/{post.id}/restore?next=/user/{post.author.username}",
                    "label": "Undo",
                    "id": f"undo-post-{post.id}",
                    "target": "#main",
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
            {"role": ["member", "admin"], "password_hash": [REDACTED, REDACTED]},
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
        "page": Page(entries, encode((entries[-1].created_at, entries[-1].id)) if more else None),
        "actions": ACTIONS,
    }


def audit_empty() -> Context:
    return {**audit(), "page": Page([])}


def audit_no_match() -> Context:
    return {**audit(user="nobody-like-this", action="user.purge"), "page": Page([])}


# ---- a user's details -----------------------------------------------------------------------


def details(kind: str = "ordinary", *, viewer: str = "admin") -> Context:
    """The details of the second person of `kind` as an admin sees them (or a moderator: no
    Sign out buttons): sign-ins, two open sessions, posts (the newest hidden), history."""
    admin, someone, *_ = people(kind)
    someone.email_verified_at = EPOCH - timedelta(days=30)
    someone.mfa_enabled_at = EPOCH - timedelta(days=10)
    entries = audit_entries(kind)
    their_posts = posts(kind, authors=[someone])
    hidden(their_posts[0])
    session_context = sessions()
    for record in session_context["sessions"]:
        record.user_id = someone.id
    return {
        **session_context,
        "current_user": moderator() if viewer == "moderator" else admin,
        "owner": someone,
        "current_id": None,
        "admin_view": True,
        "user": someone,
        "sign_ins": [entry for entry in entries if entry.action.startswith("auth.sign_in")],
        "posts": their_posts,
        "history": Page(entries, encode((entries[-1].created_at, entries[-1].id))),
        "actions": ACTIONS,
    }


def details_empty() -> Context:
    """A new, invited account: nothing recorded, no sessions, no posts."""
    context = details()
    context["user"].set_unusable_password()
    context["user"].email_verified_at = None
    return {**context, "sign_ins": [], "sessions": [], "posts": [], "history": Page([])}


def audit_live() -> Context:
    """Streamed to an open log (roster.audit.live): the newest entries, for its first page."""
    context = audit()
    return {**context, "entries": context["page"].items[:2]}
