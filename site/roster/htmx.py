"""Everything Roster knows about htmx 4, in one place: what a request asks for, what an answer says.

Shaped after django-htmx (`request.htmx`, `HttpResponseLocation`, `reswap`, `retarget`,
`trigger_client_event`): views ask `htmx()` about the request and decorate their answers with the
helpers below instead of spelling header names themselves.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import Response, request

# Every request header that `Request.wants_fragment` reads: caches must key on all of them.
VARY_HEADERS = ("HX-Request", "HX-Boosted", "HX-History-Restore-Request", "HX-Request-Type")


@dataclass(frozen=True, slots=True)
class Request:
    """The htmx side of the current request, read from its headers."""

    is_htmx: bool
    boosted: bool
    history_restore: bool
    full_requested: bool
    current_url: str

    @property
    def wants_fragment(self) -> bool:
        """A plain htmx request gets a fragment; boosted, history-restore and full ones a page."""
        return (
            self.is_htmx
            and not self.boosted
            and not self.history_restore
            and not self.full_requested
        )

    @property
    def current_path(self) -> str | None:
        """The local path and query of the page htmx sent from (`HX-Current-URL`), or None."""
        return local_path(self.current_url)


def local_path(url: str | None) -> str | None:
    """The path and query of `url` when it is a page of this site, else None.

    `url` is a path or an http(s) URL on this host (`HX-Current-URL`, a `Referer`); anything
    else (another host or scheme, `//` or `\\` tricks, control characters) is None, as if
    there were no URL at all.
    """
    if not url or "\\" in url or any(ord(ch) < 32 or ch == "\x7f" for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if (parts.scheme or parts.netloc) and (
        parts.scheme not in ("http", "https") or parts.netloc != request.host
    ):
        return None
    if not parts.path.startswith("/") or parts.path.startswith("//"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def htmx() -> Request:
    """What htmx says about the current request."""
    headers = request.headers
    return Request(
        is_htmx=headers.get("HX-Request") == "true",
        boosted="HX-Boosted" in headers,
        history_restore="HX-History-Restore-Request" in headers,
        full_requested=headers.get("HX-Request-Type") == "full",
        current_url=headers.get("HX-Current-URL", ""),
    )


def vary(response: Response) -> Response:
    """Name every header the choice of answer depends on, so that caches keep them apart."""
    response.vary.update(VARY_HEADERS)
    return response


def location(
    path: str, *, target: str | None = None, replace: bool = False, status: int = 200
) -> Response:
    """Tell htmx to load `path` like a boosted link (HX-Location): no full reload.

    `replace`: in place of the page's history entry (one that is gone, say) instead of a new one.
    """
    spec: dict[str, Any] = {"path": path}
    if target is not None:
        spec["target"] = target
    if replace:
        spec["replace"] = "true"
    return vary(Response(status=status, headers={"HX-Location": json.dumps(spec)}))


def client_redirect(url: str, *, status: int = 200) -> Response:
    """Tell htmx to leave the page for `url` with a full load (HX-Redirect)."""
    return vary(Response(status=status, headers={"HX-Redirect": url}))


def reswap(response: Response, swap: str) -> Response:
    """Swap this answer with `swap` (an hx-swap value) instead of what the element asked for."""
    response.headers["HX-Reswap"] = swap
    return response


def retarget(response: Response, target: str) -> Response:
    """Swap this answer into `target` (a CSS selector) instead of the element's own target."""
    response.headers["HX-Retarget"] = target
    return response


def trigger(response: Response, event: str, detail: Any = None) -> Response:
    """Fire `event` on the page when the answer arrives (HX-Trigger), beside any already set."""
    events = json.loads(response.headers.get("HX-Trigger", "{}"))
    events[event] = detail
    response.headers["HX-Trigger"] = json.dumps(events)
    return response


def push_url(response: Response, url: str) -> Response:
    """Put `url` in the address bar and history (HX-Push-Url), whatever the element asked for."""
    response.headers["HX-Push-Url"] = url
    return response
