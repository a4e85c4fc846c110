"""Command line: demo data and accounts."""

from __future__ import annotations

import random
import secrets
import sys
import time
from datetime import UTC, datetime, timedelta

import click
from flask import Flask
from sqlalchemy import func, insert, select, text
from werkzeug.security import generate_password_hash

from roster.auth.forms import RegisterForm
from roster.extensions import db
from roster.posts.models import Post
from roster.users.bulk_load import users_loaded_in_bulk
from roster.users.models import User, utcnow
from roster.users.policy import Role, email_key
from roster.users.service import DuplicateUserError, NewUser, create_user, hash_method

FIRST_NAMES = (
    "Ada Alan Amara Bea Boris Chen Dana Emeka Farah Grace Hiro Ines Jonas Kemi Lars Lena Mateo "
    "Nadia Omar Priya Quinn Rosa Sami Tariq Uma Vera Wei Xena Yusuf Zoe"
).split()
LAST_NAMES = (
    "Abe Berg Costa Diaz Eze Fischer Garcia Haddad Ito Jensen Kim Lopez Moreau Nakamura Okafor "
    "Park Quist Rossi Silva Tanaka Ueda Varga Weber Xu Yilmaz Zhang"
).split()
WORDS = (
    "hypermedia fragment table search roster team project weekly notes release design review "
    "coffee garden music travel books code cycling photos kitchen ideas"
).split()
BATCH = 5_000
# The first few demo users of a seed moderate posts; no demo user is an admin (--demo-admin).
DEMO_MODERATORS = 3


def register_commands(app: Flask) -> None:
    app.cli.add_command(seed)
    app.cli.add_command(create_user_command)


@click.command("seed")
@click.option("--users", "user_count", type=click.IntRange(min=0), default=100, show_default=True)
@click.option("--posts", "post_count", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
@click.option("--random-seed", type=int, default=None, help="Make the demo data reproducible.")
@click.option("--demo-admin", is_flag=True, help="Also add an admin named 'admin'.")
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Date the demo data as if seeded on this day (UTC): reproducible screenshots.",
)
def seed(
    user_count: int,
    post_count: int,
    if_empty: bool,
    random_seed: int | None,
    demo_admin: bool,
    as_of: datetime | None,
) -> None:
    """Add demo users (and posts). They share one random password, printed at the end."""
    if if_empty and db.session.scalar(select(func.count()).select_from(User)):
        click.echo(
            "The database already has users; nothing seeded. Sign in with the password printed "
            "when it was seeded, or add an admin: "
            "flask --app roster create-user NAME --email EMAIL --admin"
        )
        return
    rng = random.Random(random_seed)  # noqa: S311 (demo data, not secrets)
    password = secrets.token_urlsafe(12)
    # One hash for every demo user: a slow hash 100,000 times would take many minutes.
    password_hash = generate_password_hash(password, method=hash_method())
    started = time.perf_counter()
    first_id = (db.session.scalar(select(func.max(User.id))) or 0) + 1
    now = as_of.replace(tzinfo=UTC) if as_of else utcnow()
    # Rebuilding the indexes pays when the load is at least as large as the table already is.
    with (
        users_loaded_in_bulk(rebuild_indexes=user_count >= first_id) as write,
        click.progressbar(length=user_count, label="Users", file=sys.stderr) as bar,
    ):
        for start in range(0, user_count, BATCH):
            write(
                [
                    _demo_user(rng, first_id + n, password_hash, now, demo_role(n))
                    for n in range(start, min(start + BATCH, user_count))
                ]
            )
            bar.update(min(BATCH, user_count - start))
    db.session.commit()
    if demo_admin:
        create_user(
            None,
            NewUser("admin", "admin@example.com", password, display_name="Admin", role=Role.admin),
        )
    if post_count:
        _seed_posts(rng, post_count, now)
    _refresh_planner_statistics()
    elapsed = time.perf_counter() - started
    click.echo(f"Seeded {user_count} users and {post_count} posts in {elapsed:.1f} s.")
    if user_count or demo_admin:
        who = "admin and every demo user" if demo_admin else "every demo user"
        click.echo(f"Sign in as {who} with the password: {password}")


def demo_role(number: int) -> Role:
    """The role of the seed's `number`th demo user (from 0)."""
    return Role.moderator if number < DEMO_MODERATORS else Role.member


def _refresh_planner_statistics() -> None:
    """After a bulk load, PostgreSQL's planner must learn the new sizes before autovacuum does.

    Without it the first page of 100,000 fresh users was planned as a sequential scan and sort
    of "about 100 rows" (40 ms) instead of a walk down the created_at index (under 1 ms). VACUUM
    also marks the new pages all-visible, so index-only scans (the capped count) skip the heap.
    (SQLite gets no statistics on purpose: its planner would then read a rare filter, say
    role=admin, by walking a whole sort index instead of the filter's index.)
    """
    if db.engine.dialect.name == "postgresql":
        db.session.commit()
        with db.engine.connect() as connection:
            autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
            autocommit.execute(text("VACUUM (ANALYZE) users, posts"))


def _demo_user(rng: random.Random, number: int, password_hash: str, now, role: Role) -> dict:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    username = f"{first}.{last}{number}".lower()
    email = f"{username}@example.com"
    return {
        "username": username,
        "email": email,
        "email_key": email_key(email),
        "password_hash": password_hash,
        "display_name": f"{first} {last}",
        "bio": f"Likes {rng.choice(WORDS)} and {rng.choice(WORDS)}.",
        "role": role.value,
        "is_active": True,
        "created_at": now - timedelta(minutes=number),
        "updated_at": now,
        "version": 1,
    }


def _seed_posts(rng: random.Random, post_count: int, now) -> None:
    author_ids = db.session.scalars(select(User.id).where(User.deleted_at.is_(None))).all()
    if not author_ids:
        raise click.ClickException("Posts need authors: seed some users first.")
    with click.progressbar(length=post_count, label="Posts", file=sys.stderr) as bar:
        for start in range(0, post_count, BATCH):
            rows = []
            for n in range(start, min(start + BATCH, post_count)):
                words = rng.sample(WORDS, 4)
                created = now - timedelta(minutes=post_count - n)
                rows.append(
                    {
                        "author_id": rng.choice(author_ids),
                        "title": " ".join(words[:3]).capitalize(),
                        "body": f"Some thoughts on {words[0]} and {words[3]}.\nMore soon.",
                        "created_at": created,
                        "updated_at": created,
                    }
                )
            db.session.execute(insert(Post), rows)
            bar.update(len(rows))
    db.session.commit()


@click.command("create-user")
@click.argument("username")
@click.option("--email", required=True)
@click.option("--admin", "is_admin", is_flag=True, help="Give the account the admin role.")
@click.option(
    "--role",
    type=click.Choice([role.value for role in Role]),
    default=None,
    help="The account's role (default: member).",
)
@click.password_option(prompt="Password", confirmation_prompt="Repeat password")
def create_user_command(
    username: str, email: str, is_admin: bool, role: str | None, password: str
) -> None:
    """Create an account; the password is asked for (hidden) or read from standard input."""
    if is_admin and role not in (None, Role.admin):
        raise click.UsageError(f"--admin and --role {role} contradict each other: give one.")
    chosen = Role.admin if is_admin else Role(role or Role.member)
    # The registration form's rules (users/policy.py), taken names included, on this input.
    form = RegisterForm(
        formdata=None,
        meta={"csrf": False},
        data={"username": username, "email": email, "password": password, "confirm": password},
    )
    if not form.validate():
        raise click.ClickException(
            " ".join(
                f"{form[name].label.text}: {' '.join(errors)}"
                for name, errors in form.errors.items()
            )
        )
    try:
        user = create_user(
            None, NewUser(form.username.data, form.email.data, password, role=chosen)
        )
    except DuplicateUserError as clash:
        raise click.ClickException(str(clash)) from clash
    click.echo(f"Created {user.role} {user.username} <{user.email}>.")
