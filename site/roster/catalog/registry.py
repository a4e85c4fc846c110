"""What the catalog shows: one line per state of a page, fragment or component.

Adding a fragment to the catalog is one line below: the template, the block (None for a
component rendered whole), a state name (a slug) and the function that builds its context.
tests/test_catalog.py fails while a `{% block %}` in templates/ has no line here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from roster.catalog import samples


@dataclass(frozen=True)
class Entry:
    template: str
    block: str | None
    state: str
    sample: Callable[[], dict[str, Any]]

    @property
    def label(self) -> str:
        return f"{self.template} · {self.block or 'whole template'} · {self.state}"

    @property
    def anchor(self) -> str:
        block = self.block or "whole"
        return f"{self.template}-{block}-{self.state}".replace("/", "-").replace(".", "-")


# fmt: off
ENTRIES: list[Entry] = [
    Entry("pages/home.html", "content", "posts", samples.home),
    Entry("pages/home.html", "content", "empty", samples.home_empty),
    Entry("pages/home.html", "content", "long-names", partial(samples.home, "long")),
    Entry("pages/home.html", "content", "right-to-left", partial(samples.home, "rtl")),
    Entry("pages/about.html", "content", "default", samples.nothing),
    Entry("profiles/profile.html", "content", "posts", samples.profile),
    Entry("profiles/profile.html", "content", "no-posts", samples.profile_empty),
    Entry("profiles/profile.html", "content", "long-names", partial(samples.profile, "long")),
    Entry("profiles/profile.html", "content", "right-to-left", partial(samples.profile, "rtl")),
    Entry("posts/post.html", "content", "default", samples.post),
    Entry("posts/post.html", "content", "long-text", partial(samples.post, "long")),
    Entry("posts/post.html", "content", "right-to-left", partial(samples.post, "rtl")),
    Entry("auth/login.html", "login_form", "empty", samples.login),
    Entry("auth/login.html", "login_form", "validation-errors", samples.login_errors),
    Entry("auth/login.html", "login_form", "wrong-password", samples.login_failed),
    Entry("auth/register.html", "register_form", "empty", samples.register),
    Entry("auth/register.html", "register_form", "validation-errors", samples.register_errors),
    Entry(
        "auth/register.html",
        "register_field",
        "username-error",
        partial(samples.register_field, "username"),
    ),
    Entry("errors/error.html", "error", "404", partial(samples.error, 404)),
    Entry("errors/error.html", "error", "403", partial(samples.error, 403)),
    Entry("errors/error.html", "error", "500", partial(samples.error, 500)),
    Entry("components/nav.html", None, "signed-out", samples.nav),
    Entry("components/nav.html", None, "admin", partial(samples.nav, "ordinary")),
    Entry("components/nav.html", None, "long-names", partial(samples.nav, "long")),
    Entry("components/nav.html", None, "right-to-left", partial(samples.nav, "rtl")),
    Entry("components/toasts.html", None, "toasts", samples.toasts),
]
# fmt: on


def find(template: str, block: str | None, state: str | None) -> Entry | None:
    """The entry for a template and block in `state`, or its first state when none is named."""
    for entry in ENTRIES:
        if (entry.template, entry.block) == (template, block) and state in (None, entry.state):
            return entry
    return None
