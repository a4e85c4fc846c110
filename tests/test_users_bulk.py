"""Bulk actions on the user table (POST /users/bulk): each action on ticked ids and on every
match across pages, one UPDATE whatever the number of users, the confirm step, the rules, the
undo of a bulk delete as one, and the indexes the matching subquery walks."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from roster.audit.models import AuditEntry
from roster.extensions import db
from roster.sessions.models import UserSession
from roster.submission import Refused
from roster.templating import as_utc
from roster.users import bulk
from roster.users.models import User, utcnow
from roster.users.policy import Role
from roster.users.queries import TableView
from roster.users.rules import LAST_ADMIN, SELF_DEACTIVATE
from tests.helpers import (
    HX,
    change,
    counted_queries,
    csrf_token,
    edit_data,
    fetch,
    find,
    find_all,
    is_full_page,
    row_ids,
    scalar,
    scalars,
    sign_in,
    text_of,
    texts,
)
from tests.test_users_filters import FILTERS, assert_indexed, explain

PER_PAGE = 3


@pytest.fixture
def crowd(app, make_user, admin):
    """Seven members (more than two pages of three), two moderators, a deleted member."""
    app.config["USERS_PER_PAGE"] = PER_PAGE
    return {
        "members": [make_user(f"mem{n}") for n in range(7)],
        "moderators": [make_user(f"mod{n}", role=Role.moderator) for n in range(2)],
        "deleted": make_user("gone", deleted_at=utcnow()),
    }


def post(client, data, *, headers=None, csrf=True):
    return client.post("/users/bulk", data=data, headers=headers or {}, csrf=csrf)


def ids_of(users) -> list[str]:
    return [str(user.id) for user in users]


def column(app, name: str, users) -> list:
    return [getattr(fetch(app, User, user.id), name) for user in users]


def entries(app, action: str) -> list[AuditEntry]:
    return scalars(app, select(AuditEntry).where(AuditEntry.action == action))


def toast(response) -> str:
    return texts(response, '[data-testid="toast"] p')[-1]


# ---- each action, on ticked ids -------------------------------------------------------------


def test_deactivate_then_activate_ticked_users(app, admin_client, crowd, admin):
    chosen, others = crowd["members"][:4], crowd["members"][4:]
    response = post(
        admin_client, {"action": "deactivate", "ids": ids_of(chosen), "confirm": "yes"}, headers=HX
    )
    assert response.status_code == 200
    assert find_all(response, "#users-results")
    assert toast(response) == "Deactivated 4 users."
    assert column(app, "is_active", chosen) == [False] * 4
    assert column(app, "is_active", others) == [True] * 3
    assert {e.target_id for e in entries(app, "user.update")} == {u.id for u in chosen}
    assert {e.actor_id for e in entries(app, "user.update")} == {admin.id}
    assert entries(app, "user.update")[0].changes == {"is_active": [True, False]}
    assert "roster:bulk-done" in response.headers["HX-Trigger"]
    changed_at = column(app, "updated_at", chosen)
    assert all(after > user.updated_at for after, user in zip(changed_at, chosen, strict=True))
    # Activate needs no confirm step, and its toast offers no Undo.
    response = post(admin_client, {"action": "activate", "ids": ids_of(chosen)}, headers=HX)
    assert toast(response) == "Activated 4 users."
    assert texts(response, '.toast-success[data-testid="toast"] p') == ["Activated 4 users."]
    assert find_all(response, '[data-testid="toast-action"]') == []
    assert column(app, "is_active", chosen) == [True] * 4


def test_a_bulk_change_bumps_the_version_so_open_edit_forms_notice(app, admin_client, crowd):
    user = crowd["members"][0]
    post(admin_client, {"action": "role-moderator", "ids": [user.id], "confirm": "yes"})
    after = fetch(app, User, user.id)
    assert after.version == user.version + 1
    assert after.role == Role.moderator
    stale = admin_client.post(f"/users/{user.id}", data=edit_data(user), headers=HX)
    assert stale.status_code == 409


@pytest.mark.parametrize("role", ["admin", "moderator", "member"])
def test_change_role_of_ticked_users(app, admin_client, crowd, admin, role):
    chosen = [crowd["members"][0], crowd["moderators"][0]]
    response = post(
        admin_client,
        {"action": f"role-{role}", "ids": ids_of(chosen), "confirm": "yes"},
        headers=HX,
    )
    changed = sum(user.role != role for user in chosen)
    assert toast(response) == f"Made {role}: {bulk.how_many(changed)}."
    assert column(app, "role", chosen) == [role, role]
    audited = {e.target_id: e.changes["role"] for e in entries(app, "user.update")}
    assert audited == {u.id: [u.role, role] for u in chosen if u.role != role}
    assert {e.actor_id for e in entries(app, "user.update")} == {admin.id}


def test_delete_and_restore_ticked_users(app, admin_client, crowd):
    chosen = crowd["members"][:3]
    post(admin_client, {"action": "delete", "ids": ids_of(chosen), "confirm": "yes"})
    assert None not in column(app, "deleted_at", chosen)
    assert len(entries(app, "user.delete")) == 3
    # One moment for the whole batch: the deletion, the row's last change and the audit entry.
    for user in chosen:
        row = fetch(app, User, user.id)
        (entry,) = [e for e in entries(app, "user.delete") if e.target_id == user.id]
        assert as_utc(row.updated_at) == as_utc(row.deleted_at) == as_utc(entry.created_at)
        assert entry.changes["deleted_at"] == [None, as_utc(row.deleted_at).isoformat()]
    response = post(
        admin_client,
        {"action": "restore", "ids": ids_of([*chosen, crowd["deleted"]]), "status": "deleted"},
        headers=HX,
    )
    assert toast(response) == "Restored 4 users."
    assert column(app, "deleted_at", [*chosen, crowd["deleted"]]) == [None] * 4
    assert row_ids(response) == []  # the trash it was sent from, now empty


@pytest.mark.parametrize("role", ["moderator", "member"])
def test_a_role_change_leaves_users_in_the_trash_as_they_are(app, admin_client, crowd, role):
    """Only live users who have another role change; a deleted one keeps its role."""
    gone = change(app, User, crowd["deleted"].id, role="admin")
    response = post(
        admin_client,
        {"action": f"role-{role}", "ids": ids_of([gone, crowd["members"][0]]), "confirm": "yes"},
        headers=HX,
    )
    changed = 0 if role == "member" else 1
    assert toast(response) == f"Made {role}: {bulk.how_many(changed)}."
    assert column(app, "role", [gone]) == ["admin"]


def test_a_selection_nothing_applies_to_counts_none(app, crowd, admin):
    """The confirm step's count of a selection the action leaves alone is 0, not a guess."""
    with app.app_context():
        actor = db.session.get(User, admin.id)
        selection = bulk.Selection(ids=(crowd["deleted"].id,))
        assert bulk.count(actor, bulk.ACTIONS["delete"], selection) == (0, None)
        assert bulk.count(actor, bulk.ACTIONS["restore"], selection) == (1, None)


def test_a_batch_is_named_by_sixteen_hex_digits(app, admin_client, crowd):
    """The audit's batch column holds 16 characters (PostgreSQL would refuse a longer one)."""
    post(admin_client, {"action": "delete", "ids": ids_of(crowd["members"][:2]), "confirm": "yes"})
    batches = {entry.batch for entry in entries(app, "user.delete")}
    assert len(batches) == 1
    (batch,) = batches
    assert len(batch) == 16
    int(batch, 16)


def test_ids_that_the_action_does_not_apply_to_are_left_alone(app, admin_client, crowd):
    """Restore in the live table, delete in the trash: nothing; bad ids are dropped."""
    live, gone = crowd["members"][0], crowd["deleted"]
    ids = [str(live.id), str(gone.id), "x", "-3", "99999999999999", "0"]
    response = post(admin_client, {"action": "restore", "ids": ids}, headers=HX)
    assert toast(response) == "Restored 1 user."
    response = post(admin_client, {"action": "activate", "ids": ids}, headers=HX)
    assert toast(response) == "Activated 0 users."


def test_deleted_and_deactivated_users_are_signed_out_everywhere(app, admin_client, crowd):
    victims = crowd["members"][:2]
    clients = []
    for victim in victims:
        clients.append(app.test_client())
        sign_in(clients[-1], victim.username)
    post(admin_client, {"action": "deactivate", "ids": [victims[0].id], "confirm": "yes"})
    post(admin_client, {"action": "delete", "ids": [victims[1].id], "confirm": "yes"})
    for victim, client, reason in zip(victims, clients, ["deactivated", "deleted"], strict=True):
        assert client.get("/account/sessions").status_code in (302, 303)
        ended = select(UserSession.end_reason).where(UserSession.user_id == victim.id)
        assert scalars(app, ended) == [reason]
    assert admin_client.get("/users").status_code == 200  # the actor's session is untouched


# ---- every match, across pages --------------------------------------------------------------


def test_scope_matching_acts_on_every_page_of_the_filter(app, admin_client, crowd):
    members = crowd["members"]
    first_page = admin_client.get("/users?role=member&sort=username", headers=HX)
    assert len(row_ids(first_page)) == PER_PAGE
    assert find_all(first_page, "#page-next")
    data = {"action": "deactivate", "scope": "matching", "role": "member", "sort": "username"}
    response = post(admin_client, {**data, "confirm": "yes"}, headers=HX)
    assert toast(response) == "Deactivated 7 users."
    assert column(app, "is_active", members) == [False] * 7
    assert column(app, "is_active", crowd["moderators"]) == [True, True]
    # The table it was sent from comes back, filters and sort kept, from its first page.
    assert response.headers["HX-Push-Url"] == "/users?role=member&sort=username"
    assert find(response, '#bulk-bar input[name="role"]').get("value") == "member"


def test_scope_matching_combines_search_and_filters(app, admin_client, crowd, make_user):
    make_user("m-inactive", is_active=False)
    data = {"action": "role-moderator", "scope": "matching", "confirm": "yes"}
    post(admin_client, {**data, "q": "m", "role": "member", "status": "inactive"})
    changed = scalars(app, select(User.username).where(User.role == Role.moderator))
    assert sorted(changed) == ["m-inactive", "mod0", "mod1"]


def test_scope_matching_in_the_trash_restores_the_whole_trash(app, admin_client, crowd):
    post(admin_client, {"action": "delete", "ids": ids_of(crowd["members"]), "confirm": "yes"})
    response = post(
        admin_client, {"action": "restore", "scope": "matching", "status": "deleted"}, headers=HX
    )
    assert toast(response) == "Restored 8 users."
    assert scalar(app, select(func.count()).where(User.deleted_at.is_not(None))) == 0


def test_the_ids_are_ignored_when_every_match_is_chosen(app, admin_client, crowd):
    data = {"action": "activate", "scope": "matching", "status": "inactive"}
    response = post(admin_client, {**data, "ids": [crowd["members"][0].id]}, headers=HX)
    assert toast(response) == "Activated 0 users."


# ---- one statement, however many users ------------------------------------------------------


def statements_of_a_bulk_delete(app, client, make_user, how_many: int) -> list[str]:
    users = [make_user(f"bulk{how_many}_{n}") for n in range(how_many)]
    token = csrf_token(client.get("/users"))
    data = {"action": "delete", "ids": ids_of(users), "confirm": "yes"}
    with counted_queries(app) as statements:
        response = client.post(
            "/users/bulk", data=data, headers={**HX, "X-CSRFToken": token}, csrf=False
        )
    assert response.status_code == 200
    assert toast(response) == f"Deleted {how_many} users."
    return statements


@pytest.mark.parametrize("action", ["delete", "deactivate", "role-member", "activate"])
def test_each_action_is_one_update_whatever_the_number_of_users(
    app, admin_client, make_user, admin, action
):
    counts = []
    for how_many in (2, 12):
        users = [
            make_user(f"b{action}{how_many}_{n}", is_active=action != "activate")
            for n in range(how_many)
        ]
        if action == "role-member":
            for user in users:
                with app.app_context():
                    db.session.get(User, user.id).role = Role.moderator
                    db.session.commit()
        token = csrf_token(admin_client.get("/users"))
        data = {"action": action, "ids": ids_of(users), "confirm": "yes"}
        with counted_queries(app) as statements:
            response = admin_client.post(
                "/users/bulk", data=data, headers={**HX, "X-CSRFToken": token}, csrf=False
            )
        assert response.status_code == 200
        assert toast(response).endswith(f"{how_many} users.")
        updates = [s for s in statements if s.lstrip().upper().startswith("UPDATE USERS")]
        assert len(updates) == 1, updates
        inserts = [s for s in statements if "INSERT INTO audit_entries" in s]
        assert 1 <= len(inserts) <= 2
        counts.append(len(statements))
    assert counts[0] == counts[1]


# ---- the confirm step -----------------------------------------------------------------------


def test_a_destructive_action_asks_first_with_the_count(app, admin_client, crowd, admin):
    members = crowd["members"]
    data = {"action": "delete", "scope": "matching", "role": "member", "sort": "username"}
    response = post(admin_client, data, headers=HX)
    assert response.status_code == 200
    assert response.headers["HX-Retarget"] == "#bulk-bar"
    assert response.headers["HX-Reswap"] == "outerHTML"
    confirm = find(response, '[data-testid="bulk-confirm"]')
    assert text_of(find(confirm, "#bulk-confirm-title")) == "Delete 7 users?"
    assert column(app, "deleted_at", members) == [None] * 7  # nothing yet
    fields = {i.get("name"): i.get("value") for i in find_all(confirm, "input[type=hidden]")}
    assert fields | {"csrf_token": ""} == {
        "csrf_token": "",
        "action": "delete",
        "confirm": "yes",
        "scope": "matching",
        "role": "member",
        "sort": "username",
    }
    response = post(admin_client, fields, headers=HX)
    assert toast(response) == "Deleted 7 users."


def test_the_confirm_step_counts_without_the_actor_and_says_so(app, admin_client, crowd, admin):
    data = {"action": "deactivate", "ids": [admin.id, crowd["members"][0].id]}
    confirm = find(post(admin_client, data, headers=HX), '[data-testid="bulk-confirm"]')
    assert text_of(find(confirm, "#bulk-confirm-title")) == "Deactivate 1 user?"
    assert SELF_DEACTIVATE in text_of(confirm)


def test_without_javascript_the_confirm_step_is_a_page(app, admin_client, crowd):
    data = {"action": "role-member", "ids": ids_of(crowd["moderators"])}
    page = post(admin_client, data)
    assert page.status_code == 200
    assert is_full_page(page)
    form = find(page, '[data-testid="bulk-confirm"] form')
    assert form.get("action") == "/users/bulk"
    assert form.get("method") == "post"
    assert find_all(page, "#users-table")
    assert column(app, "role", crowd["moderators"]) == ["moderator"] * 2
    done = post(admin_client, {**data, "confirm": "yes"})
    assert done.status_code == 303
    assert column(app, "role", crowd["moderators"]) == ["member"] * 2
    assert "Made member: 2 users." in texts(admin_client.get(done.headers["Location"]), "p")


def test_without_javascript_the_answer_goes_back_to_the_same_table(app, admin_client, crowd):
    data = {"action": "activate", "ids": [crowd["members"][0].id], "role": "member"}
    response = post(admin_client, {**data, "sort": "-username"})
    assert response.status_code == 303
    assert parse_qs(urlsplit(response.headers["Location"]).query) == {
        "role": ["member"],
        "sort": ["-username"],
    }


# ---- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "field", "kept"),
    [
        ("deactivate", "is_active", True),
        ("delete", "deleted_at", None),
        ("role-member", "role", "admin"),
    ],
)
def test_the_actor_is_left_out_and_told(app, admin_client, crowd, admin, action, field, kept):
    other = crowd["members"][0] if action != "role-member" else crowd["moderators"][0]
    data = {"action": action, "ids": [admin.id, other.id], "confirm": "yes"}
    response = post(admin_client, data, headers=HX)
    assert toast(response).startswith(f"{bulk.ACTIONS[action].done} 1 user. Not you: you cannot")
    assert getattr(fetch(app, User, admin.id), field) == kept
    changes = select(AuditEntry.target_id).where(AuditEntry.action != "user.create")
    assert admin.id not in scalars(app, changes.where(AuditEntry.action != "auth.sign_in"))


def test_the_last_active_admin_remains(app, make_user, admin, crowd):
    """The actor is always left out, so over HTTP only a race could take the last admin; the
    guard runs inside the bulk action's transaction all the same."""
    outsider = make_user("outsider", role=Role.moderator)  # not an admin: not left out below
    with app.app_context():
        actor = db.session.get(User, outsider.id)
        with pytest.raises(Refused) as refused:
            bulk.apply(actor, bulk.ACTIONS["deactivate"], bulk.Selection(ids=(admin.id,)))
    assert refused.value.problems == {None: LAST_ADMIN}
    assert fetch(app, User, admin.id).is_active
    assert entries(app, "user.update") == []


def test_no_action_or_no_selection_is_refused_with_a_message(app, admin_client, crowd):
    response = post(admin_client, {"ids": [crowd["members"][0].id]}, headers=HX)
    assert response.status_code == 422
    assert response.headers["HX-Retarget"] == "#bulk-bar"
    assert response.headers["HX-Reswap"] == "outerHTML"
    # The selection bar alone, in place of the one on the page: no table, no rows.
    assert find(response, "#bulk-bar") is not None
    assert row_ids(response) == []
    assert not find_all(response, "#users-results")
    assert text_of(find(response, '[data-testid="bulk-error"]')) == bulk.NO_ACTION
    response = post(admin_client, {"action": "activate"}, headers=HX)
    assert text_of(find(response, '[data-testid="bulk-error"]')) == bulk.NOTHING_SELECTED
    plain = post(admin_client, {"action": "nonsense", "ids": ["1"]})
    assert plain.status_code == 303


def test_without_javascript_a_refusal_is_an_error_toast_over_the_same_table(admin_client, crowd):
    data = {"action": "activate", "role": "member", "sort": "-username"}
    refused = post(admin_client, data)
    assert refused.status_code == 303
    location = urlsplit(refused.headers["Location"])
    assert location.path == "/users"
    assert parse_qs(location.query) == {"role": ["member"], "sort": ["-username"]}
    page = admin_client.get(refused.headers["Location"])
    assert texts(page, ".toast-error p") == [bulk.NOTHING_SELECTED]


def test_ids_no_user_can_have_select_nothing(admin_client, crowd):
    for ids in (["0"], ["-3"], [str(bulk.MAX_ID + 1)], ["123456789012"]):
        response = post(admin_client, {"action": "activate", "ids": ids}, headers=HX)
        assert response.status_code == 422
        assert text_of(find(response, '[data-testid="bulk-error"]')) == bulk.NOTHING_SELECTED
    highest = post(admin_client, {"action": "activate", "ids": [str(bulk.MAX_ID)]}, headers=HX)
    assert highest.status_code == 200
    assert toast(highest) == "Activated 0 users."


def test_the_confirm_step_carries_the_ticked_ids(admin_client, crowd):
    chosen = crowd["members"][:2]
    response = post(admin_client, {"action": "delete", "ids": ids_of(chosen)}, headers=HX)
    confirm = find(response, '[data-testid="bulk-confirm"]')
    ids = [i.get("value") for i in find_all(confirm, 'input[type=hidden][name="ids"]')]
    assert sorted(ids) == sorted(ids_of(chosen))


def test_every_match_means_every_page_whatever_page_it_was_sent_from(app, admin_client, crowd):
    page = {"role": "member", "sort": "username", "after": "bWVtMg", "before": "bWVtNg"}
    data = {"action": "deactivate", "scope": "matching", "confirm": "yes", **page}
    response = post(admin_client, data, headers=HX)
    assert toast(response) == "Deactivated 7 users."


# Keyset cursors (base64 of ["mem3"] and ["mem5"]): pages other than the first either way.
@pytest.mark.parametrize(
    ("direction", "cursor"), [("after", "WyJtZW0zIl0"), ("before", "WyJtZW01Il0")]
)
def test_after_a_bulk_action_the_table_shows_its_first_page(
    app, admin_client, crowd, direction, cursor
):
    """Sent from another page (`after` or `before` a row), the answer starts the table afresh."""
    table = "/users?role=member&sort=username"
    first_page = row_ids(admin_client.get(table, headers=HX))
    assert row_ids(admin_client.get(f"{table}&{direction}={cursor}", headers=HX)) != first_page
    data = {"action": "activate", "ids": ids_of(crowd["members"][:1]), "role": "member",
            "sort": "username", direction: cursor}  # fmt: skip
    assert row_ids(post(admin_client, data, headers=HX)) == first_page


@pytest.mark.parametrize("path", ["/users/bulk", "/users/bulk/0123456789abcdef/restore"])
def test_moderators_and_members_are_refused(app, client, crowd, moderator, member, path):
    target = crowd["members"][0]
    for who in (moderator, member):
        sign_in(client, who.username)
        data = {"action": "delete", "ids": [target.id], "confirm": "yes"}
        for headers in ({}, HX):
            assert client.post(path, data=data, headers=headers).status_code == 403
        client.post("/logout")
    assert fetch(app, User, target.id).deleted_at is None


def test_a_bulk_action_without_csrf_token_is_refused(app, admin_client, crowd):
    target = crowd["members"][0]
    data = {"action": "delete", "ids": [target.id], "confirm": "yes"}
    assert post(admin_client, data, csrf=False).status_code == 400
    assert post(admin_client, data, headers=HX, csrf=False).status_code == 400
    assert fetch(app, User, target.id).deleted_at is None


# ---- undo -----------------------------------------------------------------------------------


def test_a_bulk_delete_is_undone_as_one(app, admin_client, crowd, admin):
    chosen = crowd["members"][:5]
    earlier = crowd["deleted"]  # deleted before, by someone else: stays in the trash
    data = {"action": "delete", "ids": ids_of(chosen), "confirm": "yes"}
    response = post(admin_client, data, headers=HX)
    undo = find(response, '[data-testid="toast"] form')
    assert text_of(find(undo, "button")) == "Undo"
    assert undo.get("hx-target") == "#users-results"
    restored = admin_client.post(undo.get("action"), headers=HX)
    assert restored.status_code == 200
    assert toast(restored) == "Restored 5 users."
    toast_id = find(response, '[data-testid="toast"]').get("id")
    assert find_all(restored, f'[hx-swap-oob="delete"]#{toast_id}')
    assert column(app, "deleted_at", chosen) == [None] * 5
    assert fetch(app, User, earlier.id).deleted_at is not None
    assert {e.target_id for e in entries(app, "user.restore")} == {u.id for u in chosen}
    assert {e.actor_id for e in entries(app, "user.restore")} == {admin.id}
    # Undo twice: nothing more to restore.
    again = admin_client.post(undo.get("action"), headers=HX)
    assert toast(again) == "Restored 0 users."


def test_the_undo_without_javascript_goes_back_to_the_table(app, admin_client, crowd):
    chosen = crowd["members"][:2]
    post(admin_client, {"action": "delete", "ids": ids_of(chosen), "confirm": "yes"})
    page = admin_client.get("/users")
    undo = find(page, '[data-testid="toast"] form').get("action")
    response = admin_client.post(undo)
    assert response.status_code == 303
    assert column(app, "deleted_at", chosen) == [None, None]


# ---- the selection in the page --------------------------------------------------------------


def test_rows_have_checkboxes_for_admins_only(app, admin_client, crowd):
    page = admin_client.get("/users?sort=username")
    boxes = find_all(page, 'input[type="checkbox"][name="ids"]')
    assert [int(box.get("value")) for box in boxes] == row_ids(page)
    assert {box.get("form") for box in boxes} == {"bulk-bar"}
    bar = find(page, "form#bulk-bar")
    assert (bar.get("method"), bar.get("action")) == ("post", "/users/bulk")
    assert find(bar, '[data-testid="select-matching"]').get("name") == "scope"
    options = [o.get("value") for o in find_all(bar, 'select[name="action"] option')]
    assert options == ["", *(a.name for a in bulk.ACTIONS.values() if not a.trash)]
    trash = find(admin_client.get("/users?status=deleted"), "form#bulk-bar")
    assert [o.get("value") for o in find_all(trash, "option")] == ["", "restore"]


def test_moderators_see_no_selection(app, moderator_client, crowd):
    page = moderator_client.get("/users")
    assert find_all(page, 'input[name="ids"]') == []
    assert find_all(page, "#bulk-bar") == []
    assert find_all(page, '[data-testid="select-matching"]') == []


def test_the_selection_bar_counts_every_match(app, admin_client, crowd):
    page = admin_client.get("/users?role=member", headers=HX)
    label = text_of(find(page, '[data-testid="select-matching"]').getparent())
    assert "7 users" in label
    assert find(page, "#bulk-bar").get("data-scope") == "role=member"


# ---- indexes --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", FILTERS)
@pytest.mark.parametrize("action", ["deactivate", "restore"])
def test_the_matching_subquery_uses_an_index(app, crowd, admin, name, action):
    with app.app_context():
        actor = db.session.get(User, admin.id)
        chosen = bulk.plan(actor, bulk.ACTIONS[action], bulk.Selection(view=FILTERS[name])).chosen
    assert_indexed(app, explain(app, chosen))


def test_the_update_finds_its_users_through_the_batch_index(app, crowd):
    query = select(User.id).where(User.id.in_(bulk.batch_users("abc", "user.delete")))
    plan = explain(app, query)
    assert_indexed(app, plan)
    assert "ix_audit_entries_batch" in plan


def test_the_matching_subquery_of_a_plain_view_is_indexed(app, crowd, admin):
    with app.app_context():
        actor = db.session.get(User, admin.id)
        chosen = bulk.plan(actor, bulk.ACTIONS["delete"], bulk.Selection(view=TableView())).chosen
    assert_indexed(app, explain(app, chosen))


# ---- the role actions, as built ---------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_a_role_action_makes_that_role_and_audits_each_old_one(app, role):
    """role_action builds each "Make <role>" entry (here, not at import, so each part is
    checked where it is made)."""
    action = bulk.role_action(role)
    assert (action.name, action.label, action.done) == (
        f"role-{role.value}",
        f"Make {role.value}",
        f"Made {role.value}:",
    )
    assert action.audit == "user.update"
    assert action.values(utcnow()) == {"role": role.value}
    audited = action.audited(utcnow())
    others = [other for other in Role if other != role]
    assert [changes for _, changes in audited] == [
        {"role": (other.value, role.value)} for other in others
    ]
    with app.app_context():
        conditions = [str(condition.compile(db.engine)) for condition, _ in audited]
        eligible = str(action.eligible.compile(db.engine))
    assert all("users.role =" in condition for condition in conditions)
    assert "users.role !=" in eligible
    assert "users.deleted_at IS NULL" in eligible
    assert action.self_problem == bulk.rules.SELF_DEMOTE
    # Making someone an admin takes no admin away and asks nothing; the others may do both.
    assert action.takes_admins is (role != Role.admin)
    assert action.confirm is (role != Role.admin)
    assert action.ends_sessions is None
    assert action.trash is False
    assert bulk.ACTIONS[action.name].label == action.label
