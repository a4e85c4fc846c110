"""Reading the admin user table: search, sort and keyset paging in a constant number of queries."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import ColumnElement, String, and_, func, literal_column, or_, select, table, text

from roster.extensions import db
from roster.pagination import Page, cursor_args, keyset_page
from roster.users.models import User

# Counting every match of a vague search over millions of rows is slow and useless: stop here.
COUNT_CAP = 1000
# Trigram indexes need at least three characters; shorter searches are prefix matches.
TRIGRAM = 3
SEARCHED = ("username", "email", "display_name")
DEFAULT_SORT = "-created"

SortKey = Callable[[Any], tuple[ColumnElement, ...]]
# Each sort is a unique key, so that a row's key alone says where the next page starts.
SORT_KEYS: dict[str, SortKey] = {
    "username": lambda u: (func.lower(u.username, type_=String),),
    "email": lambda u: (func.lower(u.email, type_=String),),
    "created": lambda u: (u.created_at, u.id),
    "role": lambda u: (u.role, u.id),
}


@dataclass(frozen=True)
class TableView:
    """What the admin is looking at; every field lives in the URL so reload and back work."""

    q: str = ""
    sort: str = DEFAULT_SORT
    after: str | None = None
    before: str | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> TableView:
        sort = args.get("sort", DEFAULT_SORT)
        if sort.lstrip("-") not in SORT_KEYS:
            sort = DEFAULT_SORT
        return cls(q=args.get("q", "").strip()[:100], sort=sort, **cursor_args(args))

    @property
    def column(self) -> str:
        return self.sort.lstrip("-")

    @property
    def descending(self) -> bool:
        return self.sort.startswith("-")

    def args(self, **changes: Any) -> dict[str, Any]:
        """Query-string arguments for a link to this view with `changes` (None values dropped)."""
        view = replace(self, **changes)
        values = {"q": view.q, "sort": view.sort, "after": view.after, "before": view.before}
        return {k: v for k, v in values.items() if v not in (None, "") and v != DEFAULT_SORT}

    def sorted_by(self, column: str) -> dict[str, Any]:
        """Arguments for a header link: first page, by this column, flipped if sorted by it."""
        sort = column if self.sort != column else f"-{column}"
        return self.args(sort=sort, after=None, before=None)

    def aria_sort(self, column: str) -> str:
        if self.column != column:
            return "none"
        return "descending" if self.descending else "ascending"


def live_users():
    """Accounts that have not been deleted (a deleted one waits for undo or purge)."""
    return select(User).where(User.deleted_at.is_(None))


def search_condition(q: str) -> ColumnElement[bool] | None:
    """Match `q` in username, email or display name through an index, on either database."""
    term = q.strip().lower()
    if not term:
        return None
    columns = [func.lower(getattr(User, name)) for name in SEARCHED]
    postgres = db.engine.dialect.name == "postgresql"
    if len(term) < TRIGRAM:
        if postgres:
            return or_(*(column.like(f"{_escape_like(term)}%", escape="\\") for column in columns))
        # A range on the lower() indexes: what a prefix is, in SQLite's binary collation.
        upper = term[:-1] + chr(ord(term[-1]) + 1)
        return or_(*(and_(column >= term, column < upper) for column in columns))
    if postgres:
        pattern = f"%{_escape_like(term)}%"
        return or_(*(column.like(pattern, escape="\\") for column in columns))
    phrase = '"' + term.replace('"', '""') + '"'
    matches = (
        select(literal_column("rowid"))
        .select_from(table("users_search"))
        .where(text("users_search MATCH :phrase").bindparams(phrase=phrase))
    )
    return User.id.in_(matches)


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def filtered_users(q: str):
    query = live_users()
    condition = search_condition(q)
    return query if condition is None else query.where(condition)


def fetch_page(view: TableView, per_page: int) -> Page[User]:
    """One query: the page's rows plus one more, which says whether the page has a successor."""
    return keyset_page(
        filtered_users(view.q),
        SORT_KEYS[view.column](User),
        per_page=per_page,
        descending=view.descending,
        after=view.after,
        before=view.before,
    )


def capped_count(q: str) -> int:
    """How many users match, counting no further than COUNT_CAP + 1 (shown as "1,000+")."""
    matching = filtered_users(q).with_only_columns(User.id).limit(COUNT_CAP + 1).subquery()
    return db.session.scalar(select(func.count()).select_from(matching)) or 0


def count_label(count: int) -> str:
    if count > COUNT_CAP:
        return f"{COUNT_CAP:,}+ users"
    return f"{count:,} user" + ("" if count == 1 else "s")
