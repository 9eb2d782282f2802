"""GET /api/affiliate/search: accounts matching every filter sent, keyed by loginid."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, RowMapping

from trackpost.accounts import service as accounts
from trackpost.affiliates import repository as repo
from trackpost.affiliates.errors import InvalidTrackingCode
from trackpost.affiliates.schemas import SearchAffiliates
from trackpost.affiliates.service import resolve_ref
from trackpost.core.db import utcnow
from trackpost.core.errors import InvalidParameter
from trackpost.core.fields import cents_text, iso
from trackpost.reports import service as reports
from trackpost.tracking import service as tracking
from trackpost.tracking.linkcode import MalformedCode, decode

_FILTERS = (
    "loginid",
    "username",
    "email",
    "status",
    "inhouse",
    "payvia_type_id",
    "refid",
    "firstname",
    "lastname",
    "company",
    "city",
    "state",
    "country",
    "aim",
    "icq",
    "url",
    "address",
)
Stats = dict[str, int]
# The statistics filters: each keeps the accounts whose figure is below the value sent.
_STATS: dict[str, Callable[[Stats], int]] = {
    "raw_clicks": lambda s: s["raw_clicks"],
    "unq_clicks": lambda s: s["unq_clicks"],
    "join_count": lambda s: s.get("initial", 0),
    "continuity_count": lambda s: s.get("continuity", 0),
    "void_count": lambda s: s.get("void", 0),
    "ratio": lambda s: s["raw_clicks"] // s["initial"] if s.get("initial") else s["raw_clicks"],
    "total_earned": lambda s: s["earned"],
    "total": lambda s: s["revenue"],
}
_MAX_REFERRAL_DEPTH = 10


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def account_out(row: RowMapping) -> dict[str, Any]:
    """An account as the vendor's login row: ids and numbers as strings; never a password."""
    out: dict[str, Any] = {
        "loginid": str(row["loginid"]),
        "username": row["username"],
        "type": row["type"],
        "status": str(row["status"]),
        "email": row["email"],
    }
    for column in accounts.CONTACT_COLUMNS:
        out[column] = row[column]
    out.update(
        join_date=iso(row["join_date"]),
        inhouse="1" if row["inhouse"] else "0",
        payvia_type_id=_text(row["payvia_type_id"]),
        minimum_payout=cents_text(row["minimum_payout"]),
        refid=_text(row["ref_loginid"]),
        deleted="0",
    )
    return out


def _filters(conn: Connection, params: SearchAffiliates) -> dict[str, Any] | None:
    """The account filters; None when a filter can match no account at all."""
    filters = {k: getattr(params, k) for k in _FILTERS if getattr(params, k) is not None}
    if params.password is not None:
        if params.username is not None and params.username != params.password:
            raise InvalidParameter(
                "Parameters 'password' (the reference's misprint of username) and 'username' "
                "differ: send username alone."
            )
        filters["username"] = params.password
    if params.deleted or params.login_ip is not None or params.login_date is not None:
        return None  # no account is deleted, and no affiliate login is ever recorded
    if params.ref is not None:
        filters["refid"] = resolve_ref(conn, params.ref)
    if params.join_date is not None:
        filters["join_after" if params.join_range else "join_before"] = params.join_date
    if params.min_pay is not None:
        filters["min_pay_at_least" if params.pay_range else "min_pay_below"] = params.min_pay
    ids: set[int] | None = None
    if params.trackingcode is not None:
        try:
            ids = {decode(params.trackingcode.strip())[0].loginid}
        except MalformedCode as exc:
            raise InvalidTrackingCode(
                f"Parameter 'trackingcode' is not a tracking code: {exc}."
            ) from None
    if params.sales_rep is not None:
        managed = set(repo.managed_by(conn, params.sales_rep))
        ids = managed if ids is None else ids & managed
    if params.payvia_details is not None:
        owners = set(repo.payvia_detail_owners(conn, params.payvia_details))
        ids = owners if ids is None else ids & owners
    if ids is not None:
        if not ids:
            return None
        filters["loginids"] = sorted(ids)
    return filters


def _stats(
    conn: Connection, params: SearchAffiliates, ids: list[int], zone: dt.tzinfo
) -> dict[int, Stats]:
    lo, hi = reports.stats_range(
        params.stats_period, params.stats_start, params.stats_end, utcnow(), zone
    )
    totals = reports.affiliate_totals(conn, ids, lo, hi)
    clicks = tracking.click_counts(conn, ids, lo, hi)
    for loginid, entry in totals.items():
        entry["raw_clicks"], entry["unq_clicks"] = clicks.get(loginid, (0, 0))
    return totals


def _page(params: SearchAffiliates) -> int:
    if params.end is None:
        return params.count
    if params.end <= params.start:
        raise InvalidParameter("Parameter 'end' must be greater than 'start'.")
    return min(params.end - params.start, 1000)


def _referred_chain(conn: Connection, row: RowMapping) -> list[dict[str, str]]:
    """The referring affiliate, its own referrer, and so on (at most ten levels)."""
    chain: list[dict[str, str]] = []
    seen = {int(row["loginid"])}
    ref = row["ref_loginid"]
    while ref is not None and int(ref) not in seen and len(chain) < _MAX_REFERRAL_DEPTH:
        parent = accounts.get_login(conn, int(ref))
        if parent is None:
            break
        seen.add(int(ref))
        chain.append({"loginid": str(parent["loginid"]), "username": parent["username"]})
        ref = parent["ref_loginid"]
    return chain


def search(
    conn: Connection, params: SearchAffiliates, zone: dt.tzinfo = dt.UTC
) -> dict[str, dict[str, Any]]:
    """Matching accounts by loginid; statistics filters count the network's days (zone)."""
    filters = _filters(conn, params)
    if filters is None:
        return {}
    count = _page(params)
    wanted = {k: getattr(params, k) for k in _STATS if getattr(params, k) is not None}
    if wanted:
        # The statistics are per account: filter every match, then take the page.
        rows = accounts.search(conn, params.type, filters, params.name, params.orderby, 0, None)
        stats = _stats(conn, params, [int(r["loginid"]) for r in rows], zone)
        rows = [
            r
            for r in rows
            if all(_STATS[k](stats[int(r["loginid"])]) < v for k, v in wanted.items())
        ][params.start : params.start + count]
    else:
        rows = accounts.search(
            conn, params.type, filters, params.name, params.orderby, params.start, count
        )
    ids = [int(r["loginid"]) for r in rows]
    managers = repo.managers(conn, ids)
    payvia = repo.payvia_info(conn, ids) if params.return_payvia_info else {}
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        loginid = int(row["loginid"])
        entry = account_out(row)
        if row["type"] == "affiliate":
            entry["affiliate_managers"] = [str(m) for m in managers.get(loginid, [])]
        if params.return_payvia_info:
            entry["payvia_details"] = [{"field": f, "value": v} for f, v in payvia.get(loginid, [])]
        if params.return_referred_info:
            entry["referred_details"] = _referred_chain(conn, row)
        if params.return_referring_info:
            referred = accounts.search(
                conn, "affiliate", {"refid": loginid}, None, "loginid", 0, 1000
            )
            entry["referring_details"] = [
                {"loginid": str(r["loginid"]), "username": r["username"]} for r in referred
            ]
        out[str(loginid)] = entry
    return out
