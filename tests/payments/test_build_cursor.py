"""A build reads only the payee rows that may have changed since the last build's cursor."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.dialects import sqlite
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement

from tests.core.test_query_plans import full_scans
from tests.payments.conftest import Pay
from trackpost.models.tables import payment_builds, transactions
from trackpost.payments import repository as repo


@pytest.fixture
def plan_db(sqlite_template: Path) -> Iterator[sqlite3.Connection]:
    with closing(sqlite3.connect(sqlite_template)) as conn:
        yield conn


def plan(conn: sqlite3.Connection, stmt: ClauseElement) -> list[str]:
    """EXPLAIN QUERY PLAN, with the statement's IN lists rendered (its other values unbound)."""
    bound = stmt.params(after=1, since=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    compiled = bound.compile(dialect=sqlite.dialect())
    assert isinstance(compiled, SQLCompiler)
    state = compiled.construct_expanded_state()
    values = [state.parameters[name] for name in state.positiontup or ()]
    params = [v.isoformat(" ") if isinstance(v, dt.datetime) else v for v in values]
    rows = conn.execute(f"EXPLAIN QUERY PLAN {state.statement}", params).fetchall()
    return [str(r[-1]) for r in rows]


def test_the_cursor_reads_go_through_indexes(plan_db: sqlite3.Connection) -> None:
    changed = plan(plan_db, repo._CHANGED_ROWS)
    assert any("ix_transactions_changed" in line for line in changed), changed
    assert not full_scans(changed), changed
    new = plan(plan_db, repo._NEW_ROWS)
    assert not any(line.startswith("SCAN transaction_payouts") for line in new), new
    assert not full_scans(new), new


def _cursor(pay: Pay) -> tuple[int, object]:
    with pay.services.db.transaction(write=False) as conn:
        return repo.build_cursor(conn)


def _read(pay: Pay) -> dict[int, int]:
    """What the next build would read: payoutid -> what is still owed of it."""
    with pay.services.db.transaction(write=False) as conn:
        rows = repo.candidate_rows(conn, *repo.build_cursor(conn))
        return {int(r["payoutid"]): int(r["delta"]) for r in rows}


def test_a_conversion_is_not_a_changed_event(pay: Pay) -> None:
    tid = pay.sale("2026-01-10")
    with pay.services.db.transaction(write=False) as conn:
        row = conn.execute(
            select(transactions.c.created_at, transactions.c.updated_at).where(
                transactions.c.transactionid == tid
            )
        ).one()
    assert row.updated_at == row.created_at


def test_builds_read_new_and_changed_rows_only(pay: Pay) -> None:
    first = pay.sale("2026-01-10")
    pay.sale("2026-01-11")
    pay.sale("2026-02-10")  # payable after January's build: holds the cursor back
    assert _cursor(pay) == (0, None)
    pay.build("2026-02-01")
    january = {p["payoutid"] for p in pay.payouts() if p["transactionid"] != first + 2}
    after, _ = _cursor(pay)
    assert after == max(january)  # up to the first row still owed
    assert _read(pay) == {max(january) + 1: 500}  # only February's row is read again
    pay.build("2026-03-01")
    assert _read(pay) == {}  # everything is settled: the next build reads nothing
    assert [p["total"] for p in pay.payments()] == ["10.00", "5.00"]

    # A void of a sale settled long ago: its change brings its rows back into view.
    void = pay.void(first, "2026-03-05")
    voided = {r["payoutid"]: r["amount"] for r in pay.payouts() if r["transactionid"] == void}
    assert voided == {max(january) + 2: -500}
    seen = _read(pay)
    assert {k: v for k, v in seen.items() if v} == voided  # owed: the void's row only
    pay.build("2026-04-01")
    assert [p["total"] for p in pay.payments()] == ["10.00", "5.00", "-5.00"]
    # Rows changed within the margin are read again, owing nothing.
    assert not any(_read(pay).values())
    with pay.services.db.transaction(write=False) as conn:
        cursors = conn.execute(select(payment_builds.c.cursor_payoutid)).scalars().all()
    assert all(c is not None for c in cursors)
