"""Catalog samples for self-service: deleting one's account, and posts kept without a name."""

from __future__ import annotations

from roster.account.forms import DeleteAccountForm
from roster.catalog.samples import Context, page_of, people, posts, submitted
from roster.posts.models import Post
from roster.profiles.forms import WRONG_PASSWORD
from roster.users.rules import LAST_ADMIN


def delete_account(*, problem: str = "") -> Context:
    """The form; `problem`: "missing" (nothing given), or the view's refusal."""
    if not problem:
        return {"form": DeleteAccountForm(formdata=None), "current_user": people()[0]}
    if problem == "missing":
        form = submitted(DeleteAccountForm, {})
    else:
        form = submitted(DeleteAccountForm, {"password": "a guess", "posts": "keep"})
        if problem == WRONG_PASSWORD:
            form.password.errors.append(problem)
        else:
            form.form_errors.append(problem)
    return {"form": form, "current_user": people()[0]}


def unnamed(post: Post) -> Post:
    post.author, post.author_id = None, None
    return post


def kept_post() -> Context:
    """A post whose author deleted the account and kept it."""
    return {"post": unnamed(posts()[0])}


def home_with_kept_posts() -> Context:
    some = posts()
    return page_of([unnamed(some[0]), *some[1:]])


DELETE_STATES = {
    "empty": "",
    "validation-errors": "missing",
    "wrong-password": WRONG_PASSWORD,
    "last-admin": LAST_ADMIN,
}
