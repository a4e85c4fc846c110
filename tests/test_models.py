"""The database itself enforces what must never be violated, and migrations match the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import update
from sqlalchemy.orm.exc import StaleDataError

from roster.extensions import db
from roster.users.models import User
from roster.users.service import DuplicateUserError, commit_or_report_duplicate


@pytest.mark.parametrize(
    ("username", "email", "field"),
    [("ADA", "other@example.com", "username"), ("other", "Ada@EXAMPLE.com", "email")],
)
def test_unique_without_regard_to_case_is_enforced_by_the_database(
    app, make_user, username, email, field
):
    make_user("ada", email="ada@example.com")
    with app.app_context():
        db.session.add(User(username=username, email=email, password_hash="x"))
        with pytest.raises(DuplicateUserError) as clash:
            commit_or_report_duplicate()
    assert clash.value.field == field


def test_a_stale_version_is_refused(app, make_user):
    user_id = make_user().id
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.execute(
            update(User).where(User.id == user_id).values(version=User.version + 1),
            execution_options={"synchronize_session": False},
        )
        user.display_name = "lost update"
        with pytest.raises(StaleDataError):
            db.session.commit()


# SQLite cannot reflect expression indexes; SQLAlchemy and Alembic say so, and that is expected.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection")
@pytest.mark.filterwarnings("ignore:autogenerate skipping")
def test_migrations_create_exactly_what_the_models_describe(app):
    with app.app_context(), db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    # The search index (FTS5 table and its shadow tables on SQLite) lives only in migration 0002.
    diff = [
        d for d in diff if not (d[0] == "remove_table" and d[1].name.startswith("users_search"))
    ]
    # SQLite cannot reflect expression indexes (lower(username)); the test above covers them.
    assert [d for d in diff if d[0] not in {"add_index", "remove_index"}] == []
    index_names = {d[1].name for d in diff if d[0] in {"add_index", "remove_index"}}
    # Search indexes (trigram, prefix) are in migration 0002 only: SQLAlchemy cannot describe them.
    search_indexes = {
        f"ix_users_{column}_{kind}"
        for column in ("username", "email", "display_name")
        for kind in ("trgm", "prefix")
    }
    expected = {"uq_users_username_lower", "ix_users_email_lower", "ix_users_display_name_lower"}
    assert index_names <= expected | search_indexes
