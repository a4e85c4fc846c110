"""Posts: one on its own page, and writing, editing and deleting one's own."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, url_for
from flask_login import current_user, login_required

from roster.extensions import db
from roster.idempotency import submit_once
from roster.posts.forms import PostForm
from roster.posts.models import Post
from roster.posts.queries import visible_posts
from roster.posts.service import publish
from roster.profiles.queries import profile_context
from roster.rendering import render, render_or_redirect

bp = Blueprint("posts", __name__)


def find_post(post_id: int) -> Post:
    return db.first_or_404(visible_posts().where(Post.id == post_id))


def own_post(post_id: int) -> Post:
    """The post, if the signed-in user wrote it; 403 for anyone else."""
    post = find_post(post_id)
    if post.author_id != current_user.id:
        abort(403)
    return post


@bp.get("/post/<int:post_id>")
def show(post_id: int) -> Response:
    return render("posts/post.html", post=find_post(post_id))


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
    return render("posts/delete.html", "delete_confirm", post=own_post(post_id))


@bp.delete("/post/<int:post_id>")
@bp.post("/post/<int:post_id>/delete", endpoint="delete_form")
@login_required
def delete(post_id: int) -> Response:
    post = own_post(post_id)
    db.session.delete(post)
    db.session.commit()
    flash("Your post is deleted.", "success")
    # Deleted, the post is detached and keeps what was loaded: its title and its author.
    profile = url_for("profiles.show", username=post.author.username)
    return render_or_redirect(profile, "posts/post.html", "post_deleted", post=post)
