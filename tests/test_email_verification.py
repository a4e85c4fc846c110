"""Email confirmation: on registration, on the owner's change (effective only when confirmed), on
an admin's change (effective at once, unconfirmed), with notices to the old address."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import select

from roster.users.models import User
from tests.helpers import HX, change, fetch, find, scalar

CONFIRM = "Confirm your email address"
CHANGED = "email address was changed"


def path_of(url: str) -> str:
    return urlsplit(url).path


def confirm_link(mailbox, address: str) -> str:
    mail = mailbox.wait_for(address, CONFIRM)
    assert address in mail.text
    return path_of(mail.link("/email/verify/"))


def named(app, username: str) -> User:
    return scalar(app, select(User).filter_by(username=username))


def register(client, username: str):
    return client.post(
        "/register",
        data={
            "username": username,
            "email": f"{username}@example.com",
            "password": "long enough password",
            "confirm": "long enough password",
        },
    )


def test_registration_asks_the_address_to_confirm_itself(app, client, mailbox):
    response = register(client, "newbie")
    assert response.status_code == 303
    user = named(app, "newbie")
    assert user.email_verified_at is None

    path = confirm_link(mailbox, "newbie@example.com")
    followed = client.get(path)
    assert followed.status_code == 303
    assert fetch(app, User, user.id).email_verified_at is not None

    again = client.get(path)
    assert again.status_code == 410
    assert 'data-testid="link-problem"' in again.get_data(as_text=True)


def test_the_welcome_says_where_the_link_went(client, mailbox):
    register(client, "greeted")
    page = client.get("/user/greeted").get_data(as_text=True)
    assert "A confirmation link was sent to greeted@example.com" in page
    mailbox.wait_for("greeted@example.com", CONFIRM)


def change_own_email(client, address: str, **headers):
    """Save the own profile with a new address, on the version the edit page shows."""
    version = find(client.get("/user/member/edit"), 'input[name="version"]').get("value")
    return client.post(
        "/user/member",
        data={"display_name": "Mem Ber", "email": address, "bio": "", "version": version},
        headers=headers,
    )


def test_an_owners_new_address_counts_only_once_confirmed(app, member_client, member, mailbox):
    response = change_own_email(member_client, "fresh@example.com")
    assert response.status_code == 303
    assert fetch(app, User, member.id).email == "member@example.com", "not yet"

    path = confirm_link(mailbox, "fresh@example.com")
    assert member_client.get(path).status_code == 303
    user = fetch(app, User, member.id)
    assert user.email == "fresh@example.com"
    assert user.email_verified_at is not None

    notice = mailbox.wait_for("member@example.com", CHANGED)
    assert "fresh@example.com" in notice.text
    assert notice.link("/password/forgot")
    assert member_client.get(path).status_code == 410


def test_the_owner_is_told_the_address_waits_for_confirmation(member_client, mailbox):
    response = change_own_email(member_client, "later@example.com", **HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "was sent to later@example.com" in html
    assert "Your email stays member@example.com" in html
    mailbox.wait_for("later@example.com", CONFIRM)


def test_an_address_taken_before_confirmation_gets_a_clear_page(
    app, member_client, member, make_user, mailbox
):
    change_own_email(member_client, "contested@example.com")
    path = confirm_link(mailbox, "contested@example.com")
    make_user("quicker", email="contested@example.com")
    response = member_client.get(path)
    assert response.status_code == 409
    assert "taken" in response.get_data(as_text=True)
    assert fetch(app, User, member.id).email == "member@example.com"


def test_a_tampered_confirmation_link_is_refused(app, client, mailbox):
    register(client, "tamperer")
    path = confirm_link(mailbox, "tamperer@example.com")
    response = client.get(path[:-3] + "xyz")
    assert response.status_code == 400
    assert named(app, "tamperer").email_verified_at is None


def test_a_signed_in_user_can_ask_for_the_link_again(member_client, member, mailbox):
    page = member_client.get("/user/member/edit").get_data(as_text=True)
    assert 'data-testid="resend-confirmation"' in page
    response = member_client.post("/email/resend", headers=HX)
    assert response.status_code == 200
    assert 'id="email-status"' in response.get_data(as_text=True)
    path = confirm_link(mailbox, "member@example.com")
    member_client.get(path)
    page = member_client.get("/user/member/edit").get_data(as_text=True)
    assert 'data-testid="resend-confirmation"' not in page
    assert "Confirmed" in page


# ---- admins ------------------------------------------------------------------------------------


def admin_edit(client, user: User, **fields):
    data = {
        "username": user.username,
        "email": user.email,
        "display_name": user.display_name,
        "version": str(user.version),
        **fields,
    }
    return client.post(f"/users/{user.id}", data=data)


def test_an_admins_change_is_at_once_and_unconfirmed(app, admin_client, member, mailbox):
    member = change(app, User, member.id, email_verified_at=member.created_at)
    response = admin_edit(admin_client, member, email="moved@example.com")
    assert response.status_code == 303
    user = fetch(app, User, member.id)
    assert user.email == "moved@example.com"
    assert user.email_verified_at is None

    mail = mailbox.wait_for("moved@example.com", CONFIRM)
    assert "An administrator" in mail.text
    notice = mailbox.wait_for("member@example.com", CHANGED)
    assert "by an administrator" in notice.text

    admin_client.get(path_of(mail.link("/email/verify/")))
    assert fetch(app, User, member.id).email_verified_at is not None


def test_an_admins_new_password_is_announced(admin_client, member, mailbox):
    admin_edit(admin_client, member, password="set by the admin today")
    notice = mailbox.wait_for("member@example.com", "password was changed")
    assert "by an administrator" in notice.text


def test_admins_see_who_is_confirmed_and_can_resend(app, admin_client, admin, member, mailbox):
    change(app, User, admin.id, email_verified_at=admin.created_at)
    table = admin_client.get("/users").get_data(as_text=True)
    assert table.count('data-testid="email-verified"') == 1
    assert table.count('data-testid="email-unverified"') == 1

    response = admin_client.post(f"/users/{member.id}/verify", headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="user-mail-status-{member.id}"' in html
    assert "was sent to member@example.com" in html
    mail = mailbox.wait_for("member@example.com", CONFIRM)
    assert "An administrator" in mail.text


def test_resending_is_for_admins_only(member_client, admin):
    assert member_client.post(f"/users/{admin.id}/verify").status_code == 403
    assert member_client.post(f"/users/{admin.id}/invite").status_code == 403
