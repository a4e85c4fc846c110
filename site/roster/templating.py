"""Filters and globals the templates use, so that templates hold no Python logic."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from flask import Flask, g
from flask_wtf.csrf import generate_csrf


def initials(name: str) -> str:
    """Up to two letters for an avatar: 'Ada Lovelace' -> 'AL', 'grace' -> 'G'."""
    parts = [part for part in name.replace(".", " ").replace("_", " ").split() if part]
    return "".join(part[0] for part in parts[:2]).upper() or "?"


def avatar_hue(username: str) -> int:
    """A stable hue (0-359) per username, so an avatar keeps its colour everywhere."""
    digest = hashlib.blake2s(username.lower().encode(), digest_size=2).digest()
    return int.from_bytes(digest, "big") % 360


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were stored as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def date(moment: datetime) -> str:
    return as_utc(moment).strftime("%-d %b %Y")


def isodate(moment: datetime) -> str:
    return as_utc(moment).isoformat(timespec="seconds")


def csrf_token() -> str:
    """Flask-WTF's token, read from `g` after its first use in a request: a page of rows has a
    form per row, and `generate_csrf` reads its configuration again on every call."""
    return g.get("csrf_token") or generate_csrf()


def init_templating(app: Flask) -> None:
    app.add_template_filter(initials)
    app.add_template_filter(avatar_hue)
    app.add_template_filter(date)
    app.add_template_filter(isodate)
    app.add_template_global(csrf_token)
