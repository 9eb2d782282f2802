"""The transaction report: the vendor's filters and period codes, shaped like Offerit's example
(an object keyed by transaction id), money as decimal strings in the base currency."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, RowMapping

from trackpost.core.db import utcnow
from trackpost.core.errors import InvalidParameter
from trackpost.core.fields import cents_text
from trackpost.core.payperiods import bounds, parse_spec, previous
from trackpost.reports import repository as repo
from trackpost.reports.errors import AmbiguousOrderid
from trackpost.reports.periods import CURRENT, LAST, Range, period_range
from trackpost.reports.schemas import TransactionReport

_ID_FILTERS = {
    "filter_loginid": "loginid",
    "filter_campaignid": "campaignid",
    "filter_offerid": "offerid",
    "filter_landingpageid": "landingpageid",
    "filter_adtoolid": "adtoolid",
    "filter_programid": "programid",
    "filter_advertiserid": "advertiserid",
}
_TEXT_FILTERS = {
    "filter_external_clickid": "external_clickid",
    "filter_transaction_hash": "transaction_hash",
    "filter_orderid": "orderid",
}


def payout_ranges(
    conn: Connection, params: TransactionReport, now: dt.datetime, zone: dt.tzinfo = dt.UTC
) -> tuple[Range, Range] | None:
    """The current and previous payout period of the report's affiliate (or the default)."""
    if params.period not in (None, CURRENT, LAST) or params.start or params.end:
        return None
    affiliate = params.filter_affiliate
    loginid = params.filter_loginid
    if loginid is None and affiliate and affiliate.isascii() and affiliate.isdigit():
        loginid = int(affiliate)
    return payout_periods(conn, loginid, now, zone)


def payout_periods(
    conn: Connection, loginid: int | None, now: dt.datetime, zone: dt.tzinfo = dt.UTC
) -> tuple[Range, Range] | None:
    """The current and previous payout period of an account (None: the default period's);
    None when there is no payout period at all (codes 0 and 1 are then calendar months)."""
    text = repo.payout_spec(conn, loginid)
    if text is None:
        return None
    spec = parse_spec(text)
    current = bounds(spec, now, zone)
    return current, previous(spec, current[0], zone, 1)


def filters_of(
    params: TransactionReport,
    now: dt.datetime,
    payout: tuple[Range, Range] | None = None,
    zone: dt.tzinfo = dt.UTC,
) -> dict[str, Any]:
    """The report's filters as repository conditions; periods are the network's days (zone)."""
    lo, hi = period_range(params.period, params.start, params.end, now, payout, zone)
    out: dict[str, Any] = {}
    if lo is not None:
        out["from"] = lo
    if hi is not None:
        out["until"] = hi
    for param, name in _ID_FILTERS.items():
        value = getattr(params, param)
        if value is not None:
            out[name] = value
    for param, name in _TEXT_FILTERS.items():
        value = getattr(params, param)
        if value:
            out[name] = value
    affiliate = params.filter_affiliate
    if affiliate:
        if affiliate.isascii() and affiliate.isdigit():
            if "loginid" in out and out["loginid"] != int(affiliate):
                raise InvalidParameter(
                    "Parameters 'filter_affiliate' and 'filter_loginid' name different affiliates."
                )
            out["loginid"] = int(affiliate)
        else:
            out["affiliate_username"] = affiliate
    if params.filter_countryid:
        out["country"] = params.filter_countryid
    if params.no_inhouse:
        out["no_inhouse"] = True
    if params.trans_type:
        source, _, kind = params.trans_type.rpartition("_")
        out["kind"] = kind
        if source:
            out["source"] = source
    return out


def _payout(p: RowMapping) -> dict[str, Any]:
    """One payee's row as the lineage shows it; referral rows say their tier."""
    out = {
        "id": p["payoutid"],
        "type": p["kind"],
        "username": p["username"],
        "loginid": p["loginid"],
        "amount": cents_text(p["amount"]),
    }
    if p["kind"] == "referral":
        out["tier"] = p["tier"]
    return out


def _row(row: RowMapping, payees: list[RowMapping]) -> dict[str, Any]:
    payouts = [_payout(p) for p in payees]
    created: dt.datetime = row["created_at"]
    return {
        "time": int(created.timestamp()),
        "loginid": row["loginid"],
        "amount": cents_text(row["amount"]),
        "trans_type": f"{row['source']}_{row['trans_type']}",
        "status": row["status"],
        "transaction_hash": row["click_hash"],
        "orderid": row["orderid"],
        "external_clickid": row["ocid"],
        "offerid": row["offerid"],
        "landing_pageid": row["landing_pageid"],
        "customer_id": row["customer_id"],
        "parent_transactionid": row["parent_transactionid"],
        "chargeback_cost": cents_text(row["chargeback_cost"]),
        "total_payout": cents_text(row["total_payout"]),
        "payouts": payouts,
        **{f"trans_custom{n}": row[f"trans_custom{n}"] for n in range(1, 6)},
        **{f"subaff{n}": row[f"subaff{n}"] for n in range(1, 6)},
        "advertiserid": row["advertiserid"],
        "advertiser_username": row["advertiser_username"],
        "customer_name": _name(row["customer_firstname"], row["customer_lastname"]),
        "customer_username": row["customer_username"],
    }


def _name(first: str | None, last: str | None) -> str | None:
    """The customer's first and last names as one, or None when it has neither."""
    return " ".join(p for p in (first, last) if p) or None


def affiliate_net(
    conn: Connection, params: TransactionReport, zone: dt.tzinfo = dt.UTC
) -> int | None:
    """With one affiliate named by loginid: its net payout over the period (every payout row it
    has on counted events, chargeback fees included); else None."""
    now = utcnow()
    filters = filters_of(params, now, payout_ranges(conn, params, now, zone), zone)
    loginid = filters.get("loginid")
    return None if loginid is None else repo.payee_net(conn, int(loginid), filters)


def _check_order_scope(conn: Connection, filters: dict[str, Any]) -> None:
    """An orderid several advertisers hold is one order only with an advertiser or offer named."""
    orderid = filters.get("orderid")
    if orderid is None or "advertiserid" in filters or "offerid" in filters:
        return
    held = repo.order_holders(conn, orderid)
    if held > 1:
        raise AmbiguousOrderid(
            f"filter_orderid {orderid[:128]!r} is held by {held} advertisers (orderids are unique "
            "per advertiser); add filter_advertiserid (or filter_offerid) to say whose order."
        )


def transaction_report(
    conn: Connection, params: TransactionReport, zone: dt.tzinfo = dt.UTC
) -> tuple[int, dict[str, dict[str, Any]]]:
    """(how many match, the page of rows keyed by transaction id); days are zone's."""
    now = utcnow()
    filters = filters_of(params, now, payout_ranges(conn, params, now, zone), zone)
    if filters.pop("nothing", False):
        return 0, {}
    _check_order_scope(conn, filters)
    total, rows = repo.report(conn, filters, params.trans_start, params.trans_count)
    payees = repo.payouts(conn, [int(r["transactionid"]) for r in rows])
    return total, {
        str(r["transactionid"]): _row(r, payees.get(r["transactionid"], [])) for r in rows
    }


# Far bounds for "no bound": every stored time lies between them (core.fields' date range).
_EARLIEST = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
_LATEST = dt.datetime(3000, 1, 1, tzinfo=dt.UTC)


def stats_range(
    period: int | None,
    start: str | None,
    end: str | None,
    now: dt.datetime,
    zone: dt.tzinfo = dt.UTC,
) -> tuple[dt.datetime, dt.datetime]:
    """A period code (or start/end) as a closed-open UTC range; no period means all time."""
    code = 7 if period is None and not (start or end) else period
    lo, hi = period_range(code, start, end, now, zone=zone)
    return lo or _EARLIEST, hi or _LATEST


def affiliate_totals(
    conn: Connection, loginids: list[int], lo: dt.datetime, hi: dt.datetime
) -> dict[int, dict[str, int]]:
    """Per affiliate: counts by kind (initial, continuity, void...), revenue and earnings (cents)."""
    out: dict[int, dict[str, int]] = {i: {"revenue": 0, "earned": 0} for i in loginids}
    for row in repo.affiliate_totals(conn, loginids, lo, hi) if loginids else []:
        entry = out[int(row["loginid"])]
        entry[row["trans_type"]] = entry.get(row["trans_type"], 0) + int(row["n"])
        entry["revenue"] += int(row["revenue"] or 0)
        entry["earned"] += int(row["earned"] or 0)
    return out
