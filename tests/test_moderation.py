"""Moderation: moderators and admins hide a post with a reason its author reads, unhide it, and
delete anyone's post; a hidden post is gone for everyone else; every moderation is audited."""

from __future__ import annotations

import json

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from roster.audit.models import AuditEntry
from roster.moderation.forms import REASON_REQUIRED
from roster.posts.models import HIDDEN_REASON_MAX_LENGTH, Post
from roster.users.models import User, utcnow
from tests.helpers import (
    HX,
    change,
    fetch,
    find,
    find_all,
    is_full_page,
    save,
    scalars,
    sign_in,
    text_of,
    texts,
)

REASON = "Spam: the same shop link in every post."


@pytest.fixture
def post(app, member) -> Post:
    return save(app, Post(author_id=member.id, title="Buy now", body="Cheap things"))


@pytest.fixture
def hidden_post(app, post, moderator) -> Post:
    return change(
        app, Post, post.id, hidden_at=utcnow(), hidden_by_id=moderator.id, hidden_reason=REASON
    )


def browser(app, user: User | None = None) -> FlaskClient:
    """Another browser, signed in as `user` (or anonymous)."""
    client = app.test_client()
    if user is not None:
        sign_in(client, user.username)
    return client


def audit(app, action: str) -> list[AuditEntry]:
    return scalars(app, select(AuditEntry).where(AuditEntry.action == action))


# ---- hiding --------------------------------------------------------------------------------


def test_a_moderator_hides_a_post_in_place_and_it_is_audited(
    app, post, member, moderator, moderator_client
):
    response = moderator_client.post(f"/post/{post.id}/hide", data={"reason": REASON}, headers=HX)
    assert response.status_code == 200
    assert not is_full_page(response)
    panel = find(response, f"#moderation-{post.id}")
    assert text_of(find(panel, '[data-testid="hidden-reason"]')) == REASON
    assert find_all(panel, '[data-testid="unhide-post"]')
    stored = fetch(app, Post, post.id)
    assert stored.hidden_at is not None
    assert (stored.hidden_by_id, stored.hidden_reason) == (moderator.id, REASON)
    [entry] = audit(app, "post.hide")
    assert (entry.actor_id, entry.target_id) == (moderator.id, member.id)
    assert entry.changes == {"post": [None, f"#{post.id} Buy now"], "reason": [None, REASON]}


def test_a_plain_form_hide_goes_back_to_the_post(app, post, admin_client):
    response = admin_client.post(f"/post/{post.id}/hide", data={"reason": REASON})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/post/{post.id}"
    assert fetch(app, Post, post.id).hidden_reason == REASON


@pytest.mark.parametrize(
    ("reason", "message"),
    [("", REASON_REQUIRED), ("   ", REASON_REQUIRED), ("x" * 201, "200")],
    ids=["empty", "blank", "too-long"],
)
def test_a_hide_needs_a_short_reason(app, post, moderator_client, reason, message):
    response = moderator_client.post(f"/post/{post.id}/hide", data={"reason": reason}, headers=HX)
    assert response.status_code == 422
    assert message in text_of(find(response, f"#help-hide-reason-{post.id}"))
    assert fetch(app, Post, post.id).hidden_at is None
    assert audit(app, "post.hide") == []
    assert HIDDEN_REASON_MAX_LENGTH == 200


def test_a_refused_plain_form_hide_is_a_page_with_the_form(post, moderator_client):
    response = moderator_client.post(f"/post/{post.id}/hide", data={"reason": ""})
    assert response.status_code == 422
    assert is_full_page(response)
    assert find(response, f"#hide-reason-{post.id}").get("aria-invalid") == "true"


def test_a_hide_without_the_csrf_token_is_refused(app, post, moderator_client):
    response = moderator_client.post(
        f"/post/{post.id}/hide", data={"reason": REASON}, headers=HX, csrf=False
    )
    assert response.status_code == 400
    assert fetch(app, Post, post.id).hidden_at is None


@pytest.mark.parametrize("action", ["hide", "unhide"])
def test_members_and_authors_may_not_moderate(app, hidden_post, member_client, action):
    response = member_client.post(f"/post/{hidden_post.id}/{action}", data={"reason": "mine"})
    assert response.status_code == 403
    assert fetch(app, Post, hidden_post.id).hidden_reason == REASON


def test_anonymous_moderation_goes_to_sign_in(client, post):
    response = client.post(f"/post/{post.id}/hide", data={"reason": REASON})
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/login?next=")


def test_hiding_a_missing_post_is_404(moderator_client):
    assert moderator_client.post("/post/999/hide", data={"reason": REASON}).status_code == 404


# ---- who sees a hidden post ------------------------------------------------------------------


def test_a_hidden_post_is_gone_for_the_public(app, hidden_post, member, make_user):
    stranger = make_user("stranger")
    for viewer in (None, stranger):
        client = browser(app, viewer)
        assert client.get(f"/post/{hidden_post.id}").status_code == 404
        assert client.get(f"/post/{hidden_post.id}", headers=HX).status_code == 404
        assert find_all(client.get("/"), f"#post-{hidden_post.id}") == []
        profile = client.get(f"/user/{member.username}")
        assert find_all(profile, f"#post-{hidden_post.id}") == []
        assert text_of(find(profile, '[data-testid="post-count"]')) == "0 posts"


def test_its_author_sees_it_marked_hidden_with_the_reason(app, hidden_post, member):
    client = browser(app, member)
    page = client.get(f"/post/{hidden_post.id}")
    assert page.status_code == 200
    assert text_of(find(page, '[data-testid="hidden-reason"]')) == REASON
    assert find_all(page, '[data-testid="hide-post"], [data-testid="unhide-post"]') == []
    card = find(client.get(f"/user/{member.username}"), f"#post-{hidden_post.id}")
    assert text_of(find(card, '[data-testid="hidden-reason"]')) == REASON
    # The home feed is public: not even its author finds it there.
    assert find_all(client.get("/"), f"#post-{hidden_post.id}") == []


def test_moderators_see_it_with_unhide_on_its_page_and_the_profile(
    hidden_post, member, moderator_client
):
    page = moderator_client.get(f"/post/{hidden_post.id}")
    assert page.status_code == 200
    assert find_all(page, '[data-testid="unhide-post"]')
    card = find(moderator_client.get(f"/user/{member.username}"), f"#post-{hidden_post.id}")
    assert find_all(card, '[data-testid="unhide-post"]')


def test_moderators_get_hide_on_every_post_of_a_profile(post, member, moderator_client):
    card = find(moderator_client.get(f"/user/{member.username}"), f"#post-{post.id}")
    assert find(card, f"#hide-reason-{post.id}").get("name") == "reason"


def test_members_get_no_moderation_controls(app, post, make_user):
    client = browser(app, make_user("reader"))
    page = client.get(f"/post/{post.id}")
    assert find_all(page, '[data-testid="moderation"], [data-testid="delete-post"]') == []


def test_unhide_shows_the_post_again_and_is_audited(app, hidden_post, admin, admin_client):
    response = admin_client.post(f"/post/{hidden_post.id}/unhide", headers=HX)
    assert response.status_code == 200
    assert find_all(response, '[data-testid="hidden-note"]') == []
    assert find_all(response, '[data-testid="hide-post"]')
    assert fetch(app, Post, hidden_post.id).hidden_at is None
    assert browser(app).get(f"/post/{hidden_post.id}").status_code == 200
    [entry] = audit(app, "post.unhide")
    assert entry.actor_id == admin.id
    assert entry.changes["reason"] == [REASON, None]


def test_unhiding_a_visible_post_records_nothing(app, post, moderator_client):
    assert moderator_client.post(f"/post/{post.id}/unhide", headers=HX).status_code == 200
    assert audit(app, "post.unhide") == []


# ---- deleting anyone's post ------------------------------------------------------------------


def test_a_moderator_deletes_someone_elses_post_and_it_is_audited(
    app, post, member, moderator, moderator_client
):
    page = moderator_client.get(f"/post/{post.id}")
    assert find_all(page, '[data-testid="delete-post"]')
    assert find_all(page, '[data-testid="edit-post"]') == []
    assert moderator_client.get(f"/post/{post.id}/delete").status_code == 200
    response = moderator_client.delete(f"/post/{post.id}", headers=HX)
    assert response.status_code == 200
    assert json.loads(response.headers["HX-Location"])["path"] == "/user/member"
    toast = find(moderator_client.get("/user/member"), '[data-testid="toast"]')
    assert "Mem Ber's post “Buy now” is deleted. Undo" in text_of(toast)
    assert fetch(app, Post, post.id).deleted_at is not None
    [entry] = audit(app, "post.delete")
    assert (entry.actor_id, entry.target_id) == (moderator.id, member.id)
    assert entry.changes == {"post": [f"#{post.id} Buy now", None]}


def test_a_moderators_undo_is_audited_too(app, post, member, moderator, moderator_client):
    moderator_client.delete(f"/post/{post.id}", headers=HX)
    response = moderator_client.post(f"/post/{post.id}/restore", headers=HX)
    assert json.loads(response.headers["HX-Location"])["path"] == "/user/member"
    assert fetch(app, Post, post.id).deleted_at is None
    [entry] = audit(app, "post.restore")
    assert (entry.actor_id, entry.target_id) == (moderator.id, member.id)
    assert entry.changes == {"post": [None, f"#{post.id} Buy now"]}
    # Restoring again changes nothing, and is not recorded twice.
    moderator_client.post(f"/post/{post.id}/restore")
    assert len(audit(app, "post.restore")) == 1


def test_a_post_kept_without_an_author_goes_back_home(app, moderator_client, member):
    kept = save(app, Post(author_id=None, title="Orphan", body="Nobody's"))
    response = moderator_client.delete(f"/post/{kept.id}", headers=HX)
    assert json.loads(response.headers["HX-Location"])["path"] == "/"
    toast = find(moderator_client.get("/"), '[data-testid="toast"]')
    assert "The post “Orphan” is deleted." in text_of(toast)
    assert moderator_client.post(f"/post/{kept.id}/restore").headers["Location"] == "/"
    assert fetch(app, Post, kept.id).deleted_at is None


def test_an_author_restoring_their_own_post_is_not_moderation(app, post, member_client):
    member_client.post(f"/post/{post.id}/delete")
    member_client.post(f"/post/{post.id}/restore")
    assert audit(app, "post.restore") == []


def test_an_author_deleting_their_own_post_is_not_moderation(app, post, member_client):
    assert member_client.post(f"/post/{post.id}/delete").status_code == 303
    assert audit(app, "post.delete") == []


def test_a_member_may_not_delete_someone_elses_post(app, post, make_user):
    client = browser(app, make_user("reader"))
    assert client.get(f"/post/{post.id}/delete").status_code == 403
    assert client.delete(f"/post/{post.id}").status_code == 403
    assert fetch(app, Post, post.id) is not None


def test_a_moderator_still_edits_only_their_own_posts(post, moderator_client):
    assert moderator_client.get(f"/post/{post.id}/edit").status_code == 403


def test_the_audit_log_offers_the_moderation_actions(admin_client):
    options = texts(admin_client.get("/audit"), 'select[name="action"] option')
    assert {"Hid post", "Unhid post", "Deleted post"} <= set(options)


def test_the_profiles_post_count_counts_what_its_viewer_sees(app, member, hidden_post):
    save(app, Post(author_id=member.id, title="Fine", body="Allowed"))
    count = '[data-testid="post-count"]'
    assert text_of(find(browser(app).get("/user/member"), count)) == "1 post"
    assert text_of(find(browser(app, member).get("/user/member"), count)) == "2 posts"
