"""Keep link tokens out of request logs: whoever reads a log must not be able to use its links."""

from __future__ import annotations

import logging
import re

# The paths of the mailed links (see roster.accounts.views), up to the token's end.
LINK_TOKEN = re.compile(r"(/(?:password/reset|email/verify|invite)/)[^\s/?\"]+")
# Loggers that write request lines: Flask's development server and gunicorn's access log.
REQUEST_LOGGERS = ("werkzeug", "gunicorn.access")


class RedactLinkTokens(logging.Filter):
    """Rewrites a record whose message holds a link's token; lets every record through."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = LINK_TOKEN.sub(r"\1[token]", message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def redact_request_logs() -> None:
    """Install the filter once per logger (apps come and go in tests; loggers stay)."""
    for name in REQUEST_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactLinkTokens) for f in logger.filters):
            logger.addFilter(RedactLinkTokens())
