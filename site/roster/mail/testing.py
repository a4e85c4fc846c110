"""A real SMTP server for the tests (aiosmtpd, a test extra): mail is received, never mocked.

Unit and browser tests point MAIL_URL at `MailServer.url`, let Roster send as it would in
production, and read what arrived: the parsed message, its plain-text and HTML parts, and
the links in it, to follow like a user would.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

LINK = re.compile(r"https?://[^\s<>\"')]+")


@dataclass(frozen=True)
class ReceivedMail:
    """One message as the server received it."""

    recipients: tuple[str, ...]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def sender(self) -> str:
        return str(self.message["From"])

    def part(self, subtype: str) -> str:
        body = self.message.get_body(preferencelist=(subtype,))
        return body.get_content() if body is not None else ""

    @property
    def text(self) -> str:
        return self.part("plain")

    @property
    def html(self) -> str:
        return self.part("html")

    def links(self, containing: str = "") -> list[str]:
        """The URLs in the plain-text part, in order, that contain `containing`."""
        return [url for url in LINK.findall(self.text) if containing in url]

    def link(self, containing: str) -> str:
        """The one link containing `containing` (a route prefix such as "/password/reset/")."""
        found = sorted(set(self.links(containing)))
        assert len(found) == 1, (
            f"expected one link with {containing!r} in {self.subject!r}: {found}"
        )
        return found[0]


class MailServer:
    """An SMTP server on a free loopback port, keeping what it receives until `clear`."""

    def __init__(self) -> None:
        self.received: list[ReceivedMail] = []
        self._arrived = threading.Condition()
        self._controller: Controller | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> MailServer:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()

    async def handle_DATA(self, server, session, envelope) -> str:
        message = message_from_bytes(envelope.content, _class=EmailMessage, policy=policy.default)
        with self._arrived:
            self.received.append(ReceivedMail(tuple(envelope.rcpt_tos), message))
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def clear(self) -> None:
        with self._arrived:
            self.received.clear()

    def to(self, address: str) -> list[ReceivedMail]:
        """What `address` has received so far."""
        with self._arrived:
            return [mail for mail in self.received if address in mail.recipients]

    def wait_for(self, address: str, subject: str = "", timeout: float = 10) -> ReceivedMail:
        """The latest message to `address` whose subject contains `subject`, waiting for it."""
        deadline = time.monotonic() + timeout

        def latest() -> ReceivedMail | None:
            matches = [mail for mail in self.received if address in mail.recipients]
            matches = [mail for mail in matches if subject in mail.subject]
            return matches[-1] if matches else None

        with self._arrived:
            while (found := latest()) is None:
                remaining = deadline - time.monotonic()
                assert remaining > 0, f"no mail to {address} about {subject!r} arrived"
                self._arrived.wait(remaining)
        return found
