"""Hot statements find their rows through an index, so their cost stays flat from 1k to 1M rows."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.dialects import sqlite
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement

from trackpost.customers import list_repository as customers_lists
from trackpost.customers import repository as customers_repo
from trackpost.models.tables import customers
from trackpost.postbacks.repository import CLICK_CONTEXT
from trackpost.tracking import repository as tracking_repo

# Tables that grow with traffic; a full scan of any of them is a bug on a hot path.
BIG = ("customers", "transactions", "clicks", "customer_audit")


@pytest.fixture
def plan_db(sqlite_template: Path) -> Iterator[sqlite3.Connection]:
    with closing(sqlite3.connect(sqlite_template)) as conn:
        yield conn


def plan(conn: sqlite3.Connection, stmt: ClauseElement) -> list[str]:
    """SQLite's EXPLAIN QUERY PLAN lines for the statement as Core compiles it for SQLite."""
    compiled = stmt.compile(dialect=sqlite.dialect())
    assert isinstance(compiled, SQLCompiler)
    params: Any = [None] * len(compiled.positiontup or ())
    rows = conn.execute(f"EXPLAIN QUERY PLAN {compiled.string}", params).fetchall()
    return [str(r[-1]) for r in rows]


def full_scans(lines: list[str]) -> list[str]:
    """Plan lines that read a whole big table (SCAN without an index)."""
    return [
        line
        for line in lines
        if line.startswith("SCAN ")
        and line.split()[1] in BIG
        and "USING INDEX" not in line
        and "COVERING INDEX" not in line
    ]


@pytest.mark.parametrize("key", ["customer_id", "subscription_id", "orderid"])
def test_lock_and_unlock_find_the_customer_by_an_index(
    plan_db: sqlite3.Connection, key: str
) -> None:
    for statements in (customers_repo._LOCK_BY, customers_repo._UNLOCK_BY):
        lines = plan(plan_db, statements[key])
        assert lines
        assert not full_scans(lines), lines


def test_the_conversions_click_read_uses_indexes_only(plan_db: sqlite3.Connection) -> None:
    lines = plan(plan_db, CLICK_CONTEXT)
    assert not full_scans(lines), lines
    assert any("clicks" in line and "INDEX" in line for line in lines), lines


def test_customer_lookups_and_email_search_use_indexes(plan_db: sqlite3.Connection) -> None:
    for stmt in (customers_repo._BY_SUB, customers_repo._BY_ORDER, customers_repo._HISTORY):
        lines = plan(plan_db, stmt)
        assert not full_scans(lines), lines
    rows, total = customers_lists._search_stmts(frozenset({"email"}))
    for stmt in (rows, total):
        lines = plan(plan_db, stmt)
        assert any("ix_customers_email_ci" in line for line in lines), lines


def test_the_check_itself_sees_a_scan(plan_db: sqlite3.Connection) -> None:
    """A lookup by the plain email column has no index (only lower(email) has): a scan."""
    lines = plan(plan_db, customers.select().where(customers.c.email == "a@b.example"))
    assert full_scans(lines), lines


def test_the_click_paths_version_read_is_a_key_lookup(plan_db: sqlite3.Connection) -> None:
    lines = plan(plan_db, tracking_repo._VERSION.stmt)
    assert lines
    assert all(not line.startswith("SCAN") for line in lines), lines


@pytest.mark.parametrize("sort", ["newest", "oldest", "joined_desc", "joined_asc"])
@pytest.mark.parametrize("cursor", [False, True])
def test_the_console_lists_locked_customers_from_their_partial_indexes(
    plan_db: sqlite3.Connection, sort: str, cursor: bool
) -> None:
    """Locked customers are few: a page of them reads a partial index, never the whole table."""
    stmt = customers_lists._console_stmt(frozenset({"locked"}), sort, False, cursor)
    lines = plan(plan_db, stmt)
    wanted = "ix_customers_locked_joined" if sort.startswith("joined") else "ix_customers_locked_id"
    assert any(wanted in line for line in lines), lines
    assert not full_scans(lines), lines


def test_the_dashboards_newest_locks_read_their_partial_index(plan_db: sqlite3.Connection) -> None:
    lines = plan(plan_db, customers_lists._NEWEST_LOCKS)
    assert any("ix_customers_locked_at" in line for line in lines), lines
    assert not any("TEMP B-TREE" in line for line in lines), lines
