"""What the catalog shows: one line per state of a page, fragment or component.

Adding a fragment to the catalog is one line below: the template, the block (None for a
component rendered whole), a state name (a slug) and the function that builds its context.
tests/test_catalog.py fails while a `{% block %}` in templates/ has no line here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from roster.catalog import account_samples, bulk_samples, samples, self_service_samples
from roster.mfa.service import WRONG_CODE, WRONG_PASSWORD
from roster.mfa.views import TOO_MANY_CODES
from roster.users.rules import LAST_ADMIN

# Each mail template and the states it is sent in (account_samples.letters).
MAIL_STATES = {
    "mail/password_reset": ["password-reset"],
    "mail/password_changed": ["password-changed", "password-changed-by-admin"],
    "mail/verify_email": ["verify-registration", "verify-change", "verify-admin"],
    "mail/email_changed": ["email-changed", "email-changed-by-admin"],
    "mail/invite": ["invite"],
    "mail/mfa_changed": ["mfa-enabled", "mfa-disabled"],
}


@dataclass(frozen=True)
class Entry:
    template: str
    block: str | None
    state: str
    sample: Callable[[], dict[str, Any]]

    @property
    def label(self) -> str:
        return f"{self.template} · {self.block or 'whole template'} · {self.state}"

    @property
    def anchor(self) -> str:
        block = self.block or "whole"
        return f"{self.template}-{block}-{self.state}".replace("/", "-").replace(".", "-")


# fmt: off
ENTRIES: list[Entry] = [
    Entry("pages/home.html", "content", "posts", samples.home),
    Entry("pages/home.html", "content", "empty", samples.home_empty),
    Entry(
        "pages/home.html", "content", "deleted-author", self_service_samples.home_with_kept_posts
    ),
    Entry("pages/home.html", "content", "long-names", partial(samples.home, "long")),
    Entry("pages/home.html", "content", "right-to-left", partial(samples.home, "rtl")),
    Entry("pages/home.html", "post_page", "load-more", samples.home_later),
    Entry("pages/home.html", "post_page", "last-page", partial(samples.home_later, more=False)),
    Entry("pages/about.html", "content", "default", samples.nothing),
    Entry("profiles/profile.html", "content", "posts", samples.profile),
    Entry("profiles/profile.html", "content", "no-posts", samples.profile_empty),
    Entry("profiles/profile.html", "content", "long-names", partial(samples.profile, "long")),
    Entry("profiles/profile.html", "content", "right-to-left", partial(samples.profile, "rtl")),
    Entry("profiles/profile.html", "content", "owner", samples.profile_owner),
    Entry("profiles/profile.html", "profile_card", "visitor", samples.profile),
    Entry("profiles/profile.html", "profile_card", "owner", samples.profile_owner),
    Entry(
        "profiles/profile.html",
        "profile_card",
        "right-to-left",
        partial(samples.profile_owner, "rtl"),
    ),
    Entry("profiles/profile.html", "site_nav", "saved", samples.profile_owner),
    Entry("profiles/profile.html", "posts_section", "owner", samples.profile_owner),
    Entry("profiles/profile.html", "posts_section", "post-errors", samples.profile_post_errors),
    Entry("profiles/profile.html", "posts_section", "just-published", samples.profile_published),
    Entry("profiles/profile.html", "posts_section", "no-posts", samples.profile_empty),
    Entry("profiles/profile.html", "post_page", "load-more", samples.profile_later),
    Entry(
        "profiles/profile.html",
        "post_page",
        "last-page",
        partial(samples.profile_later, more=False),
    ),
    Entry("profiles/edit.html", "profile_form", "default", samples.profile_form),
    Entry("profiles/edit.html", "profile_form", "validation-errors", samples.profile_form_errors),
    Entry("profiles/edit.html", "profile_form", "conflict", samples.profile_form_conflict),
    Entry(
        "profiles/edit.html",
        "profile_form",
        "long-names",
        partial(samples.profile_form, "long"),
    ),
    Entry(
        "profiles/edit.html",
        "profile_form",
        "right-to-left",
        partial(samples.profile_form, "rtl"),
    ),
    Entry("sessions/index.html", "content", "several", samples.sessions),
    Entry("sessions/index.html", "session_list", "several", samples.sessions),
    Entry(
        "sessions/index.html",
        "session_list",
        "only-this-one",
        partial(samples.sessions, others=False),
    ),
    Entry("sessions/list.html", None, "admin", samples.admin_sessions),
    Entry("account/password.html", "password_form", "empty", samples.password_form),
    Entry("account/password.html", "password_form", "validation-errors", samples.password_errors),
    Entry(
        "account/password.html",
        "password_form",
        "wrong-password",
        partial(samples.password_errors, wrong_current=True),
    ),
    Entry("posts/post.html", "content", "default", samples.post),
    Entry("posts/post.html", "content", "long-text", partial(samples.post, "long")),
    Entry("posts/post.html", "content", "right-to-left", partial(samples.post, "rtl")),
    Entry("posts/post.html", "content", "deleted-author", self_service_samples.kept_post),
    Entry("posts/post.html", "post_article", "owner", samples.own_post),
    Entry("posts/post.html", "post_article", "saved", partial(samples.own_post, focus_edit=True)),
    Entry("posts/post.html", "post_article", "right-to-left", partial(samples.own_post, "rtl")),
    Entry("posts/post.html", "post_article", "moderator", samples.post_for_moderator),
    Entry(
        "posts/post.html",
        "post_article",
        "hidden-moderator",
        partial(samples.post_for_moderator, is_hidden=True),
    ),
    Entry("posts/post.html", "post_article", "hidden-author", samples.hidden_post_for_author),
    Entry("moderation/panel.html", "content", "reason-required", samples.hide_refused),
    Entry("moderation/panel.html", "moderation_panel", "hide", samples.post_for_moderator),
    Entry(
        "moderation/panel.html",
        "moderation_panel",
        "hidden",
        partial(samples.post_for_moderator, is_hidden=True),
    ),
    Entry("moderation/panel.html", "moderation_panel", "reason-required", samples.hide_refused),
    Entry(
        "moderation/panel.html",
        "moderation_panel",
        "hidden-author",
        samples.hidden_post_for_author,
    ),
    Entry(
        "profiles/profile.html",
        "posts_section",
        "hidden-post-owner",
        samples.profile_with_hidden_post,
    ),
    Entry(
        "profiles/profile.html",
        "content",
        "hidden-post-moderator",
        partial(samples.profile_with_hidden_post, for_moderator=True),
    ),
    Entry("posts/edit.html", "post_form", "default", samples.post_form),
    Entry("posts/edit.html", "post_form", "validation-errors", samples.post_form_errors),
    Entry("posts/edit.html", "post_form", "long-text", partial(samples.post_form, "long")),
    Entry("posts/edit.html", "post_form", "right-to-left", partial(samples.post_form, "rtl")),
    Entry("posts/delete.html", "delete_confirm", "default", samples.own_post),
    Entry("posts/delete.html", "delete_confirm", "long-title", partial(samples.own_post, "long")),
    Entry("posts/delete.html", "delete_confirm", "from-a-list", samples.post_from_a_list),
    Entry("users/index.html", "content", "table", samples.table),
    Entry("users/index.html", "content", "moderator", samples.table_for_moderator),
    Entry("users/index.html", "content", "empty", samples.table_empty),
    Entry("users/index.html", "content", "long-names", partial(samples.table, "long")),
    Entry("users/index.html", "content", "right-to-left", partial(samples.table, "rtl")),
    Entry("users/index.html", "content", "create-errors", samples.create_form_errors),
    Entry("users/index.html", "results", "page", samples.table),
    Entry("users/index.html", "results", "no-results", samples.table_no_results),
    Entry("users/index.html", "results", "restored", samples.restored),
    Entry("users/index.html", "results", "right-to-left", partial(samples.table, "rtl")),
    Entry("users/index.html", "summary", "search", partial(samples.table, q="ada")),
    Entry("users/index.html", "rows", "page", samples.table),
    Entry("users/index.html", "rows", "empty", samples.table_empty),
    Entry("users/index.html", "count", "default", samples.table),
    Entry("users/index.html", "count", "capped", samples.table_capped),
    Entry("users/index.html", "content", "filtered", samples.table_filtered),
    Entry("users/index.html", "content", "trash", samples.trash),
    Entry("users/index.html", "results", "filtered", samples.table_filtered),
    Entry("users/index.html", "results", "filters-match-nobody", samples.table_filtered_empty),
    Entry("users/index.html", "results", "trash", samples.trash),
    Entry("users/index.html", "results", "trash-long-names", partial(samples.trash, "long")),
    Entry("users/index.html", "results", "trash-empty", samples.trash_empty),
    Entry("users/index.html", "create_form", "empty", samples.table),
    Entry("users/index.html", "create_form", "validation-errors", samples.create_form_errors),
    Entry("users/index.html", "new_row_oob", "default", samples.new_row),
    Entry("users/index.html", "count_oob", "default", samples.table),
    Entry("users/index.html", "undo_gone_oob", "default", samples.undo_gone),
    Entry("users/index.html", "live_rows", "edit-add-delete", samples.live_rows),
    Entry("users/index.html", "live_rows", "edit-only", partial(samples.live_rows, added=False)),
    *(Entry(*entry) for entry in bulk_samples.ENTRIES),
    Entry("users/row.html", "summary", "default", samples.row),
    Entry("users/row.html", "rows", "confirm", samples.confirm_row),
    Entry("users/row.html", "rows", "edit", samples.edit_row),
    Entry("users/row.html", "row", "default", samples.row),
    Entry("users/row.html", "row", "long-names", partial(samples.row, "long")),
    Entry("users/row.html", "row", "right-to-left", partial(samples.row, "rtl")),
    Entry("users/row.html", "edit_row", "default", samples.edit_row),
    Entry("users/row.html", "edit_row", "validation-errors", samples.edit_row_errors),
    Entry("users/row.html", "edit_row", "conflict", samples.edit_row_conflict),
    Entry("users/row.html", "edit_row", "long-names", partial(samples.edit_row, "long")),
    Entry("users/row.html", "edit_row", "right-to-left", partial(samples.edit_row, "rtl")),
    Entry("users/row.html", "confirm_row", "default", samples.confirm_row),
    Entry("users/row.html", "confirm_row", "refused", partial(samples.confirm_row, LAST_ADMIN)),
    Entry("users/row.html", "gone_row", "deleted-meanwhile", samples.gone_row),
    Entry("users/row.html", "row", "in-the-trash", samples.trashed_row),
    Entry(
        "users/row.html",
        "confirm_purge_row",
        "default",
        partial(samples.trashed_row, "confirm_purge_row"),
    ),
    Entry("details/user.html", "content", "admin", samples.details),
    Entry("details/user.html", "details", "streamed", samples.details),
    Entry(
        "details/user.html", "content", "moderator", partial(samples.details, viewer="moderator")
    ),
    Entry("details/user.html", "content", "nothing-yet", samples.details_empty),
    Entry("details/user.html", "content", "long-names", partial(samples.details, "long")),
    Entry("details/user.html", "content", "right-to-left", partial(samples.details, "rtl")),
    Entry("audit/index.html", "content", "entries", samples.audit),
    Entry("audit/index.html", "content", "empty", samples.audit_empty),
    Entry("audit/index.html", "content", "filtered", partial(samples.audit, user="grace.hopper")),
    Entry("audit/index.html", "content", "long-names", partial(samples.audit, "long")),
    Entry("audit/index.html", "content", "right-to-left", partial(samples.audit, "rtl")),
    Entry("audit/index.html", "results", "more-pages", partial(samples.audit, more=True)),
    Entry("audit/index.html", "results", "no-match", samples.audit_no_match),
    Entry("audit/index.html", "live_entries", "new-entries", samples.audit_live),
    Entry("auth/login.html", "login_form", "empty", samples.login),
    Entry("auth/login.html", "login_form", "validation-errors", samples.login_errors),
    Entry("auth/login.html", "login_form", "wrong-password", samples.login_failed),
    Entry("auth/register.html", "register_form", "empty", samples.register),
    Entry("auth/register.html", "register_form", "validation-errors", samples.register_errors),
    Entry(
        "auth/register.html",
        "register_field",
        "username-error",
        partial(samples.register_field, "username"),
    ),
    Entry("errors/error.html", "error", "404", partial(samples.error, 404)),
    Entry("errors/error.html", "error", "403", partial(samples.error, 403)),
    Entry("errors/error.html", "error", "500", partial(samples.error, 500)),
    Entry("components/nav.html", None, "signed-out", samples.nav),
    Entry("components/nav.html", None, "admin", partial(samples.nav, "ordinary")),
    Entry("components/nav.html", None, "moderator", samples.nav_moderator),
    Entry("components/nav.html", None, "long-names", partial(samples.nav, "long")),
    Entry("components/nav.html", None, "right-to-left", partial(samples.nav, "rtl")),
    Entry("components/toasts_oob.html", None, "toasts", samples.toasts),
    Entry("components/toasts_oob.html", None, "undo", samples.undo_toast),
    Entry("components/toasts_oob.html", None, "undo-post", samples.undo_post_toast),
    Entry("accounts/forgot.html", "forgot_form", "empty", account_samples.forgot),
    Entry(
        "accounts/forgot.html", "forgot_form", "sent", partial(account_samples.forgot, sent=True)
    ),
    Entry(
        "accounts/forgot.html", "forgot_form", "validation-errors", account_samples.forgot_errors
    ),
    Entry(
        "accounts/forgot.html",
        "forgot_form",
        "too-many",
        partial(account_samples.forgot_errors, throttled=True),
    ),
    Entry("accounts/new_password.html", "new_password_form", "reset", account_samples.new_password),
    Entry(
        "accounts/new_password.html",
        "new_password_form",
        "validation-errors",
        partial(account_samples.new_password, errors=True),
    ),
    Entry(
        "accounts/new_password.html",
        "new_password_form",
        "invite",
        partial(account_samples.new_password, "invite"),
    ),
    Entry(
        "accounts/new_password.html",
        "new_password_form",
        "invite-right-to-left",
        partial(account_samples.new_password, "invite", names="rtl"),
    ),
    *[
        Entry(
            "accounts/link_problem.html",
            "link_problem",
            state,
            partial(account_samples.link_problem, *problem),
        )
        for state, problem in account_samples.LINK_PROBLEM_STATES.items()
    ],
    Entry(
        "accounts/email_status.html",
        "email_status",
        "confirmed",
        partial(account_samples.email_status, verified=True),
    ),
    Entry(
        "accounts/email_status.html",
        "email_status",
        "not-confirmed",
        partial(account_samples.email_status, verified=False),
    ),
    *[
        Entry(
            "accounts/user_mail_status.html",
            "user_mail_status",
            state,
            partial(account_samples.user_mail_status, state),
        )
        for state in ("confirmed", "not-confirmed", "invited")
    ],
    *[
        Entry(f"{name}.{kind}", block, state, partial(account_samples.letter, state))
        for name, states in MAIL_STATES.items()
        for state in states
        for kind, block in (("html", "content"), ("txt", None))
    ],
    Entry(
        "mail/invite.html",
        "content",
        "right-to-left",
        partial(account_samples.letter, "invite", "rtl"),
    ),
    Entry("mfa/account.html", "content", "setup", account_samples.mfa_setup),
    Entry("mfa/account.html", "content", "on", account_samples.mfa_on),
    Entry("mfa/account.html", "mfa_panel", "setup", account_samples.mfa_setup),
    Entry(
        "mfa/account.html",
        "mfa_panel",
        "setup-wrong-code",
        partial(account_samples.mfa_setup, problem=WRONG_CODE),
    ),
    Entry(
        "mfa/account.html",
        "mfa_panel",
        "setup-required",
        partial(account_samples.mfa_setup, required=True),
    ),
    Entry(
        "mfa/account.html",
        "mfa_panel",
        "setup-too-many",
        partial(account_samples.mfa_setup, problem=TOO_MANY_CODES),
    ),
    Entry(
        "mfa/account.html",
        "mfa_panel",
        "setup-right-to-left",
        partial(account_samples.mfa_setup, kind="rtl"),
    ),
    Entry(
        "mfa/account.html",
        "mfa_panel",
        "recovery-codes",
        partial(account_samples.mfa_on, codes=True),
    ),
    Entry("mfa/account.html", "mfa_panel", "on", account_samples.mfa_on),
    Entry(
        "mfa/account.html",
        "mfa_panel",
        "on-wrong-password",
        partial(account_samples.mfa_on, problem=WRONG_PASSWORD),
    ),
    Entry(
        "mfa/account.html",
        "mfa_panel",
        "on-wrong-code",
        partial(account_samples.mfa_on, problem=WRONG_CODE),
    ),
    Entry(
        "mfa/account.html",
        "mfa_panel",
        "on-required",
        partial(account_samples.mfa_on, required=True),
    ),
    Entry("mfa/sign_in.html", "content", "default", account_samples.mfa_sign_in),
    Entry("mfa/sign_in.html", "mfa_sign_in_form", "empty", account_samples.mfa_sign_in),
    Entry(
        "mfa/sign_in.html",
        "mfa_sign_in_form",
        "wrong-code",
        partial(account_samples.mfa_sign_in, problem=WRONG_CODE),
    ),
    Entry(
        "mfa/sign_in.html",
        "mfa_sign_in_form",
        "too-many",
        partial(account_samples.mfa_sign_in, problem=TOO_MANY_CODES),
    ),
    Entry("account/delete.html", "content", "empty", self_service_samples.delete_account),
    *[
        Entry(
            "account/delete.html",
            "delete_account_form",
            state,
            partial(self_service_samples.delete_account, problem=problem),
        )
        for state, problem in self_service_samples.DELETE_STATES.items()
    ],
    Entry("outbox/index.html", "outbox", "messages", account_samples.outbox),
    Entry("outbox/index.html", "outbox", "empty", partial(account_samples.outbox, empty=True)),
    Entry("outbox/message.html", "kept_message", "default", account_samples.outbox_message),
    Entry(
        "outbox/message.html",
        "kept_message",
        "right-to-left",
        partial(account_samples.outbox_message, "rtl"),
    ),
]
# fmt: on


def find(template: str, block: str | None, state: str | None) -> Entry | None:
    """The entry for a template and block in `state`, or its first state when none is named."""
    for entry in ENTRIES:
        if (entry.template, entry.block) == (template, block) and state in (None, entry.state):
            return entry
    return None
