"""`seed --as-of`: demo data dated on a fixed day, so screenshots come out the same every day."""

from __future__ import annotations

from sqlalchemy import func, select

from roster.posts.models import Post
from roster.templating import as_utc
from roster.users.models import User
from tests.helpers import scalar


def test_seed_as_of_dates_users_and_posts_before_that_day(app, runner):
    args = ["seed", "--users", "5", "--posts", "5", "--random-seed", "1", "--as-of", "2026-03-14"]
    assert runner.invoke(args=args).exit_code == 0
    newest_user = scalar(app, select(func.max(User.created_at)))
    newest_post = scalar(app, select(func.max(Post.created_at)))
    for moment in (newest_user, newest_post):
        assert as_utc(moment).date().isoformat() == "2026-03-13"
