"""The stats report sorted, paged and totalled in SQL answers as the keyed sums sorted here do:
every order, direction and page, rollups and tail, whole days and hours, two zones."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from tests.postbacks.network import Network, build_network
from tests.support import ApiClient
from trackpost.core.errors import InvalidParameter
from trackpost.core.http import Services
from trackpost.models.stats import MEASURES
from trackpost.stats import job, service
from trackpost.stats import page_repository as pages
from trackpost.stats.schemas import Stats

UWIN = 86400
SORTS = [
    None,
    *MEASURES[:10],
    "income",
    "net",
    "total_expenses",
    "total_payouts",
    "epc",
    "conversion_rate",
    "payouts",
    "payout_affiliate",
    "offer",
    "day",
    "year",
    "affiliate",
    "country",
]


@pytest.fixture
def spread(api: ApiClient, services: Services) -> list[Network]:
    """Three networks' clicks and sales spread over five days and their hours, folded, then
    more of them past the cursors (the reports' live tail)."""
    nets = [build_network(api, services) for _ in range(3)]
    amounts = ["10.00", "3.33", "0.01", "12.50", "7.77"]
    for i, net in enumerate(nets):
        for j in range(i + 2):
            net.convert(amount=amounts[(i + j) % len(amounts)])
            net.click(subaff=f"s{j}")
    with services.db.transaction(write=True) as conn:
        base = dt.datetime.now(dt.UTC).replace(minute=30, second=0, microsecond=0)
        for table, key in (("clicks", "clickid"), ("transactions", "transactionid")):
            for (rowid,) in conn.execute(text(f"SELECT {key} FROM {table}")).all():  # noqa: S608
                when = base - dt.timedelta(days=rowid % 5, hours=(rowid * 7) % 24)
                conn.execute(
                    text(f"UPDATE {table} SET created_at = :w WHERE {key} = :i"),  # noqa: S608
                    {"w": when, "i": rowid},
                )
    job.fold_all(services.db, UWIN)
    nets[0].convert(amount="3.33")
    nets[2].click()
    return nets


def _answer(services: Services, params: Stats, zone: ZoneInfo) -> Any:
    try:
        with services.db.transaction(write=False) as conn:
            return service.stats(conn, params, zone, UWIN)
    except InvalidParameter as exc:
        return ("error", str(exc))


@pytest.mark.parametrize("zone", ["UTC", "America/New_York"])
def test_sql_pages_answer_as_the_sums_sorted_here(
    spread: list[Network], services: Services, monkeypatch: pytest.MonkeyPatch, zone: str
) -> None:
    job.ensure_zone(services.db, zone)  # the daily rows in the report's zone: they are read
    today = dt.datetime.now(ZoneInfo(zone)).date()
    ranges: list[dict[str, Any]] = [
        {"period": 8, "start": str(today - dt.timedelta(days=6)), "end": str(today)},
        {"period": 7},
    ]
    dims = ["day,offer", "offer,day", "offer", "year,affiliate", "month", "country,offer"]
    windows = [(0, 1000), (1, 2), (3, 4), (1000, 5)]
    cases = list(itertools.product(ranges, dims, SORTS, ["", "-"], windows))
    in_sql = []
    paged = pages.page

    def counted(*args: Any) -> Any:
        got = paged(*args)
        in_sql.append(got is not None)
        return got

    monkeypatch.setattr(pages, "page", counted)
    sql_answers = []
    for period, dim, sort, sign, (start, count) in cases:
        params = Stats(
            dims=dim,
            sort=None if sort is None else sign + sort,
            start_row=start,
            count=count,
            **period,
        )
        sql_answers.append(_answer(services, params, ZoneInfo(zone)))
    # Every case but the text dimension's own order and `payouts` in SQL, where it can be
    # (SQLite makes the time key here for the open period).
    assert sum(in_sql) >= len(cases) // 3, (sum(in_sql), len(cases))
    assert any(isinstance(a, tuple) and a[0] == "error" for a in sql_answers)
    assert any(isinstance(a, tuple) and a[1]["count"] >= 6 for a in sql_answers)
    monkeypatch.setattr(pages, "page", lambda *args: None)
    for case, got in zip(cases, sql_answers, strict=True):
        period, dim, sort, sign, (start, count) = case
        params = Stats(
            dims=dim,
            sort=None if sort is None else sign + sort,
            start_row=start,
            count=count,
            **period,
        )
        assert got == _answer(services, params, ZoneInfo(zone)), case
