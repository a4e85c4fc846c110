"""Property-based: arbitrary text in every form field, query argument and htmx header never gets
an answer of 500 or more (run with --db=postgres too, where the engine is stricter).

The forms are read from the pages themselves (every <form> and its fields, as the signed-in
owner and an admin see them), so a new form or field is covered without touching this file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roster.posts.models import Post
from tests.helpers import PASSWORD, save

# Text that has broken parsers before: NUL, right-to-left and zero-width marks, digits that are
# not ASCII, a byte-order mark, escapes, path tricks, and 10 kB.
NASTY = [
    "\x00",
    "a\x00b",
    "\u202eevil",
    "\u200b",
    "\u200d\u200c",
    "\ufeff",
    "²",
    "٣٤",
    "\U0001d7d9\U0001d7da",  # mathematical double-struck one and two
    "-1",
    "1-²",
    "99999999999999999999",
    "%00",
    "//evil.example",
    "../../etc/passwd",
    "<b>'\"&",
    "😀" * 3,
    "x" * 10_000,
    "ü" * 10_000,
]
TEXT = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.tuples(st.text(max_size=10), st.sampled_from(NASTY)).map("".join),
)
HX_HEADERS = [
    "HX-Request",
    "HX-Boosted",
    "HX-Current-URL",
    "HX-Request-Type",
    "HX-History-Restore-Request",
    "HX-Target",
    "HX-Source",
]
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclass
class Form:
    method: str
    action: str
    fields: list[str] = field(default_factory=list)


class FormParser(HTMLParser):
    """Every form on a page: where it goes (htmx verb first) and the names of its fields."""

    def __init__(self, page_url: str) -> None:
        super().__init__()
        self.page_url = page_url
        self.forms: list[Form] = []
        self.links: list[str] = []
        self.current: Form | None = None

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.current = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            for verb in ("put", "delete", "post"):
                if f"hx-{verb}" in values:
                    self.current = Form(verb.upper(), values[f"hx-{verb}"])
                    break
            else:
                method = values.get("method", "get").upper()
                self.current = Form(method, values.get("action") or self.page_url)
            self.forms.append(self.current)
            return
        form = self.current
        named = tag in ("input", "textarea", "select", "button") and "name" in values
        if form and named and values["name"] not in form.fields:
            form.fields.append(values["name"])
        if tag == "a" and values.get("href", "").startswith("/"):
            self.links.append(values["href"])
        # Requests that elements other than forms make (as-you-type checks, row actions).
        for verb in ("get", "post", "put", "delete"):
            if values.get(f"hx-{verb}", "").startswith("/"):
                # The fields of the enclosing form (the same list: later fields count too).
                fields = form.fields if form else []
                self.forms.append(Form(verb.upper(), values[f"hx-{verb}"], fields))
                if verb == "get":
                    self.links.append(values["hx-get"])


def read_page(client, url: str) -> FormParser:
    response = client.get(url)
    assert response.status_code == 200, url
    parser = FormParser(url)
    parser.feed(response.get_data(as_text=True))
    return parser


def query_names(parsers: list[FormParser]) -> dict[str, set[str]]:
    """Each page path and the query arguments its links and GET forms use."""
    names: dict[str, set[str]] = {}
    for parser in parsers:
        for link in parser.links:
            path, _, query = link.partition("?")
            keys = {part.partition("=")[0] for part in query.split("&") if part}
            names.setdefault(path, set()).update(keys)
        for form in parser.forms:
            if form.method == "GET":
                names.setdefault(form.action.partition("?")[0], set()).update(form.fields)
    return names


@pytest.fixture
def site(app, make_user, client):
    """An admin's and a member's clients, the pages they see, and every form on those pages."""
    make_user("admin", is_admin=True)
    member = make_user("member", display_name="Mem")
    post = save(app, Post(author_id=member.id, title="Hello", body="World"))
    member_client = app.test_client()
    for who, who_client in (("admin", client), ("member", member_client)):
        who_client.post("/login", data={"username": who, "password": PASSWORD})
    pages = {
        client: [
            "/",
            "/about",
            "/users",
            f"/users/{member.id}",
            f"/users/{member.id}/edit",
            f"/users/{member.id}?confirm=delete",
        ],
        member_client: [
            "/user/member",
            "/user/member/edit",
            f"/post/{post.id}",
            f"/post/{post.id}/edit",
            f"/post/{post.id}/delete",
            "/account/password",
        ],
    }
    anonymous = app.test_client()
    pages[anonymous] = ["/login", "/register"]
    targets = []
    parsers = []
    for who_client, urls in pages.items():
        for url in urls:
            parser = read_page(who_client, url)
            parsers.append(parser)
            # Sign-out would end the session the rest of the examples use.
            targets += [
                (who_client, form)
                for form in parser.forms
                if form.method != "GET" and form.action != "/logout"
            ]
    queries = [
        (who_client, path, sorted(names))
        for path, names in query_names(parsers).items()
        for who_client in (client, member_client)
    ]
    assert targets
    assert queries
    return targets, queries


@SETTINGS
@given(data=st.data())
def test_arbitrary_text_in_any_form_field_is_never_a_server_error(site, data):
    targets, _ = site
    who, form = data.draw(st.sampled_from(targets))
    fields = data.draw(st.lists(st.sampled_from(form.fields or ["x"]), unique=True))
    values = {name: data.draw(TEXT, label=name) for name in fields}
    headers = {"HX-Request": "true"} if data.draw(st.booleans()) else {}
    response = who.open(form.action, method=form.method, data=values, headers=headers)
    assert response.status_code < 500, (form, values)


@SETTINGS
@given(data=st.data())
def test_arbitrary_query_arguments_are_never_a_server_error(site, data):
    _, queries = site
    who, path, names = data.draw(st.sampled_from(queries))
    # Besides the page's own: paging, sign-in and url_for's parameters, on every page.
    extra = ["before", "after", "next", "_external", "_method", "username", "endpoint"]
    chosen = data.draw(st.lists(st.sampled_from([*names, *extra])))
    args = {name: data.draw(TEXT, label=name) for name in chosen}
    response = who.get(path, query_string=args)
    assert response.status_code < 500, (path, args)


@SETTINGS
@given(data=st.data())
def test_arbitrary_htmx_headers_are_never_a_server_error(site, data):
    targets, queries = site
    # A server hands headers to the app as latin-1 text: what UTF-8 bytes on the wire become.
    headers = {
        name: data.draw(TEXT.map(lambda text: text.encode().decode("latin-1")), label=name)
        .replace("\r", "")
        .replace("\n", "")
        for name in data.draw(st.lists(st.sampled_from(HX_HEADERS), unique=True))
    }
    if data.draw(st.booleans()):
        who, path, _ = data.draw(st.sampled_from(queries))
        response = who.get(path, headers=headers)
    else:
        who, form = data.draw(st.sampled_from(targets))
        response = who.open(form.action, method=form.method, headers=headers)
    assert response.status_code < 500, headers
