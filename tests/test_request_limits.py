"""Request size: an oversized body is refused (413) before it is read, as a page or a fragment."""

from __future__ import annotations

import io

HTMX = {"HX-Request": "true"}
GIGABYTE = 1024**3


class UnreadBody(io.RawIOBase):
    """A request body that remembers how much of it the app read."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        size = len(buffer)
        buffer[:size] = b"a" * size
        self.read_bytes += size
        return size


def post_huge(client, **kwargs):
    body = UnreadBody()
    response = client.post(
        "/login",
        content_type="application/x-www-form-urlencoded",
        environ_overrides={"wsgi.input": body, "CONTENT_LENGTH": str(GIGABYTE)},
        csrf=False,
        **kwargs,
    )
    return response, body


def test_an_anonymous_gigabyte_is_refused_before_a_byte_is_read(client):
    response, body = post_huge(client)
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "<html" in html
    assert "more than this site accepts" in html
    assert body.read_bytes == 0


def test_the_refusal_is_a_fragment_for_htmx(client):
    response, body = post_huge(client, headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert 'data-status="413"' in html
    assert "<html" not in html
    assert body.read_bytes == 0


def test_a_body_just_over_the_limit_is_refused_and_one_under_it_is_read(app, client, member):
    limit = app.config["MAX_CONTENT_LENGTH"]
    over = client.post("/login", data={"username": "member", "password": "x" * limit})
    assert over.status_code == 413
    under = client.post("/login", data={"username": "member", "password": "x" * 1000})
    assert under.status_code == 422


def test_too_many_form_parts_are_refused(app, client):
    fields = {f"field{number}": "x" for number in range(app.config["MAX_FORM_PARTS"] + 1)}
    response = client.post("/register", data=fields, content_type="multipart/form-data")
    assert response.status_code == 413


def test_one_field_bigger_than_the_form_memory_limit_is_refused(app, client):
    size = app.config["MAX_FORM_MEMORY_SIZE"] + 1
    assert size < app.config["MAX_CONTENT_LENGTH"]
    response = client.post(
        "/register", data={"username": "x" * size}, content_type="multipart/form-data"
    )
    assert response.status_code == 413


def test_the_test_tool_axe_is_not_served(client):
    assert client.get("/static/vendor/axe.min.js").status_code == 404
    htmx = client.get("/static/vendor/htmx.min.js")
    assert htmx.status_code == 200
    htmx.close()
