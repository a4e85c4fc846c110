"""`flask --app roster purge-deleted`: soft-deleted users and posts are kept for undo; this
removes them."""

from __future__ import annotations

from datetime import timedelta

import click
from sqlalchemy import select

from roster.posts.service import purge_posts
from roster.users.models import User, utcnow
from roster.users.service import purge_users


@click.command("purge-deleted")
@click.option(
    "--older-than-days",
    type=click.IntRange(min=0),
    required=True,
    help="Delete for good the users and posts deleted at least this many days ago.",
)
def purge_deleted(older_than_days: int) -> None:
    """Delete, for good, users soft-deleted more than N days ago (with their posts), and posts
    soft-deleted more than N days ago."""
    cutoff = utcnow() - timedelta(days=older_than_days)
    purged = purge_users(None, select(User.id).where(User.deleted_at < cutoff))
    click.echo(f"Purged {purged} user{'' if purged == 1 else 's'}.")
    posts = purge_posts(cutoff)
    click.echo(f"Purged {posts} deleted post{'' if posts == 1 else 's'}.")
