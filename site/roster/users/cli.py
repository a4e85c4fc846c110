"""`flask --app roster purge-deleted`: soft-deleted users and posts are kept for undo; this
removes them."""

from __future__ import annotations

from datetime import datetime

import click
from sqlalchemy import select

from roster.posts.service import purge_posts
from roster.purging import purge_command
from roster.users.models import User
from roster.users.service import purge_users


@purge_command(
    "purge-deleted", "Delete for good the users and posts deleted at least this many days ago."
)
def purge_deleted(cutoff: datetime) -> None:
    """Delete, for good, users soft-deleted more than N days ago (with their posts), and posts
    soft-deleted more than N days ago."""
    purged = purge_users(None, select(User.id).where(User.deleted_at < cutoff))
    click.echo(f"Purged {purged} user{'' if purged == 1 else 's'}.")
    posts = purge_posts(cutoff)
    click.echo(f"Purged {posts} deleted post{'' if posts == 1 else 's'}.")
