"""The click log's pages and period probes, and the transaction report's joins, read by index."""

from __future__ import annotations

import sqlite3

import pytest

from tests.core.test_query_plans import full_scans, plan, plan_db
from trackpost.reports import repository as reports_repo
from trackpost.reports.clicklog import repository as clicks_repo

__all__ = ["plan_db"]


@pytest.mark.parametrize(
    "names",
    [
        frozenset(),
        frozenset({"from", "until", "upto"}),
        frozenset({"loginid", "country", "converted"}),
        frozenset({"unconverted", "subaff1", "offerid"}),
    ],
)
def test_a_click_log_page_is_a_primary_key_range(
    plan_db: sqlite3.Connection, names: frozenset[str]
) -> None:
    lines = plan(plan_db, clicks_repo._page(names))
    assert not full_scans(lines), lines
    assert any("clicks" in line and "PRIMARY KEY" in line for line in lines), lines
    assert not any("TEMP B-TREE" in line for line in lines), lines  # no sort of the range
    assert any("ix_customers_clickid" in line for line in lines), lines


def test_the_period_probes_are_key_lookups(plan_db: sqlite3.Connection) -> None:
    for stmt in (clicks_repo._AT_OR_AFTER, clicks_repo._MAX_ID):
        lines = plan(plan_db, stmt)
        assert not full_scans(lines), lines


def test_the_transaction_reports_new_fields_are_read_by_key(plan_db: sqlite3.Connection) -> None:
    rows, _ = reports_repo._statements(frozenset({"loginid"}))
    lines = plan(plan_db, rows)
    assert not any(line.startswith("SCAN ") and " clicks" in line for line in lines), lines
    assert not any(line.startswith("SCAN ") and " customers" in line for line in lines), lines
