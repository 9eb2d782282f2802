"""Every counter equals a recount from the raw rows, however the fold interleaves (a property
test), a rebuild equals the incremental fold, and network days follow the zone's DST."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from tests.postbacks.network import Network, build_network
from tests.support import ApiClient
from trackpost.core.http import Services
from trackpost.models.stats import (
    MEASURES,
    stats_hourly,
    stats_offer_daily,
    stats_offer_hourly,
    stats_subaff_hourly,
)
from trackpost.models.tables import clicks, transaction_payouts, transactions
from trackpost.stats import job
from trackpost.stats import repository as repo
from trackpost.stats.service import COUNTS

STATS = "/api/report/stats"
PL = "/api/report/profitloss"
WINDOW = 86400
_orders = itertools.count(1)
ACTIONS = st.lists(
    st.sampled_from(
        ["click", "click_b", "convert", "rebill", "refund", "void", "chargeback", "reverse", "fold"]
    ),
    min_size=1,
    max_size=14,
)


def _click_from(net: Network, ip: str) -> None:
    resp = net.from_ip(ip).get(net.link, follow_redirects=False)
    assert resp.status_code == 302, resp.text


def _act(net: Network, action: str, sales: list[str]) -> None:
    """One step of the stream; refused steps (nothing to void...) simply change nothing."""
    if action == "click":
        _click_from(net, "10.0.0.1")
    elif action == "click_b":
        _click_from(net, "10.0.0.2")
    elif action == "convert":
        order = f"O-{next(_orders)}"
        net.convert(subscription_id=order, orderid=order, amount="20.00")
        sales.append(order)
    elif action == "fold":
        job.fold_all(net.services.db, WINDOW, batch=2)
    elif sales:
        order = sales[-1]
        if action == "rebill":
            net.post(
                subscription_id=order, type="rebill", orderid=f"R-{next(_orders)}", amount="7.00"
            )
        elif action == "refund":
            net.post(
                subscription_id=order, type="refund", orderid=f"F-{next(_orders)}", amount="3.00"
            )
        elif action == "void":
            net.api.post("/api/transaction/process_void", {"orderid": order})
        elif action == "chargeback":
            cb = {"orderid": order, "type": "chargeback", "cost": "1.00"}
            net.api.post("/api/transaction/process_chargeback", cb)
        elif action == "reverse":
            net.api.post("/api/transaction/process_reversal", {"orderid": order, "reverse": "1"})


def recount(net: Network) -> dict[int, dict[str, int]]:
    """The figures per offer, from the raw rows alone."""
    out: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    with net.services.db.transaction(write=False) as conn:
        seen: dict[tuple[int, str], dt.datetime] = {}
        for c in conn.execute(select(clicks).order_by(clicks.c.clickid)):
            row = out[c.offerid]
            row["raw_clicks"] += 1
            prev = seen.get((c.offerid, c.ip)) if c.ip else None
            if prev is None or (c.created_at - prev).total_seconds() >= WINDOW:
                row["unique_clicks"] += 1
            if c.ip:
                seen[(c.offerid, c.ip)] = c.created_at
        payouts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for p in conn.execute(select(transaction_payouts)):
            payouts[p.transactionid][p.kind] += p.amount
        kinds = dict(
            zip(
                (
                    "initial",
                    "trial",
                    "goal",
                    "continuity",
                    "refund",
                    "void",
                    "chargeback",
                    "reversal",
                ),
                COUNTS[2:],
                strict=True,
            )
        )
        for t in conn.execute(select(transactions)):
            if t.status in ("pending", "denied"):
                continue
            row = out[t.offerid]
            row[kinds[t.trans_type]] += 1
            if t.trans_type == "refund":
                row["refund_amount"] -= t.amount
            else:
                row["income"] += t.amount
            row["fees"] += t.chargeback_cost
            for kind, amount in payouts[t.transactionid].items():
                row[f"payout_{kind}"] += amount
    return out


def _cents(text: str) -> int:
    sign = -1 if text.startswith("-") else 1
    whole, frac = text.lstrip("-").split(".")
    return sign * (int(whole) * 100 + int(frac))


def _reported(net: Network) -> dict[str, int]:
    body = net.api.get(PL, {"period": 7, "view": "offer"}).json()
    row = body.get(str(net.offer))
    if row is None:
        return {}
    out = {k: row[k] for k in COUNTS}
    out["income"] = _cents(row["income"])
    out["refund_amount"] = _cents(row["refund_amount"])
    out["fees"] = _cents(row["fees"])
    for kind, amount in row["payouts"].items():
        out[f"payout_{kind}"] = _cents(amount)
    return {k: v for k, v in out.items() if v}


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(actions=ACTIONS)
def test_counters_equal_a_recount_whatever_the_fold_does(net: Network, actions: list[str]) -> None:
    sales: list[str] = []
    for action in actions:
        _act(net, action, sales)
        expected = {k: v for k, v in recount(net)[net.offer].items() if v}
        assert _reported(net) == expected, action
    job.fold_all(net.services.db, WINDOW)
    expected = {k: v for k, v in recount(net)[net.offer].items() if v}
    assert _reported(net) == expected
    assert _daily(net) == _hours_by_day(net, "UTC")


def _daily(net: Network) -> dict[tuple[Any, ...], list[int]]:
    """stats_offer_daily's rows that count something."""
    with net.services.db.transaction(write=False) as conn:
        return {
            (r.day, r.offerid, r.advertiserid): [r._mapping[m] for m in MEASURES]
            for r in conn.execute(select(stats_offer_daily))
            if any(r._mapping[m] for m in MEASURES)
        }


def _hours_by_day(net: Network, zone: str) -> dict[tuple[Any, ...], list[int]]:
    """stats_offer_hourly summed by the zone's days, rows that count something."""
    out: dict[tuple[Any, ...], list[int]] = {}
    with net.services.db.transaction(write=False) as conn:
        for r in conn.execute(select(stats_offer_hourly)):
            key = (
                r.hour.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d"),
                r.offerid,
                r.advertiserid,
            )
            sums = out.setdefault(key, [0] * len(MEASURES))
            for i, m in enumerate(MEASURES):
                sums[i] += r._mapping[m]
    return {k: v for k, v in out.items() if any(v)}


def _rollups(net: Network) -> list[Any]:
    with net.services.db.transaction(write=False) as conn:
        return sorted(
            str(tuple(r))
            for t in (stats_hourly, stats_offer_hourly, stats_subaff_hourly, stats_offer_daily)
            for r in conn.execute(select(t))
            if any(r._mapping[m] for m in MEASURES)  # a pending sale's row counts nothing
        )


def test_rebuild_equals_the_incremental_fold(net: Network) -> None:
    for action in [
        "click",
        "click",
        "click_b",
        "convert",
        "rebill",
        "fold",
        "click",
        "refund",
        "chargeback",
        "click_b",
        "fold",
        "reverse",
        "convert",
        "void",
    ]:
        _act(net, action, _SALES)
    job.fold_all(net.services.db, WINDOW, batch=3)
    incremental = _rollups(net)
    assert incremental
    day = dt.datetime.now(dt.UTC)
    job.rebuild(
        net.services.db,
        (day - dt.timedelta(days=1)).replace(minute=0, second=0, microsecond=0),
        (day + dt.timedelta(days=1)).replace(minute=0, second=0, microsecond=0),
        WINDOW,
        chunk=2,
    )
    assert _rollups(net) == incremental


_SALES: list[str] = []


def test_days_are_the_network_days_across_a_dst_change(net: Network) -> None:
    # New York left DST on 2026-11-01 at 06:00 UTC: that day has 25 hours.
    hashes = [net.click() for _ in range(4)]
    times = [
        dt.datetime(2026, 11, 1, 3, 59, tzinfo=dt.UTC),  # 31 Oct 23:59 EDT
        dt.datetime(2026, 11, 1, 4, 0, tzinfo=dt.UTC),  # 1 Nov 00:00 EDT
        dt.datetime(2026, 11, 2, 4, 59, tzinfo=dt.UTC),  # 1 Nov 23:59 EST (25th hour)
        dt.datetime(2026, 11, 2, 5, 0, tzinfo=dt.UTC),  # 2 Nov 00:00 EST
    ]
    with net.services.db.transaction(write=True) as conn:
        for h, when in zip(hashes, times, strict=True):
            conn.execute(update(clicks).where(clicks.c.click_hash == h).values(created_at=when))
    net.services.settings = net.services.settings.replace(timezone="America/New_York")
    # Unfolded; folded with the daily rows in UTC (so the hours are read); then in New York's
    # days, rebuilt from the hours when the zone changes, and read by day.
    for fold in (None, "UTC", "America/New_York"):
        if fold:
            job.fold_all(net.services.db, WINDOW, zone=fold)
            assert _daily(net) == _hours_by_day(net, fold)
        # Open ranges are grouped by hour and turned into days in Python; bounded ones in SQL
        # (PostgreSQL's AT TIME ZONE, or the zone's offsets over the range on SQLite).
        for bounds in ({"period": 7}, {"period": 8, "start": "2026-10-30", "end": "2026-11-03"}):
            body = net.api.get(PL, {**bounds, "view": "period"}).json()
            days = {k: v["raw_clicks"] for k, v in body.items() if k != "total"}
            assert days == {"2026-10-31": 1, "2026-11-01": 2, "2026-11-02": 1}, bounds
            body = net.api.get(PL, {**bounds, "view": "month"}).json()
            assert {k: v["raw_clicks"] for k, v in body.items() if k != "total"} == {
                "2026-10": 1,
                "2026-11": 3,
            }


def test_approvals_and_revenue_updates_of_folded_sales_stay_exact(
    api: ApiClient, services: Services
) -> None:
    net = build_network(
        api,
        services,
        pending_conversions="1",
        percentage_of_customer_conversion="50",
        flat_amount_per_conversion=None,
    )
    net.convert(subscription_id="P-1", orderid="P-1", amount="30.00")
    net.convert(subscription_id="P-2", orderid="P-2", amount="40.00")
    for fold_first in (True, False):
        if fold_first:
            job.fold_all(services.db, WINDOW)
        order = "P-1" if fold_first else "P-2"
        resp = api.post("/api/transaction/approve_pending_transaction", {"orderid": order})
        assert resp.status_code == 200, resp.text
        assert _reported(net) == {k: v for k, v in recount(net)[net.offer].items() if v}
    job.fold_all(services.db, WINDOW)
    for fold_first in (True, False):
        if fold_first:
            job.fold_all(services.db, WINDOW)
        resp = api.patch(
            "/api/transaction/transaction_update_revenue_by_orderid",
            {"orderid": "P-1" if fold_first else "P-2", "amount": "1250"},
        )
        assert resp.status_code == 200, resp.text
        expected = {k: v for k, v in recount(net)[net.offer].items() if v}
        assert _reported(net) == expected
        assert expected["income"] == 1250 + (4000 if fold_first else 1250)
    job.fold_all(services.db, WINDOW)
    incremental = _rollups(net)
    now = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    job.rebuild(services.db, now - dt.timedelta(days=1), now + dt.timedelta(days=1), WINDOW)
    assert _rollups(net) == incremental
    assert _daily(net) == _hours_by_day(net, "UTC")


def test_a_batch_summed_before_a_ledger_change_is_summed_again(
    api: ApiClient, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    if services.db.path is None:
        pytest.skip("PostgreSQL folds in one transaction holding the cursor row")
    net = build_network(api, services, pending_conversions="1")
    net.convert(subscription_id="Q-1", orderid="Q-1", amount="30.00")
    gather = repo.gather

    def approve_meanwhile(conn: Any, *args: Any) -> Any:
        gathered = gather(conn, *args)
        resp = api.post("/api/transaction/approve_pending_transaction", {"orderid": "Q-1"})
        assert resp.status_code == 200, resp.text
        return gathered

    monkeypatch.setattr(repo, "gather", approve_meanwhile)
    assert job.fold_once(services.db, WINDOW) == job.Folded()
    assert job.status(services.db).clicks_behind == 1
    monkeypatch.undo()
    job.fold_all(services.db, WINDOW)
    expected = {k: v for k, v in recount(net)[net.offer].items() if v}
    assert expected["income"] == 3000
    assert _reported(net) == expected


def test_whole_day_reads_take_the_daily_rows_and_hours_the_hourly(net: Network) -> None:
    net.click()
    job.fold_all(net.services.db, WINDOW)
    with net.services.db.transaction(write=True) as conn:
        conn.execute(
            update(stats_offer_daily).values(raw_clicks=stats_offer_daily.c.raw_clicks + 5)
        )
    by_day = net.api.get(PL, {"period": 8, "start": "2020-01-01", "view": "period"}).json()
    assert by_day["total"]["raw_clicks"] == 6
    by_hour = net.api.get(STATS, {"period": 7, "dims": "hour"}).json()
    assert by_hour["total"]["raw_clicks"] == 1
    net.click()  # the unfolded tail is added to the days
    assert net.api.get(PL, {"period": 7, "view": "offer"}).json()["total"]["raw_clicks"] == 7
