"""Who is signed in: the user loader and the sign-in redirect (what they may do: permissions.py)."""

from __future__ import annotations

from flask import Flask, Response, redirect, request, url_for
from flask_login import current_user

from roster.auth.permissions import template_can
from roster.extensions import login_manager
from roster.htmx import client_redirect, htmx, vary
from roster.sessions import service as sessions
from roster.users.models import User


def init_auth(app: Flask) -> None:
    """Bind Flask-Login: who the session belongs to, and where anonymous visitors are sent."""
    # current_user reaches templates as the lazy proxy: a fragment that never shows the
    # user costs no user query (Flask-Login's own context processor loads it every render).
    login_manager.init_app(app, add_context_processor=False)
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(send_to_login)
    app.jinja_env.globals["current_user"] = current_user
    app.jinja_env.globals["can"] = template_can


def load_user(user_id: str) -> User | None:
    """The cookie names an open session record (roster.sessions), not just a user."""
    return sessions.load_user(user_id)


def send_to_login() -> Response:
    """Pages redirect to the sign-in form; htmx requests are told to go there with HX-Redirect."""
    here = request.full_path.rstrip("?")
    details = htmx()
    if details.is_htmx:
        # After sign-in, go back to the page the user was on, not to the fragment it asked for.
        return client_redirect(url_for("auth.login", next=details.current_path or here), status=401)
    return vary(redirect(url_for("auth.login", next=here), 303))


def safe_next(target: str | None) -> str:
    """Follow `next` only to a path on this site; anything else (other hosts, schemes) goes home."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    # A path that starts with one "/" has no scheme or host of its own; browsers read one in
    # anyway after a backslash or a control character such as a tab ("/", then "\\evil.example").
    if "\\" in target or any(ord(ch) < 32 or ch == "\x7f" for ch in target):
        return "/"
    return target
