"""Reading the admin user table: search, filters, sort and keyset paging in a constant number of
queries; the export reads the same matches, streamed."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Select,
    String,
    and_,
    func,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from roster.days import midnight, parse_day
from roster.extensions import db
from roster.pagination import Page, cursor_args, keyset_page, link_args
from roster.users.models import User, last_sign_in_key
from roster.users.policy import Role

# Counting every match of a vague search over millions of rows is slow and useless: stop here.
COUNT_CAP = 1000
# Trigram indexes need at least three characters; shorter searches are prefix matches.
TRIGRAM = 3
SEARCHED = ("username", "email", "display_name")
DEFAULT_SORT = "-created"
# Without `status` the table shows the live users, active and inactive; "deleted" is the trash.
STATUSES = ("active", "inactive", "deleted")
VERIFIED = ("yes", "no")
ROLES = tuple(role.value for role in Role)
# The fields that choose which users the table shows (the search and the filters): what a
# bulk action over every match (scope=matching) sends along.
FILTER_FIELDS = ("q", "role", "status", "joined_after", "joined_before", "verified")

SortKey = Callable[[Any], tuple[ColumnElement, ...]]
# Each sort is a unique key, so that a row's key alone says where the next page starts.
SORT_KEYS: dict[str, SortKey] = {
    "username": lambda u: (func.lower(u.username, type_=String),),
    "email": lambda u: (func.lower(u.email, type_=String),),
    "created": lambda u: (u.created_at, u.id),
    "role": lambda u: (u.role, u.id),
    "name": lambda u: (func.lower(u.display_name, type_=String), u.id),
    "status": lambda u: (u.is_active, u.id),
    "last_sign_in": lambda u: (last_sign_in_key(), u.id),
}


@dataclass(frozen=True)
class TableView:
    """What the admin is looking at; every field lives in the URL so reload and back work.

    A filter value that cannot apply (an unknown status, a malformed date) is dropped, so the
    filter bar and the address bar show what was applied; a malformed page cursor is a 400.
    """

    q: str = ""
    role: str = ""
    status: str = ""
    joined_after: date | None = None
    joined_before: date | None = None
    verified: str = ""
    sort: str = DEFAULT_SORT
    after: str | None = None
    before: str | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> TableView:
        sort = args.get("sort", DEFAULT_SORT)
        if sort.lstrip("-") not in SORT_KEYS:
            sort = DEFAULT_SORT
        role, status, verified = (args.get(name) for name in ("role", "status", "verified"))
        return cls(
            q=args.get("q", "").strip()[:100],
            role=role if role in ROLES else "",
            status=status if status in STATUSES else "",
            joined_after=parse_day(args.get("joined_after", "")),
            joined_before=parse_day(args.get("joined_before", "")),
            verified=verified if verified in VERIFIED else "",
            sort=sort,
            **cursor_args(args),
        )

    @property
    def filtered(self) -> bool:
        """True when a filter narrows the table (the search is not a filter here)."""
        return bool(self.status) or self.narrowed

    @property
    def narrowed(self) -> bool:
        """True when the role, the join dates or the confirmation narrow the table, whatever its
        status."""
        return any((self.role, self.joined_after, self.joined_before, self.verified))

    @property
    def trash(self) -> bool:
        return self.status == "deleted"

    @property
    def column(self) -> str:
        return self.sort.lstrip("-")

    @property
    def descending(self) -> bool:
        return self.sort.startswith("-")

    def args(self, **changes: Any) -> dict[str, Any]:
        """Query-string arguments for a link to this view with `changes` (defaults dropped)."""
        return link_args(self, **changes)

    def without_filters(self) -> dict[str, Any]:
        """Arguments for "clear the filters": the same search and sort, first page."""
        return self.args(
            role="",
            status="",
            joined_after=None,
            joined_before=None,
            verified="",
            after=None,
            before=None,
        )

    def filter_fields(self) -> dict[str, Any]:
        """Only what chooses the users (search and filters): not the sort, not the page."""
        return {name: value for name, value in self.args().items() if name in FILTER_FIELDS}

    def filter_args(self) -> dict[str, Any]:
        """What selects the users, without the page: for the export and the count."""
        return self.args(after=None, before=None)

    def sorted_by(self, column: str) -> dict[str, Any]:
        """Arguments for a header link: first page, by this column, flipped if sorted by it."""
        sort = column if self.sort != column else f"-{column}"
        return self.args(sort=sort, after=None, before=None)

    def aria_sort(self, column: str) -> str:
        if self.column != column:
            return "none"
        return "descending" if self.descending else "ascending"


class Likely(FunctionElement[bool]):
    """A condition most rows meet, said so to SQLite's planner (`likely(X)`, a no-op at run
    time). Without it SQLite takes "not deleted" for a selective condition: it reads the live
    users through their deleted_at index and sorts them all before the first row, even for a
    page of 50 (a million rows sorted in memory for every page or export); told that nearly
    every user is live, it walks the sort's own index and stops at the page's end."""

    type = Boolean()
    inherit_cache = True
    name = "likely"


@compiles(Likely)
def _as_is(element: Likely, compiler: SQLCompiler, **kw: object) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(Likely, "sqlite")
def _likely(element: Likely, compiler: SQLCompiler, **kw: object) -> str:
    return f"likely({compiler.process(element.clauses, **kw)})"


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


def filter_conditions(
    view: TableView, *, in_order: bool = False, common: bool = False
) -> list[ColumnElement[bool]]:
    """The conditions of `view`'s filters and search; each has an index to walk. `in_order`:
    for a read in the table's order, where the sort's index should lead (`Likely`); `common`:
    the filters match many users, so the sort's index leads past them too (see read_table)."""
    filters = [User.deleted_at.is_not(None)] if view.trash else []
    if view.role:
        filters.append(User.role == view.role)
    if view.status in ("active", "inactive"):
        filters.append(User.is_active == (view.status == "active"))
    if view.joined_after:
        filters.append(User.created_at >= midnight(view.joined_after))
    if view.joined_before:
        filters.append(User.created_at < midnight(view.joined_before))
    if view.verified:
        verified = User.email_verified_at
        filters.append(verified.is_not(None) if view.verified == "yes" else verified.is_(None))
    if common and in_order:
        filters = [Likely(condition) for condition in filters]
    live = Likely(User.deleted_at.is_(None)) if in_order else User.deleted_at.is_(None)
    conditions = filters if view.trash else [live, *filters]
    if (search := search_condition(view.q)) is not None:
        conditions.append(search)
    return conditions


def filtered_users(view: TableView, *, in_order: bool = False, common: bool = False) -> Select:
    return select(User).where(*filter_conditions(view, in_order=in_order, common=common))


def fetch_page(view: TableView, per_page: int, *, common: bool = False) -> Page[User]:
    """One query: the page's rows plus one more, which says whether the page has a successor."""
    return keyset_page(
        filtered_users(view, in_order=True, common=common),
        SORT_KEYS[view.column](User),
        per_page=per_page,
        descending=view.descending,
        after=view.after,
        before=view.before,
    )


def read_table(view: TableView, per_page: int) -> tuple[Page[User], int]:
    """The page of `view` and its (capped) count, in two queries at most.

    A single page with no neighbours holds every match, so its length is the count: a search
    that hits a few users costs one query. On SQLite, which keeps no statistics, a filter is
    counted first: a filter matching up to COUNT_CAP users is read off its own index and
    sorted (cheap), one matching more walks the sort's index instead and stops after a page
    (role=member sorted by username sorted all 100,000 members: 300 ms).
    """
    if view.filtered and db.engine.dialect.name == "sqlite":
        count = capped_count(view)
        return fetch_page(view, per_page, common=count > COUNT_CAP), count
    page = fetch_page(view, per_page)
    whole = not (page.has_next or page.has_previous)
    return page, len(page.items) if whole else capped_count(view)


def sorted_matches(view: TableView, *columns: Any) -> Select:
    """Every user `view` matches (no paging), as `columns`, in the table's order: the export."""
    order = SORT_KEYS[view.column](User)
    return (
        filtered_users(view, in_order=True)
        .with_only_columns(*columns)
        .order_by(*(column.desc() if view.descending else column.asc() for column in order))
    )


def capped_count(view: TableView) -> int:
    """How many users match, counting no further than COUNT_CAP + 1 (shown as "1,000+")."""
    matching = filtered_users(view).with_only_columns(User.id).limit(COUNT_CAP + 1).subquery()
    return db.session.scalar(select(func.count()).select_from(matching)) or 0


def count_label(count: int) -> str:
    if count > COUNT_CAP:
        return f"{COUNT_CAP:,}+ users"
    return f"{count:,} user" + ("" if count == 1 else "s")
