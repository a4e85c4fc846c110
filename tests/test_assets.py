"""The fast path: compressed HTML and static files cached for a year under content-hashed URLs."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import brotli
from flask import url_for

from roster.assets import static_version
from roster.security import CONTENT_SECURITY_POLICY

STATIC_URL = re.compile(r'(?:href|src)="(/static/[^"]+)"')


def static_urls(html: str) -> list[str]:
    return STATIC_URL.findall(html)


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
    response = client.get("/login", headers={"Accept-Encoding": "gzip", "HX-Request": "true"})
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
    urls = static_urls(client.get("/about").get_data(as_text=True))
    assert "/static/js/roster.js?v=" + static_version("js/roster.js") in urls
    assert len(urls) >= 4
    for url in urls:
        assert re.fullmatch(r"/static/[\w./-]+\?v=[0-9a-f]{12}", url), url
    # Same-origin paths only: the CSP's 'self' still allows every one of them.
    assert all(url.startswith("/static/") for url in urls)


def test_the_hash_follows_the_content(app):
    css = Path(app.static_folder, "css/roster.css").read_bytes()
    js = Path(app.static_folder, "js/roster.js").read_bytes()
    assert css != js
    assert static_version("css/roster.css") != static_version("js/roster.js")
    with app.test_request_context():
        assert url_for("static", filename="css/roster.css").endswith(
            "?v=" + static_version("css/roster.css")
        )


def test_fingerprinted_static_files_are_cached_for_a_year(client):
    url = next(u for u in static_urls(client.get("/about").get_data(as_text=True)) if ".css" in u)
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
    url = next(u for u in static_urls(client.get("/about").get_data(as_text=True)) if "htmx" in u)
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
