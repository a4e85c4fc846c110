"""Posts: one on its own page, and writing, editing and deleting one's own (moderators also
delete anyone's; hiding is roster.moderation).

A delete is undoable, like the user table's: the post's page is gone, so the author goes back
to the list the post was found on (the page they came from, when it lists posts: home, a
profile, a user's details; else the author's profile), with a toast whose Undo restores it.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import contains_eager
from werkzeug.exceptions import HTTPException

from roster.auth.permissions import Permission, can
from roster.extensions import db
from roster.htmx import local_path
from roster.idempotency import submit_once
from roster.posts.forms import PostForm
from roster.posts.models import Post
from roster.posts.queries import visible_posts
from roster.posts.service import delete_post, publish, restore_post
from roster.profiles.queries import profile_context
from roster.rendering import flash_undo, redirect_whole_page, render, render_or_redirect

bp = Blueprint("posts", __name__)

# The pages that list posts: where a delete goes back to, when the post was found there.
LISTINGS = frozenset({"pages.home", "profiles.show", "details.show"})


def find_post(post_id: int) -> Post:
    """The post, if the signed-in user may see it: a hidden one is a 404 for all but its author
    and the moderators."""
    viewer = current_user._get_current_object()
    return db.first_or_404(visible_posts(viewer).where(Post.id == post_id))


def own_post(post_id: int) -> Post:
    """The post, if the signed-in user wrote it; 403 for anyone else."""
    post = find_post(post_id)
    if post.author_id != current_user.id:
        abort(403)
    return post


def deletable_post(post_id: int) -> Post:
    """The post, if the signed-in user wrote it or moderates posts; 403 for anyone else."""
    return may_delete(find_post(post_id))


def may_delete(post: Post) -> Post:
    if post.author_id != current_user.id and not can(Permission.POSTS_MODERATE):
        abort(403)
    return post


def listing_path(url: str | None) -> str | None:
    """`url` as a local path, if it is a page of this site that lists posts; else None."""
    path = local_path(url)
    if path is None:
        return None
    try:
        endpoint, _ = current_app.create_url_adapter(request).match(
            path.partition("?")[0], method="GET"
        )
    except HTTPException:  # no such page, or one that redirects
        return None
    return path if endpoint in LISTINGS else None


def back_to_list(post: Post) -> str:
    """Where the post was listed (`next`, from the page it was found on), or its author's
    profile (home for a post kept without an author)."""
    if listed := listing_path(request.args.get("next")):
        return listed
    if post.author is None:
        return url_for("pages.home")
    return url_for("profiles.show", username=post.author.username)


@bp.get("/post/<int:post_id>")
def show(post_id: int) -> Response:
    # The list the reader came from (or, after Cancel, came from before), for Delete to go
    # back to: the post's own page is gone after it.
    listed = listing_path(request.args.get("next") or request.referrer)
    return render("posts/post.html", post=find_post(post_id), listed=listed)


@bp.post("/posts")
@login_required
def create() -> Response:
    """Write a post from one's profile; htmx gets the profile's posts section back."""
    author = current_user._get_current_object()
    form = PostForm()
    created = submit_once(form, "post", publish, author, form.title.data, form.body.data)
    if created is None:
        context = profile_context(author, post_form=form)
        return render("profiles/profile.html", "posts_section", status=422, **context)
    # A second sending of the form (same key) gets this same answer and creates nothing.
    flash("Your post is published.", "success")
    context = profile_context(author, post_form=PostForm(formdata=None))
    profile = url_for("profiles.show", username=author.username)
    return render_or_redirect(
        profile, "profiles/profile.html", "posts_section", fresh_post_id=created.id, **context
    )


@bp.get("/post/<int:post_id>/edit")
@login_required
def edit(post_id: int) -> Response:
    post = own_post(post_id)
    return render("posts/edit.html", "post_form", post=post, form=PostForm(obj=post))


@bp.route("/post/<int:post_id>", methods=["PUT", "POST"])
@login_required
def update(post_id: int) -> Response:
    post = own_post(post_id)
    form = PostForm()
    if not form.validate_on_submit():
        return render("posts/edit.html", "post_form", status=422, post=post, form=form)
    post.title, post.body = form.title.data, form.body.data
    db.session.commit()
    flash("Your post is saved.", "success")
    # Committing expired the post; load it again with its author. Edit takes the focus back.
    post = find_post(post_id)
    url = url_for("posts.show", post_id=post_id)
    return render_or_redirect(url, "posts/post.html", "post_article", post=post, focus_edit=True)


@bp.get("/post/<int:post_id>/delete")
@login_required
def confirm_delete(post_id: int) -> Response:
    """Asks before deleting: a page of its own, or a fragment inside the post for htmx."""
    post = deletable_post(post_id)
    listed = listing_path(request.args.get("next"))
    return render("posts/delete.html", "delete_confirm", post=post, listed=listed)


@bp.delete("/post/<int:post_id>")
@bp.post("/post/<int:post_id>/delete", endpoint="delete_form")
@login_required
def delete(post_id: int) -> Response:
    """Soft delete, then back to the list in place of the post's page, with Undo."""
    post = deletable_post(post_id)
    # Read before the commit expires the post (its author is never loaded lazily).
    back, message = back_to_list(post), deleted_message(post)
    delete_post(current_user._get_current_object(), post)
    flash_undo(
        message,
        url_for("posts.restore", post_id=post_id, next=back),
        toast_id=f"undo-post-{post_id}",
        target="#main",
    )
    # The post's history entry would be a 404 now: the list takes its place.
    return redirect_whole_page(back, replace=True)


def deleted_message(post: Post) -> str:
    if post.author_id == current_user.id:
        return f"Your post “{post.title}” is deleted."
    if post.author is None:
        return f"The post “{post.title}” is deleted."
    return f"{post.author.name}'s post “{post.title}” is deleted."


@bp.post("/post/<int:post_id>/restore")
@login_required
def restore(post_id: int) -> Response:
    """Undo a delete (the author, or a moderator): the list it went back to shows it again."""
    query = (
        select(Post)
        .outerjoin(Post.author)
        .options(contains_eager(Post.author))
        .where(Post.id == post_id)
    )
    post = may_delete(db.first_or_404(query))
    back, title = back_to_list(post), post.title
    restore_post(current_user._get_current_object(), post)
    flash(f"“{title}” is back.", "success")
    return redirect_whole_page(back, replace=True)
