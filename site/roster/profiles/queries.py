"""What a profile page shows, read in one place for the profile and for the posts written on it."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from roster.posts.forms import PostForm
from roster.posts.queries import count_posts, post_page
from roster.users.models import User


def profile_context(
    user: User,
    *,
    post_form: PostForm | None = None,
    after: str | None = None,
    before: str | None = None,
) -> dict[str, Any]:
    """The template context of profiles/profile.html: a page of the user's posts and their count.

    Both as the signed-in user sees them: hidden posts only for their author and moderators.
    `post_form` is for the owner only: the form to write a post, with its errors if any.
    """
    viewer = current_user._get_current_object()
    return {
        "user": user,
        "page": post_page(user, viewer=viewer, after=after, before=before),
        "post_count": count_posts(user, viewer),
        "post_form": post_form,
    }
