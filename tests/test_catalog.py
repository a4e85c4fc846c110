"""The fragment catalog: served only when asked for, and it shows every block of every template."""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jinja2 import nodes

from roster.catalog.registry import ENTRIES, Entry
from roster.profiles.forms import WRONG_PASSWORD
from roster.users import policy
from tests.conftest import roster_app
from tests.helpers import find_all, parse

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
# The layout's own blocks, which every page fills; they are shown by the pages' entries.
LAYOUT = "base.html"
# The catalog's own screens are not catalogued.
NOT_CATALOGUED = ("catalog/",)


def build_app(tmp_path: Path, **settings) -> Flask:
    """The catalog needs no data, so an empty SQLite file serves every run (SQLite or PG)."""
    return roster_app(
        {
            "TESTING": True,
            "SECRET_KEY": secrets.token_hex(16),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'catalog.db'}",
            "RATELIMIT_STORAGE_URI": "memory://",
            **settings,
        }
    )


@pytest.fixture
def catalog(tmp_path: Path) -> FlaskClient:
    return build_app(tmp_path, CATALOG=True).test_client()


def entry_url(kind: str, entry: Entry) -> str:
    query = {**({"block": entry.block} if entry.block else {}), "state": entry.state}
    return f"/_catalog/{kind}/{entry.template}?{urlencode(query)}"


def template_names() -> list[str]:
    return sorted(
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if not str(path.relative_to(TEMPLATES)).startswith(NOT_CATALOGUED)
    )


def blocks_of(app: Flask, name: str) -> tuple[set[str], bool]:
    """The names of the blocks a template defines, and whether it is a page (extends)."""
    env = app.jinja_env
    tree = env.parse(env.loader.get_source(env, name)[0])
    return {block.name for block in tree.find_all(nodes.Block)}, bool(
        list(tree.find_all(nodes.Extends))
    )


def test_catalog_is_not_served_by_default(tmp_path: Path):
    client = build_app(tmp_path).test_client()
    assert client.get("/_catalog/").status_code == 404
    assert client.get("/_catalog/fragment/components/toasts.html").status_code == 404


@pytest.mark.parametrize("settings", [{"DEBUG": True}, {"CATALOG": True}], ids=["debug", "setting"])
def test_catalog_is_served_in_debug_or_with_the_setting(tmp_path: Path, settings):
    assert build_app(tmp_path, **settings).test_client().get("/_catalog/").status_code == 200


@pytest.mark.parametrize(("value", "served"), [("1", True), ("true", True), ("0", False)])
def test_the_catalog_environment_variable_turns_it_on(tmp_path, monkeypatch, value, served):
    monkeypatch.setenv("CATALOG", value)
    status = build_app(tmp_path).test_client().get("/_catalog/").status_code
    assert status == (200 if served else 404)


def test_every_block_of_every_template_is_in_the_catalog(tmp_path: Path):
    app = build_app(tmp_path)
    layout_blocks, _ = blocks_of(app, LAYOUT)
    shown = {(entry.template, entry.block) for entry in ENTRIES}
    shown_templates = {entry.template for entry in ENTRIES}
    missing = []
    for name in template_names():
        if name == LAYOUT:
            continue
        blocks, page = blocks_of(app, name)
        missing += [
            f"{name} block {b}" for b in sorted(blocks - layout_blocks) if (name, b) not in shown
        ]
        if page and name not in shown_templates:
            missing.append(f"{name} (page)")
    assert missing == [], f"add these to site/roster/catalog/registry.py: {missing}"


def test_every_component_without_blocks_is_in_the_catalog(tmp_path: Path):
    """Included components (no blocks, no layout) are catalogued whole; macro files are not."""
    app = build_app(tmp_path)
    shown = {entry.template for entry in ENTRIES if entry.block is None}
    env = app.jinja_env
    missing = []
    for name in template_names():
        tree = env.parse(env.loader.get_source(env, name)[0])
        blocks, page = blocks_of(app, name)
        macro_nodes = (nodes.Macro, nodes.FromImport)
        only_macros = all(isinstance(node, macro_nodes) for node in tree.body if not _blank(node))
        if not page and not blocks and not only_macros and name not in shown:
            missing.append(name)
    assert missing == []


def _blank(node: nodes.Node) -> bool:
    return isinstance(node, nodes.Output) and all(
        isinstance(child, nodes.TemplateData) and not child.data.strip() for child in node.nodes
    )


def test_the_index_labels_every_entry(catalog):
    html = catalog.get("/_catalog/").get_data(as_text=True)
    for entry in ENTRIES:
        assert f'id="{entry.anchor}"' in html, entry.label
        assert entry_url("fragment", entry).replace("&", "&amp;") in html, entry.label
    assert html.count('data-testid="catalog-entry"') == len(ENTRIES)
    assert len({entry.anchor for entry in ENTRIES}) == len(ENTRIES), "states must be unique"


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda entry: entry.anchor)
def test_each_state_renders_alone_and_in_its_page(catalog, entry: Entry):
    fragment = catalog.get(entry_url("fragment", entry))
    assert fragment.status_code == 200
    assert "<html" not in fragment.get_data(as_text=True)
    assert "HX-Request" in fragment.headers["Vary"]

    page = catalog.get(entry_url("page", entry))
    assert page.status_code == 200
    assert page.get_data(as_text=True).lstrip().lower().startswith("<!doctype html>")


@pytest.mark.parametrize(
    ("entry_path", "expected"),
    [
        ("pages/home.html?block=content&state=empty", "No posts yet."),
        ("pages/home.html?block=content&state=right-to-left", "ليلى حداد"),
        ("profiles/profile.html?block=content&state=right-to-left", "ليلى حداد"),
        ("posts/post.html?block=content&state=right-to-left", "ملاحظات الأسبوع"),
        ("profiles/profile.html?block=content&state=long-names", "Wolfeschlegelsteinhausen"),
        ("profiles/profile.html?block=content&state=no-posts", "has not written anything yet"),
        ("auth/login.html?block=login_form&state=validation-errors", 'data-testid="field-error"'),
        ("auth/login.html?block=login_form&state=wrong-password", 'data-testid="form-error"'),
        ("auth/register.html?block=register_form&state=validation-errors", "do not match"),
        ("errors/error.html?block=error&state=403", 'data-status="403"'),
        ("components/nav.html?state=admin", 'data-testid="nav-users"'),
        ("components/nav.html?state=signed-out", 'data-testid="nav-sign-in"'),
        ("components/toasts_oob.html?state=toasts", 'data-testid="toast"'),
        ("components/toasts_oob.html?state=undo", 'data-testid="toast-action"'),
        ("users/index.html?block=content&state=empty", 'data-testid="users-empty"'),
        ("users/index.html?block=results&state=no-results", "No users match"),
        ("users/index.html?block=results&state=right-to-left", "ليلى حداد"),
        ("users/index.html?block=count&state=capped", "1,000+ users"),
        ("users/row.html?block=edit_row&state=conflict", 'data-testid="keep-mine"'),
        ("users/row.html?block=edit_row&state=conflict", "Ada, Countess of Lovelace"),
        ("users/row.html?block=gone_row&state=deleted-meanwhile", "deleted grace.hopper"),
        ("profiles/edit.html?block=profile_form&state=conflict", 'data-testid="take-theirs"'),
        ("profiles/edit.html?block=profile_form&state=conflict", "Notes on the Analytical"),
        ("users/row.html?block=edit_row&state=validation-errors", 'aria-invalid="true"'),
        ("users/row.html?block=confirm_row&state=default", 'data-testid="confirm-delete"'),
        ("users/row.html?block=confirm_row&state=refused", 'data-testid="row-error"'),
        ("users/index.html?block=create_form&state=validation-errors", policy.USERNAME_TAKEN),
        ("users/index.html?block=create_form&state=validation-errors", policy.EMAIL_MESSAGE),
        ("users/index.html?block=create_form&state=validation-errors", policy.PASSWORD_MESSAGE),
        ("users/row.html?block=edit_row&state=validation-errors", policy.USERNAME_MESSAGE),
        ("users/row.html?block=edit_row&state=validation-errors", policy.EMAIL_TAKEN),
        ("auth/register.html?block=register_form&state=validation-errors", policy.EMAIL_MESSAGE),
        ("profiles/edit.html?block=profile_form&state=validation-errors", policy.EMAIL_MESSAGE),
        (
            "account/password.html?block=password_form&state=validation-errors",
            policy.PASSWORD_MESSAGE,
        ),
        ("users/index.html?block=new_row_oob&state=default", "row-fresh"),
        ("profiles/profile.html?block=profile_card&state=owner", 'data-testid="edit-profile"'),
        ("profiles/profile.html?block=post_page&state=load-more", 'data-testid="load-more"'),
        ("posts/post.html?block=post_article&state=owner", 'data-testid="delete-post"'),
        ("account/password.html?block=password_form&state=wrong-password", WRONG_PASSWORD),
        (
            "accounts/new_password.html?block=new_password_form&state=validation-errors",
            policy.PASSWORD_MESSAGE,
        ),
        (
            "accounts/new_password.html?block=new_password_form&state=validation-errors",
            policy.CONFIRM_MESSAGE,
        ),
        ("accounts/new_password.html?block=new_password_form&state=reset", policy.PASSWORD_MESSAGE),
        ("accounts/forgot.html?block=forgot_form&state=validation-errors", "field is required"),
    ],
)
def test_states_show_what_they_are_named_after(catalog, entry_path, expected):
    assert expected in catalog.get(f"/_catalog/fragment/{entry_path}").get_data(as_text=True)


def test_an_unknown_state_is_404(catalog):
    assert (
        catalog.get("/_catalog/fragment/pages/home.html?block=content&state=x").status_code == 404
    )
    assert catalog.get("/_catalog/page/no/such.html").status_code == 404


def test_catalog_pages_keep_the_strict_csp(catalog):
    for url in ("/_catalog/", entry_url("page", ENTRIES[-1])):
        response = catalog.get(url)
        html = response.get_data(as_text=True)
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        page = parse(html)
        assert find_all(page, "[style], style") == [], url
        assert find_all(page, "script:not([src])") == [], url
        assert "hx-on" not in html


def test_only_the_index_drops_autofocus(catalog):
    """Many forms on one page must not scroll it; a state on its own keeps its real markup."""
    assert " autofocus" not in catalog.get("/_catalog/").get_data(as_text=True)
    alone = catalog.get("/_catalog/fragment/auth/login.html?block=login_form&state=empty")
    assert " autofocus" in alone.get_data(as_text=True)
