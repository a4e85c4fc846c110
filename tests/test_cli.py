"""The command line: demo data in bulk, and accounts with a hidden, confirmed password."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from roster import cli
from roster.cli import DEMO_MODERATORS
from roster.conditional import TableVersion
from roster.extensions import db
from roster.posts.models import Post
from roster.users import policy
from roster.users.bulk_load import SQLITE_INSERT_TRIGGERS, users_loaded_in_bulk
from roster.users.models import User
from tests.helpers import dialect, scalar, scalars, search_ids


def count(app, model) -> int:
    return scalar(app, select(func.count()).select_from(model))


def test_seed_adds_users_and_posts_that_share_one_printed_password(app, runner):
    result = runner.invoke(args=["seed", "--users", "120", "--posts", "30"])
    assert result.exit_code == 0, result.output
    assert count(app, User) == 120
    assert count(app, Post) == 30
    password = result.output.strip().rsplit(" ", 1)[-1]
    user = scalar(app, select(User).limit(1))
    assert user.check_password(password)
    assert len(set(scalars(app, select(User.password_hash)))) == 1


def test_seed_twice_adds_more_users_without_clashing(app, runner):
    assert runner.invoke(args=["seed", "--users", "50"]).exit_code == 0
    assert runner.invoke(args=["seed", "--users", "50"]).exit_code == 0
    assert count(app, User) == 100


def test_seed_if_empty_leaves_a_populated_database_alone(app, runner, member):
    result = runner.invoke(args=["seed", "--users", "10", "--if-empty"])
    assert result.exit_code == 0
    assert "nothing seeded" in result.output
    assert count(app, User) == 1


def test_seed_demo_admin_can_sign_in_with_the_printed_password(app, runner, client):
    result = runner.invoke(args=["seed", "--users", "3", "--demo-admin"])
    password = result.output.strip().rsplit(" ", 1)[-1]
    admin = scalar(app, select(User).where(User.username == "admin"))
    assert admin.is_admin
    response = client.post("/login", data={"username": "admin", "password": password})
    assert response.status_code == 303


def test_create_user_reads_a_confirmed_password_from_stdin(app, runner):
    result = runner.invoke(
        args=["create-user", "grace", "--email", "grace@example.com", "--admin"],
        input="a long enough password\na long enough password\n",
    )
    assert result.exit_code == 0, result.output
    user = scalar(app, select(User).where(User.username == "grace"))
    assert user.is_admin
    assert user.check_password("a long enough password")


def test_create_user_without_admin_makes_a_member(app, runner):
    result = runner.invoke(
        args=["create-user", "ada", "--email", "ada@example.com"],
        input="a long enough password\na long enough password\n",
    )
    assert result.exit_code == 0, result.output
    assert "member ada" in result.output
    assert scalar(app, select(User.is_admin).where(User.username == "ada")) is False


@pytest.mark.parametrize(
    ("options", "role"),
    [
        (["--role", "moderator"], "moderator"),
        (["--role", "admin"], "admin"),
        (["--admin"], "admin"),
    ],
)
def test_create_user_takes_a_role(app, runner, options, role):
    result = runner.invoke(
        args=["create-user", "ada", "--email", "ada@example.com", *options],
        input="a long enough password\na long enough password\n",
    )
    assert result.exit_code == 0, result.output
    assert f"Created {role} ada" in result.output
    assert scalar(app, select(User.role).where(User.username == "ada")) == role


@pytest.mark.parametrize("role", ["owner", "moderator"])
def test_create_user_refuses_an_unknown_or_contradicting_role(app, runner, role):
    result = runner.invoke(
        args=["create-user", "ada", "--email", "ada@example.com", "--admin", "--role", role],
        input="a long enough password\na long enough password\n",
    )
    assert result.exit_code == 2
    assert scalar(app, select(User).where(User.username == "ada")) is None


def test_seed_makes_a_few_moderators_and_no_admin(app, runner):
    assert runner.invoke(args=["seed", "--users", "20"]).exit_code == 0
    roles = scalars(app, select(User.role).order_by(User.id))
    assert roles == ["moderator"] * DEMO_MODERATORS + ["member"] * (20 - DEMO_MODERATORS)


def test_create_user_refuses_a_mismatched_confirmation(app, runner):
    result = runner.invoke(
        args=["create-user", "ada", "--email", "ada@example.com"],
        input="a long enough password\nsomething else entirely\n",
    )
    assert result.exit_code != 0
    assert count(app, User) == 0


def test_create_user_refuses_duplicates_without_regard_to_case(app, runner, member):
    for args, message in (
        (["create-user", "MEMBER", "--email", "new@example.com"], policy.USERNAME_TAKEN),
        (["create-user", "newbie", "--email", "Member@Example.com"], policy.EMAIL_TAKEN),
    ):
        result = runner.invoke(args=args, input="a long enough password\n" * 2)
        assert result.exit_code == 1
        assert message in result.output
    assert count(app, User) == 1


def test_create_user_applies_the_registration_rules(app, runner):
    result = runner.invoke(
        args=["create-user", "no spaces allowed", "--email", "not-an-email"],
        input="short\nshort\n",
    )
    assert result.exit_code == 1
    assert "Username" in result.output
    assert "Email" in result.output
    assert "Password" in result.output
    assert count(app, User) == 0


def test_seeded_users_are_searchable_and_later_inserts_still_indexed(app, runner, make_user):
    """Seeding indexes its users for search in bulk; the per-row index upkeep comes back after."""

    existing = make_user("before-seed", display_name="Existing Person")
    assert runner.invoke(args=["seed", "--users", "40", "--random-seed", "3"]).exit_code == 0
    seeded = scalars(app, select(User).where(User.id != existing.id))
    assert len(seeded) == 40
    for user in seeded[::7]:
        assert search_ids(app, user.username[1:]) == [user.id]
        assert search_ids(app, user.email) == [user.id]
    assert search_ids(app, "existing pers") == [existing.id]
    later = make_user("after-seed", display_name="Latecomer Person")
    assert search_ids(app, "latecomer") == [later.id]
    assert sorted(search_ids(app, "person")) == [existing.id, later.id]


def test_seed_refreshes_postgresql_planner_statistics(app, runner):
    """A bulk load leaves the planner guessing (a sequential scan and sort for the first page)."""
    if dialect(app) != "postgresql":
        pytest.skip("planner statistics are refreshed on PostgreSQL only; run with --db=postgres")
    assert runner.invoke(args=["seed", "--users", "30"]).exit_code == 0
    rows = scalar(app, text("SELECT reltuples FROM pg_class WHERE oid = 'users'::regclass"))
    assert rows == 30


def users_schema(app) -> list[tuple[str, str]]:
    """The users table's indexes and triggers as the database describes them."""
    with app.app_context():
        return schema_in_session()


def schema_in_session() -> list[tuple[str, str]]:
    """`users_schema` as the current database session sees it (inside its transaction)."""
    if db.engine.dialect.name == "postgresql":
        query = text(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i"
            " JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 'users'::regclass"
            " UNION ALL SELECT tgname, tgenabled::text FROM pg_trigger"
            " WHERE tgrelid = 'users'::regclass AND NOT tgisinternal ORDER BY 1"
        )
    else:
        query = text(
            "SELECT name, sql FROM sqlite_master WHERE tbl_name = 'users'"
            " AND type IN ('index', 'trigger') ORDER BY name"
        )
    return [tuple(row) for row in db.session.execute(query)]


@pytest.mark.parametrize("rebuild_indexes", [True, False])
def test_a_bulk_load_takes_away_the_secondary_indexes_and_insert_triggers_meanwhile(
    app, rebuild_indexes
):
    """While the rows go in, only what constraints need is left (when asked to rebuild), and no
    per-row insert upkeep runs; the other triggers stay."""
    before = dict(users_schema(app))
    if dialect(app) == "postgresql":
        constraints = set(scalars(app, text(
            "SELECT c.relname FROM pg_constraint k JOIN pg_class c ON c.oid = k.conindid"
            " WHERE k.conrelid = 'users'::regclass"
        )))  # fmt: skip
        assert "pk_users" in constraints
        kept_triggers = {}
        switched_off = {"users_changed": "D"}
    else:
        constraints = {name for name, create in before.items() if create is None}
        kept_triggers = {name: create for name, create in before.items()
                         if create and create.startswith("CREATE TRIGGER")
                         and name not in SQLITE_INSERT_TRIGGERS}  # fmt: skip
        switched_off = {}
    secondary = {name: create for name, create in before.items()
                 if create and " INDEX " in create and name not in constraints}  # fmt: skip
    assert secondary, before
    with app.app_context(), users_loaded_in_bulk(rebuild_indexes=rebuild_indexes):
        during = dict(schema_in_session())
    indexes_left = {name for name in secondary if name in during}
    assert indexes_left == (set() if rebuild_indexes else set(secondary))
    assert constraints <= set(during)
    for name, create in kept_triggers.items():
        assert during[name] == create
    for name in SQLITE_INSERT_TRIGGERS if dialect(app) == "sqlite" else ():
        assert name in before
        assert name not in during
    for name, state in switched_off.items():
        assert before[name] == "O"
        assert during[name] == state
    assert dict(users_schema(app)) == before


def test_a_large_seed_rebuilds_every_index_and_trigger_as_it_was(app, runner):
    """The bulk load drops the secondary indexes and insert triggers and puts each back as it
    was (PostgreSQL's trigram indexes keep fastupdate off, its version trigger is on again)."""
    before = users_schema(app)
    version = scalar(app, select(TableVersion.version).where(TableVersion.name == "users"))
    assert runner.invoke(args=["seed", "--users", "30"]).exit_code == 0
    assert users_schema(app) == before
    if dialect(app) == "postgresql":
        trigram = [create for name, create in before if name.endswith("_trgm")]
        assert len(trigram) == 3
        assert all("fastupdate=off" in create for create in trigram), trigram
    seeded = scalar(app, select(TableVersion.version).where(TableVersion.name == "users"))
    assert seeded is not None
    assert seeded != version


def test_a_failed_seed_leaves_the_schema_as_it_was(app, runner, monkeypatch):
    before = users_schema(app)

    def broken(*_args, **_kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(cli, "_demo_user", broken)
    result = runner.invoke(args=["seed", "--users", "30"])
    assert isinstance(result.exception, RuntimeError)
    assert users_schema(app) == before
    assert count(app, User) == 0
