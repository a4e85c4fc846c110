"""The fast path: compressed HTML and static files cached for a year under content-hashed URLs."""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess
from pathlib import Path

import brotli
import pytest

from roster import PROJECT_ROOT
from roster.assets import static_version
from roster.security import CONTENT_SECURITY_POLICY
from tests.helpers import HX, find, find_all, parse

FINGERPRINTED = re.compile(r"/static/[\w./-]+\?v=[0-9a-f]{12}")


def static_urls(page) -> list[str]:
    """What the page loads besides itself: stylesheets, icons, scripts and images."""
    tree = parse(page)
    return [link.get("href") for link in find_all(tree, "link[href]")] + [
        element.get("src") for element in find_all(tree, "script[src], img[src]")
    ]


def stylesheet_url(app) -> str:
    return find(app.test_client().get("/about"), 'link[rel="stylesheet"]').get("href")


def test_html_is_gzipped_when_the_client_accepts_gzip(client):
    response = client.get("/about", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert "HX-Request" in response.headers["Vary"]
    html = gzip.decompress(response.get_data()).decode()
    assert "About Roster" in html
    assert int(response.headers["Content-Length"]) == len(response.get_data())


def test_html_is_brotli_compressed_when_the_client_prefers_it(client):
    response = client.get("/about", headers={"Accept-Encoding": "gzip, br"})
    assert response.headers["Content-Encoding"] == "br"
    assert "About Roster" in brotli.decompress(response.get_data()).decode()


def test_fragments_are_compressed_too(client):
    response = client.get("/login", headers={"Accept-Encoding": "gzip", **HX})
    assert response.headers["Content-Encoding"] == "gzip"
    html = gzip.decompress(response.get_data()).decode()
    assert 'id="login-form"' in html
    assert "<html" not in html


def test_nothing_is_compressed_for_a_client_that_does_not_ask(client):
    response = client.get("/about")
    assert "Content-Encoding" not in response.headers
    assert "About Roster" in response.get_data(as_text=True)


def test_compressed_pages_keep_the_strict_csp(client):
    response = client.get("/about", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_static_urls_carry_the_hash_of_the_file(client, app):
    urls = static_urls(client.get("/about"))
    with app.app_context():
        assert "/static/js/roster.js?v=" + static_version("js/roster.js") in urls
    assert len(urls) >= 4
    # Same-origin paths only, each fingerprinted: the CSP's 'self' allows every one of them.
    for url in urls:
        assert FINGERPRINTED.fullmatch(url), url


def test_the_hash_follows_the_content(app, make_app, tmp_path):
    """Edit a static file and its URL changes: at once in debug, with the next start otherwise."""
    static = Path(shutil.copytree(app.static_folder, tmp_path / "static"))
    css = static / "css" / "roster.css"
    debug = make_app(DEBUG=True)
    debug.static_folder = str(static)
    before = stylesheet_url(debug)
    assert before == stylesheet_url(app), "the same content has the same URL in production"

    css.write_bytes(css.read_bytes() + b"\n/* changed */\n")
    after = stylesheet_url(debug)
    assert after != before
    assert FINGERPRINTED.fullmatch(after), after
    with debug.test_client().get(after) as response:
        assert response.get_data().endswith(b"/* changed */\n")
        assert "immutable" in response.headers["Cache-Control"]
    with debug.test_client().get(before) as response:
        assert "immutable" not in response.headers.get("Cache-Control", "")

    # A production server started on the changed files links the new content's URL.
    restarted = make_app()
    restarted.static_folder = str(shutil.copytree(static, tmp_path / "deployed"))
    assert stylesheet_url(restarted) == after


def test_fingerprinted_static_files_are_cached_for_a_year(client):
    url = next(u for u in static_urls(client.get("/about")) if ".css" in u)
    with client.get(url) as response:
        assert response.status_code == 200
    cache = response.headers["Cache-Control"]
    for part in ("public", "max-age=31536000", "immutable"):
        assert part in cache, cache
    assert "no-cache" not in cache


def test_static_files_without_the_current_hash_are_revalidated(client):
    for url in ("/static/css/roster.css", "/static/css/roster.css?v=000000000000"):
        with client.get(url) as response:
            assert response.status_code == 200
        assert "immutable" not in response.headers.get("Cache-Control", ""), url


def test_static_javascript_is_compressed(client):
    url = next(u for u in static_urls(client.get("/about")) if "htmx" in u)
    with client.get(url) as response:
        plain = response.get_data()
    with client.get(url, headers={"Accept-Encoding": "br"}) as response:
        compressed = response.get_data()
    assert response.headers["Content-Encoding"] == "br"
    assert brotli.decompress(compressed) == plain
    assert "immutable" in response.headers["Cache-Control"]


def test_production_templates_are_not_rechecked_on_disk(app):
    """Jinja compiles each template once per process; only debug stats files on every render."""
    assert app.jinja_env.auto_reload is False


@pytest.mark.parametrize("script", sorted((PROJECT_ROOT / "static" / "js").glob("*.js")), ids=str)
def test_our_scripts_parse(script: Path):
    """A merge that drops a closing line breaks every behaviour in the file at once, silently."""
    node = shutil.which("node")
    assert node, "Node.js is part of the set-up (npm installs htmx)"
    result = subprocess.run([node, "--check", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
