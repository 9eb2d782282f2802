"""Caps: the click gate, the booking counter, cap.reached, and the caps' administration."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection

from trackpost.caps import repository as repo
from trackpost.caps.rules import ADJUSTED_TYPES, BOOKED_TYPES, CLICK_TYPES, Cap, deltas
from trackpost.core.fields import cents_text, iso
from trackpost.events import service as events
from trackpost.tracking.cache import Overflow

REACHED = "cap.reached"


def amount_text(cap: Cap, value: int) -> str:
    """A count as digits; revenue in currency units ("500.00"), as the API answers money."""
    return str(cents_text(value)) if cap.cap_type == "revenue" else str(value)


def _reached(
    conn: Connection,
    cap: Cap,
    offerid: int,
    loginid: int | None,
    used: int,
    when: dt.datetime,
    window: dt.datetime | None = None,
) -> None:
    """Record cap.reached in the transaction of the click or booking that reached the cap."""
    payload = {
        "capid": cap.capid,
        "offerid": offerid,
        "cap_offerid": cap.offerid,
        "advertiserid": cap.advertiserid,
        "scope": cap.scope,
        "loginid": loginid if cap.scope != "all" else None,
        "type": cap.cap_type,
        "cap": amount_text(cap, cap.value),
        "usage": amount_text(cap, used),
        "duration": cap.duration,
        "window_start": iso(window or cap.window(when)),
        "reached_at": iso(when),
        "overflow": cap.overflow,
    }
    events.record(conn, events.Event(REACHED, payload))


def _overflow_of(cap: Cap) -> Overflow:
    if cap.overflow == "url":
        return Overflow(url=cap.redirect_url)
    return Overflow(offerid=cap.new_offerid, landing_pageid=cap.new_landing_pageid)


class CapGate:
    """The worker's click gate: offer -> its live caps, kept under the click cache's version.

    Every change to a cap (and to offers, whose advertiser an advertiser's cap follows) bumps
    the tracking version the click already reads, so the gate costs no read of its own, and an
    offer without caps costs one dictionary lookup.
    """

    def __init__(self) -> None:
        self.version = -1
        self._by_offer: dict[int, tuple[Cap, ...]] = {}

    def clear(self) -> None:
        self.version = -1
        self._by_offer = {}

    def _load(self, conn: Connection) -> None:
        found: dict[int, list[Cap]] = {}
        for row in repo.live_caps(conn):
            found.setdefault(int(row["target"]), []).append(Cap.of(row))
        self._by_offer = {
            offerid: tuple(sorted(caps, key=lambda c: c.capid)) for offerid, caps in found.items()
        }

    def caps_of(self, conn: Connection, version: int, offerid: int) -> tuple[Cap, ...]:
        """The offer's live caps (its own and its advertiser's) at the tracking version."""
        if version != self.version:
            self._load(conn)
            self.version = version
        return self._by_offer.get(offerid, ())

    def admit(
        self,
        conn: Connection,
        version: int,
        offerid: int,
        loginid: int,
        ip: str,
        now: dt.datetime,
    ) -> Overflow | None:
        """None: the click goes on (its click caps counted); else where it goes instead."""
        caps = self.caps_of(conn, version, offerid)
        if not caps:
            return None
        return admit(conn, caps, offerid, loginid, ip[:64], now)


def admit(
    conn: Connection,
    caps: tuple[Cap, ...],
    offerid: int,
    loginid: int,
    ip: str,
    now: dt.datetime,
) -> Overflow | None:
    """Booked caps are read; click caps take a unit under the counter row's lock."""
    live = [c for c in caps if c.applies(loginid, now)]
    for cap in live:
        if cap.cap_type not in BOOKED_TYPES or cap.overflow == "notify":
            continue
        if repo.used(conn, cap.capid, cap.window(now), cap.key(loginid)) >= cap.value:
            return _overflow_of(cap)
    taken: list[tuple[Cap, dt.datetime, int, bool]] = []
    reached: list[tuple[Cap, int]] = []
    for cap in live:
        if cap.cap_type not in CLICK_TYPES:
            continue
        window, key = cap.window(now), cap.key(loginid)
        visitor = False
        if cap.cap_type == "unique_clicks":
            if repo.used(conn, cap.capid, window, key) >= cap.value:
                if cap.overflow == "notify":
                    continue
                _give_back(conn, taken, ip)
                return _overflow_of(cap)
            if not repo.new_visitor(conn, cap.capid, window, key, ip):
                continue  # a repeat visitor: not a unique click, nothing to count
            visitor = True
        got = repo.take(conn, cap.capid, window, key, cap.value, now)
        if got is None:
            if visitor:
                repo.forget_visitor(conn, cap.capid, window, key, ip)
            if cap.overflow == "notify":
                continue
            _give_back(conn, taken, ip)
            return _overflow_of(cap)
        taken.append((cap, window, key, visitor))
        if got[1]:
            reached.append((cap, got[0]))
    for cap, used in reached:
        _reached(conn, cap, offerid, loginid, used, now)
    return None


def _give_back(conn: Connection, taken: list[tuple[Cap, dt.datetime, int, bool]], ip: str) -> None:
    """Another cap overflowed the click: the units it took from earlier caps return."""
    for cap, window, key, visitor in taken:
        repo.undo(conn, cap.capid, window, key)
        if visitor:
            repo.forget_visitor(conn, cap.capid, window, key, ip)


def count_booking(conn: Connection, tid: int, row: Mapping[str, Any], now: dt.datetime) -> None:
    """Count a new ledger row toward its offer's booked caps, in the booking's transaction.

    Always counted, never refused: a conversion after the cap is recorded and paid; the cap
    acts on the next click. A row that adjusts another (refund, void, chargeback, reversal)
    moves the counters its sale counted in, in the sale's window (`adjust`).
    """
    offerid = row.get("offerid")
    if offerid is None:
        return
    loginid = row.get("loginid")
    parent = row.get("parent_transactionid")
    if parent is not None:
        adjust(conn, int(parent), int(offerid), loginid, deltas(row), now)
        return
    # A post that read the tracking version with its click brings the worker's cached caps of
    # the offer (`_caps`): an offer without caps then costs no statement here, nor any work.
    known: tuple[Cap, ...] | None = row.get("_caps")
    if known is None:
        known = tuple(Cap.of(found) for found in repo.caps_for_booking(conn, int(offerid)))
    if not known:
        return
    changes = deltas(row)
    for cap in known:
        delta = changes.get(cap.cap_type, 0)
        # Revenue caps remember every sale, even one not counted yet (pending, or of no
        # amount): its approval or a new amount counts in the window it was booked in.
        later = cap.cap_type == "revenue" or (cap.cap_type in ADJUSTED_TYPES and delta != 0)
        if not (delta or later) or not cap.applies(loginid, now):
            continue
        window, key = cap.window(now), cap.key(loginid)
        if later:
            repo.remember(conn, tid, cap.capid, window, key)
        if delta:
            used, fresh = repo.add(conn, cap.capid, window, key, delta, cap.value, now)
            if fresh and used - delta < cap.value:
                _reached(conn, cap, int(offerid), loginid, used, now)


def adjust(
    conn: Connection,
    tid: int,
    offerid: int,
    loginid: int | None,
    changes: Mapping[str, int],
    now: dt.datetime,
) -> None:
    """Ledger row `tid` changed by `changes` (revenue in cents, net conversions): each cap
    that counted it moves the counter it counted in, in that window (docs/caps.md).

    Only rows counted by a revenue or net-conversions cap are remembered, so a change of a
    row on an offer without such caps costs one indexed read.
    """
    if not any(changes.values()):
        return
    for found in repo.counted(conn, tid):
        cap = Cap.of(found)
        delta = changes.get(cap.cap_type, 0)
        if not delta:
            continue
        window, key = found["counted_window"], int(found["counted_key"])
        used, fresh = repo.add(conn, cap.capid, window, key, delta, cap.value, now)
        live = found["enabled"] and not found["deleted"] and window == cap.window(now)
        if fresh and used - delta < cap.value and live:
            _reached(conn, cap, offerid, loginid, used, now, window)
