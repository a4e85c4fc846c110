"""Outgoing mail: messages rendered from templates/mail/, delivered off the request.

`Letter.send` renders the plain-text and HTML parts inside the request (a template error shows
up there, in tests), then hands the message to the app's postman, which delivers it from a
background thread: a slow or broken mail server never holds a request or loses an account
change. Links in mail come from `site_url_for`, built on SITE_URL and never on the request's
Host header, so a forged Host cannot send a reset link to another site.

Without MAIL_URL the messages go to the development outbox: instance/mail/*.eml, listed at
/_mail in debug.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, render_template
from flask_mailman import EmailMultiAlternatives, Mail

from roster.mail.postman import Delivery, Postman
from roster.mail.settings import mailman_settings
from roster.mail.views import bp as outbox_bp

mailman = Mail()


def init_mail(app: Flask) -> None:
    app.config.update(mailman_settings(app.config["MAIL_URL"]))
    # How long a view waits to tell the user that a message it reports on could not be sent.
    app.config.setdefault("MAIL_WAIT_SECONDS", 3.0)
    app.config["MAIL_DEFAULT_SENDER"] = app.config["MAIL_FROM"]
    mailman.init_app(app)
    app.extensions["roster.postman"] = Postman(app)
    app.register_blueprint(outbox_bp)


def postman() -> Postman:
    return current_app.extensions["roster.postman"]


def site_url_for(endpoint: str, **values: Any) -> str:
    """An absolute URL on SITE_URL for `endpoint`, whatever host the request came in on."""
    site = urlsplit(current_app.config["SITE_URL"])
    adapter = current_app.url_map.bind(
        site.netloc, script_name=site.path.rstrip("/") or "/", url_scheme=site.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


@dataclass(frozen=True)
class Letter:
    """A message before rendering: templates/mail/<template>.txt (the plain part) and .html."""

    to: str
    subject: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)

    def template_context(self) -> dict[str, Any]:
        return {"subject": self.subject, "home_url": site_url_for("pages.home"), **self.context}

    def compose(self) -> EmailMultiAlternatives:
        context = self.template_context()
        message = EmailMultiAlternatives(
            subject=self.subject,
            body=render_template(f"mail/{self.template}.txt", **context),
            from_email=current_app.config["MAIL_FROM"],
            to=[self.to],
        )
        message.attach_alternative(
            render_template(f"mail/{self.template}.html", **context), "text/html"
        )
        return message

    def send(self) -> Delivery:
        """Render and queue; call it after the change the message reports is committed."""
        return postman().post(self.compose())


__all__ = ["Delivery", "Letter", "init_mail", "site_url_for"]
