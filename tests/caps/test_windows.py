"""Counters start again in each window, and cap.reached is told once per counter per window."""

from __future__ import annotations

import datetime as dt

from tests.caps.support import add_cap, reached_events
from tests.postbacks.network import Network
from trackpost.caps import service
from trackpost.caps.rules import Cap
from trackpost.caps.service import CapGate

DAY1 = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)
DAY2 = DAY1 + dt.timedelta(days=1)


def _admit(net: Network, now: dt.datetime, loginid: int | None = None) -> bool:
    """One click's pass through the gate at `now`, committed; True when it was let through."""
    gate = CapGate()
    with net.services.db.transaction(write=True) as conn:
        version = 10**9  # any version: the gate loads the caps once
        over = gate.admit(conn, version, net.offer, loginid or net.affiliate, "10.1.1.1", now)
    return over is None


def test_each_window_counts_from_zero_and_tells_once(net: Network) -> None:
    add_cap(net, cap="2", type="Clicks", duration="Day")
    assert [_admit(net, DAY1) for _ in range(4)] == [True, True, False, False]
    assert len(reached_events(net)) == 1
    # The next day is a new window: two more pass, and the cap is told again, once.
    assert [_admit(net, DAY2) for _ in range(3)] == [True, True, False]
    windows = [e["window_start"] for e in reached_events(net)]
    assert windows == ["2026-12-07T00:00:00+00:00", "2026-12-08T00:00:00+00:00"]


def test_bookings_count_in_the_window_they_are_booked(net: Network) -> None:
    capid = add_cap(net, cap="1", type="Conversions", duration="Hour")
    row = {"trans_type": "initial", "amount": 995, "offerid": net.offer, "loginid": net.affiliate}
    with net.services.db.transaction(write=True) as conn:
        service.count_booking(conn, 1, row, DAY1)
        service.count_booking(conn, 2, row, DAY1 + dt.timedelta(minutes=5))
        service.count_booking(conn, 3, row, DAY1 + dt.timedelta(hours=1))
    told = reached_events(net)
    assert [(e["capid"], e["usage"], e["window_start"]) for e in told] == [
        (capid, "1", "2026-12-07T10:00:00+00:00"),
        (capid, "1", "2026-12-07T11:00:00+00:00"),
    ]
    # At 10:30 the hour's cap is full (2 booked); at 12:00 a new hour has room.
    assert not _admit(net, DAY1 + dt.timedelta(minutes=30))
    assert _admit(net, DAY1 + dt.timedelta(hours=2))


def test_an_each_conversion_cap_counts_per_affiliate(net: Network) -> None:
    add_cap(net, cap="1", type="Conversions", loginid="each")
    other = net.affiliate + 1000
    row = {"trans_type": "initial", "amount": 995, "offerid": net.offer, "loginid": net.affiliate}
    with net.services.db.transaction(write=True) as conn:
        service.count_booking(conn, 1, row, DAY1)
    assert not _admit(net, DAY1)
    assert _admit(net, DAY1, loginid=other)


def test_cap_rows_round_trip() -> None:
    row = {
        "capid": 1,
        "offerid": 2,
        "advertiserid": None,
        "affiliate_scope": "one",
        "loginid": 7,
        "cap_type": "clicks",
        "cap_value": 5,
        "duration": "week",
        "timeframe": "weekends",
        "zone": "Europe/Paris",
        "start_at": None,
        "end_at": DAY2,
        "overflow": "notify",
        "new_offerid": None,
        "new_landing_pageid": None,
        "redirect_url": None,
    }
    cap = Cap.of(row)
    assert cap.key(7) == 0  # one affiliate's cap has one counter
    assert not cap.applies(8, DAY1)  # another affiliate's traffic is not capped
    assert not cap.applies(7, DAY2)  # ended
