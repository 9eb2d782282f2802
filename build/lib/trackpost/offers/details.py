"""get_details: offers found by the first selector sent, as rows of vendor-style columns."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Connection, RowMapping

from trackpost.accounts import service as accounts
from trackpost.core.db import utcnow
from trackpost.core.fields import cents_text, iso
from trackpost.offers import repository as repo
from trackpost.offers.errors import InvalidColumn
from trackpost.offers.schemas import OfferDetails
from trackpost.offers.service import commission_text

SELECTORS = ("offerid", "name", "name_like", "advertiserid", "advertiser_username")


def _flag(value: object) -> str:
    return "1" if value else "0"


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def offer_status(row: Mapping[str, Any], now: dt.datetime) -> str:
    """active, paused (or expired), or scheduled (not live yet)."""
    if not row["active"]:
        return "paused"
    if row["date_expire"] is not None and now >= row["date_expire"]:
        return "expired"
    if row["date_live"] is not None and now < row["date_live"]:
        return "scheduled"
    return "active"


def _ids(stored: str | None) -> list[str]:
    return stored.split(",") if stored else []


def _items(stored: str | None) -> list[str]:
    return stored.split("\n") if stored else []


def _payout_text(row: Mapping[str, Any]) -> str | None:
    """The default conversion payout as the vendor's column shows it: '5.00' or '30%'."""
    if row["conversion_payout_type"] == "percent":
        return f"{row['conversion_payout'] / 100:g}%"
    return cents_text(row["conversion_payout"])


def _payout(kind: str, want: str) -> Callable[[Mapping[str, Any]], str | None]:
    def get(row: Mapping[str, Any]) -> str | None:
        if row[f"{kind}_payout_type"] != want:
            return None
        return cents_text(row[f"{kind}_payout"])

    return get


# Column name -> how it is read from an offer row; the order is the response's order.
COLUMNS: dict[str, Callable[[Mapping[str, Any]], Any]] = {
    "offerid": lambda r: str(r["offerid"]),
    "name": lambda r: r["name"],
    "advertiserid": lambda r: str(r["advertiserid"]),
    "advertiser_username": lambda r: r["advertiser_username"],
    "offer_description": lambda r: r["offer_description"],
    "status": lambda r: offer_status(r, utcnow()),
    "active": lambda r: _flag(r["active"]),
    "hidden": lambda r: _flag(r["hidden"]),
    "featured": lambda r: _flag(r["featured"]),
    "date_added": lambda r: iso(r["created_at"]),
    "date_live": lambda r: iso(r["date_live"]),
    "date_expire": lambda r: iso(r["date_expire"]),
    "expire_url": lambda r: r["expire_url"],
    "expire_landing_pageid": lambda r: _text(r["expire_landing_pageid"]),
    "conversion": lambda r: cents_text(r["conversion_revenue"]),
    "continuity": lambda r: cents_text(r["continuity_revenue"]),
    "flat_amount_per_conversion": _payout("conversion", "flat"),
    "percentage_of_customer_conversion": _payout("conversion", "percent"),
    "flat_amount_per_continuity": _payout("continuity", "flat"),
    "percentage_of_customer_continuity": _payout("continuity", "percent"),
    "commission": commission_text,
    "pending_conversions": lambda r: _flag(r["pending_conversions"]),
    "no_personal_member_info": lambda r: _flag(r["no_personal_member_info"]),
    "ip_lookup": lambda r: _flag(r["ip_lookup"]),
    "ip_uniqueness_seconds": lambda r: _text(r["ip_uniqueness_seconds"]),
    "thumb_url": lambda r: r["thumb_url"],
    "force_url": lambda r: r["force_url"],
    "landing_pages": lambda r: {},  # filled from the landing page query
    # The vendor's names for trackpost's own values.
    "cost_flat": lambda r: cents_text(r["conversion_revenue"]),
    "cost_perc": lambda r: "0.00",
    "cost_type": lambda r: "flat",
    "approved": lambda r: _flag(not r["pending_conversions"]),
    "deleted": lambda r: "0",
    "expire_offer": lambda r: iso(r["date_expire"]),
    "conversion_type": lambda r: "post",  # the first landing page's, filled below
    "cookie_duration": lambda r: str(r["cookie_days"] * 86_400),
    "affiliate_payout": _payout_text,
    "commission_description": commission_text,
    # Stored and returned only: trackpost has no such concept yet.
    "groups": lambda r: _ids(r["offer_groups"]),
    "marketing_types": lambda r: _ids(r["marketing_types"]),
    "subject_lines": lambda r: _items(r["subject_lines"]),
    "from_addresses": lambda r: _items(r["from_addresses"]),
}
# Vendor columns for features trackpost does not have: each value says so truthfully (no cap,
# every country, no restriction, nothing to deduct), so a client reading them is not misled.
ABSENT_COLUMNS: dict[str, Any] = {
    "admin_threshold_email": None,
    "adv_cpm_click": "0.00",
    "allow_s2s_ip": "1",
    "allowed_hours": None,
    "allowed_states": None,
    "authorized_countries": ["All"],
    "authorized_countries_iso": ["All"],
    "categories": [],
    "conversion_cap": None,
    "conversion_trans_type": "initial",
    "created_by": None,
    "deduct_full_customer_commission": "0",
    "deduct_window": "0",
    "expire_program": None,
    "geoip_group_redirect": "0",
    "hide_payout_string": "0",
    "ip_conversion_group": None,
    "ip_conversion_limit": "0",
    "ip_conversion_limit_flag": "0",
    "min_deduct_date": None,
    "mobile_landing_page": None,
}


def _constant(value: Any) -> Callable[[Mapping[str, Any]], Any]:
    return lambda row: value


COLUMNS.update({name: _constant(value) for name, value in ABSENT_COLUMNS.items()})


def _columns(raw: str | None) -> list[str]:
    if raw is None or not raw.strip():
        return list(COLUMNS)
    wanted = [c.strip() for c in raw.split(",") if c.strip()]
    unknown = [c for c in wanted if c not in COLUMNS]
    if unknown:
        raise InvalidColumn(
            f"Parameter 'return_columns' names unknown columns: {', '.join(unknown)}; "
            f"known columns are {', '.join(COLUMNS)}."
        )
    return ["offerid", *[c for c in COLUMNS if c in wanted and c != "offerid"]]


def _like(fragment: str) -> str:
    escaped = fragment.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def get_details(
    conn: Connection, params: OfferDetails, cookie_days: int
) -> dict[str, dict[str, Any]]:
    """Offers keyed by offerid; only the first selector sent (in the vendor's order) is used.

    No selector answers nothing, as the vendor documents it (an empty object)."""
    columns = _columns(params.return_columns)
    selector = next((s for s in SELECTORS if getattr(params, s) is not None), None)
    if selector is None:
        return {}
    value: Any = getattr(params, selector)
    if selector == "offerid":
        value = list(value)
    elif selector == "name_like":
        value = _like(value)
    elif selector == "advertiser_username":
        # accounts keeps the usernames: this is the advertiserid of the account so named, if any.
        selector, value = "advertiserid", accounts.loginid_of(conn, value)
    rows: list[RowMapping] = []
    if value is not None:
        rows = repo.offer_details(conn, selector, value, params.start, params.count)
    names: dict[int, str] = {}
    if "advertiser_username" in columns:
        names = accounts.usernames(conn, {int(r["advertiserid"]) for r in rows})
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        values = {
            **row,
            "advertiser_username": names.get(int(row["advertiserid"])),
            "cookie_days": cookie_days,
        }
        out[str(row["offerid"])] = {c: COLUMNS[c](values) for c in columns}
    if ("landing_pages" in columns or "conversion_type" in columns) and rows:
        typed: set[str] = set()
        for lp in repo.landing_pages_of(conn, (int(r["offerid"]) for r in rows)):
            offer = out[str(lp["offerid"])]
            if "conversion_type" in columns and str(lp["offerid"]) not in typed:
                typed.add(str(lp["offerid"]))  # the offer's own is its first page's
                offer["conversion_type"] = lp["conversion_type"]
            if "landing_pages" in columns:
                offer["landing_pages"][str(lp["landing_pageid"])] = {
                    "landing_pageid": str(lp["landing_pageid"]),
                    "name": lp["name"],
                    "url": lp["url"],
                    "private": _flag(lp["private"]),
                    "conversion_type": lp["conversion_type"],
                }
    return out
