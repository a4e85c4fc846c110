"""The fragment catalog: every page, fragment and component in each of its states.

Designers open /_catalog to see everything at once; tests fetch one state on its own
(/_catalog/fragment/...) or on its page (/_catalog/page/...). Debug or CATALOG=1 only.
"""

from __future__ import annotations

import re
from itertools import groupby

from flask import Blueprint, Response, abort, current_app, make_response, render_template, request
from jinja2 import nodes
from jinja2_fragments.flask import render_block
from markupsafe import Markup

from roster.catalog.registry import ENTRIES, Entry, find
from roster.htmx import vary
from roster.rendering import render

# Both spellings: `autofocus` in templates, `autofocus=""` from WTForms fields.
AUTOFOCUS = re.compile(r'\sautofocus(?:="[^"]*")?(?=[\s>])')

bp = Blueprint("catalog", __name__, url_prefix="/_catalog")


def is_page(template: str) -> bool:
    """A page extends the layout; anything else is a component included by pages."""
    env = current_app.jinja_env
    source = env.loader.get_source(env, template)[0]
    return any(True for _ in env.parse(source).find_all(nodes.Extends))


def render_entry(entry: Entry) -> str:
    """Only the entry's block (or its whole template): what htmx would swap in."""
    context = entry.sample()
    if entry.template.endswith(".txt"):
        # A mail's plain-text part: shown as the text it is (never autoescaped: escape it here).
        return Markup('<pre class="mail-text">{}</pre>').format(
            render_template(entry.template, **context)
        )
    if entry.block is None:
        return render_template(entry.template, **context)
    return render_block(entry.template, entry.block, **context)


def specimen(entry: Entry) -> Markup:
    """Rendered by our own autoescaping templates, so safe to embed in the catalog page."""
    return Markup(render_entry(entry))  # noqa: S704


def without_autofocus(html: Markup) -> Markup:
    """On the index many forms share one page: none may grab focus and scroll the page to it."""
    return Markup(AUTOFOCUS.sub("", html))  # noqa: S704


def requested_entry(template: str) -> Entry:
    entry = find(template, request.args.get("block") or None, request.args.get("state"))
    if entry is None:
        abort(404)
    return entry


@bp.get("/")
def index() -> Response:
    groups = [
        (template, [(entry, without_autofocus(specimen(entry))) for entry in entries])
        for template, entries in groupby(ENTRIES, lambda entry: entry.template)
    ]
    return render("catalog/index.html", groups=groups)


@bp.get("/fragment/<path:template>")
def fragment(template: str) -> Response:
    return vary(make_response(render_entry(requested_entry(template))))


@bp.get("/page/<path:template>")
def page(template: str) -> Response:
    """The state in context: the whole page for a page template, a specimen page otherwise."""
    entry = requested_entry(template)
    if is_page(entry.template):
        return render(entry.template, entry.block or "content", **entry.sample())
    return render("catalog/specimen.html", entry=entry, specimen=specimen(entry))
