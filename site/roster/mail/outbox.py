"""The development outbox: without MAIL_URL each message is kept as an .eml file to read at /_mail.

The files are ordinary RFC 5322 messages: any mail program opens them too.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from flask import current_app
from flask_mailman.backends.base import BaseEmailBackend

# What the viewer lists at most: the newest first.
LISTED = 200
FILE_NAME = re.compile(r"^[0-9]{8}-[0-9]{12}-[0-9a-f]{8}\.eml$")


def outbox_folder() -> Path:
    return Path(current_app.instance_path) / "mail"


class OutboxBackend(BaseEmailBackend):
    """A Flask-Mailman backend that writes each message to instance/mail/<time>-<random>.eml."""

    def send_messages(self, email_messages) -> int:
        folder = outbox_folder()
        folder.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            name = f"{datetime.now(UTC):%Y%m%d-%H%M%S%f}-{secrets.token_hex(4)}.eml"
            (folder / name).write_bytes(message.message().as_bytes())
        return len(email_messages)


@dataclass(frozen=True)
class KeptMessage:
    """One message from the outbox, parsed."""

    name: str
    parsed: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.parsed["Subject"] or "")

    @property
    def recipient(self) -> str:
        return str(self.parsed["To"] or "")

    @property
    def sent_at(self) -> str:
        return str(self.parsed["Date"] or "")

    def part(self, subtype: str) -> str:
        body = self.parsed.get_body(preferencelist=(subtype,))
        return body.get_content() if body is not None else ""


def kept_messages() -> list[KeptMessage]:
    """The newest messages first (file names start with the time they were written)."""
    folder = outbox_folder()
    if not folder.is_dir():
        return []
    names = sorted((p.name for p in folder.iterdir() if FILE_NAME.match(p.name)), reverse=True)
    return [read(name) for name in names[:LISTED]]


def find(name: str) -> KeptMessage | None:
    """The message in file `name`; None for a name that is not an outbox file."""
    if not FILE_NAME.match(name) or not (outbox_folder() / name).is_file():
        return None
    return read(name)


def read(name: str) -> KeptMessage:
    data = (outbox_folder() / name).read_bytes()
    return KeptMessage(name, message_from_bytes(data, _class=EmailMessage, policy=policy.default))
