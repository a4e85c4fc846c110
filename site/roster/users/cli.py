"""`flask --app roster purge-deleted`: soft-deleted users are kept for undo; this removes them."""

from __future__ import annotations

from datetime import timedelta

import click
from sqlalchemy import delete, select

from roster.audit.service import record_each
from roster.extensions import db
from roster.posts.models import Post
from roster.users.models import User, utcnow


@click.command("purge-deleted")
@click.option(
    "--older-than-days",
    type=click.IntRange(min=0),
    required=True,
    help="Delete for good the users deleted at least this many days ago.",
)
def purge_deleted(older_than_days: int) -> None:
    """Delete, for good, users soft-deleted more than N days ago, with their posts."""
    cutoff = utcnow() - timedelta(days=older_than_days)
    doomed = select(User.id).where(User.deleted_at.is_not(None), User.deleted_at < cutoff)
    record_each("user.purge", doomed)
    # Posts first: the foreign key cascades too, but only where SQLite has foreign_keys=ON.
    db.session.execute(delete(Post).where(Post.author_id.in_(doomed)))
    purged = db.session.execute(delete(User).where(User.id.in_(doomed))).rowcount
    db.session.commit()
    click.echo(f"Purged {purged} user{'' if purged == 1 else 's'}.")
