"""Building linkcodes for an affiliate (get_single_link, get_links) and decoding them back."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, RowMapping

from trackpost.affiliates.errors import AffiliateNotFound
from trackpost.core.errors import LandingPageNotFound
from trackpost.core.fields import payout_text
from trackpost.offers.errors import OfferNotFound
from trackpost.tracking import repository as repo
from trackpost.tracking.errors import InvalidTrackingCode
from trackpost.tracking.linkcode import FIELDS, MalformedCode, TrackingCode, decode
from trackpost.tracking.schemas import LinkParams, Links

# Kept verbatim in links: traffic sources replace placeholders such as {clickid} themselves.
_QUERY_SAFE = "{}"


def _flag(value: object) -> str:
    return "1" if value else "0"


def link_query(params: LinkParams) -> str:
    """The affiliate's extras, in the vendor's names and order, URL-encoded."""
    pairs = [
        ("subaff", params.subaff if params.subaff is not None else params.subaff1),
        ("subaff2", params.subaff2),
        ("subaff3", params.subaff3),
        ("subaff4", params.subaff4),
        ("subaff5", params.subaff5),
        ("subids", params.subids),
        ("_ocid", params.ocid),
    ]
    return "&".join(f"{k}={quote(v, safe=_QUERY_SAFE)}" for k, v in pairs if v)


def _render(params: LinkParams, code: TrackingCode, base_url: str, domain: str | None) -> str:
    text = code.render(params.style)
    if params.code_only:
        return text
    query = link_query(params)
    url = f"{(domain or base_url).rstrip('/')}/track/{text}"
    return f"{url}?{query}" if query else url


def _check_affiliate(conn: Connection, loginid: int) -> None:
    aff = repo.affiliate(conn, loginid)
    if aff is None or aff["type"] != "affiliate":
        raise AffiliateNotFound(f"No affiliate with loginid {loginid}.")


def single_link(conn: Connection, params: LinkParams, base_url: str) -> str:
    """The affiliate's link to one offer: its chosen landing page, or the offer's default one."""
    _check_affiliate(conn, params.loginid)
    row: RowMapping | None
    if params.landing_pageid is not None:
        row = repo.landing_page(conn, params.landing_pageid)
        if row is None or (params.offerid is not None and row["offerid"] != params.offerid):
            raise LandingPageNotFound(
                f"No landing page with landing_pageid {params.landing_pageid}"
                + (f" on offer {params.offerid}." if params.offerid is not None else ".")
            )
    elif params.offerid is not None:
        row = repo.default_landing_page(conn, params.offerid)
        if row is None:
            raise OfferNotFound(
                f"No offer with offerid {params.offerid} that has a landing page; "
                "add one with add_landing_page."
            )
    else:
        raise OfferNotFound("Send offerid (or landing_pageid) to say which offer the link is for.")
    code = TrackingCode(
        loginid=params.loginid,
        offerid=int(row["offerid"]),
        landing_pageid=int(row["landing_pageid"]),
    )
    return _render(params, code, base_url, row["tracking_domain"])


def _tristate(level: int, hidden_only: int) -> bool | None:
    """The vendor's 0/1/2 choice: visible only, hidden only, all."""
    return None if level == 2 else (level == hidden_only)


def links(conn: Connection, params: Links, base_url: str) -> dict[str, dict[str, Any]]:
    """Every link of the affiliate, one per landing page, keyed by landing_pageid."""
    _check_affiliate(conn, params.loginid)
    rows = repo.landing_pages_for_links(
        conn,
        params.offerid,
        params.landing_pageid,
        private=_tristate(params.get_hidden, 1),
        hidden_offers=_tristate(params.get_hidden_offers, 1),
    )
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        code = TrackingCode(
            loginid=params.loginid,
            offerid=int(row["offerid"]),
            landing_pageid=int(row["landing_pageid"]),
        )
        entry: dict[str, Any] = {
            "offerid": str(row["offerid"]),
            "offer_name": row["offer_name"],
            "landing_pageid": str(row["landing_pageid"]),
            "landing_page_name": row["name"],
            "link": _render(params, code, base_url, row["tracking_domain"]),
        }
        if params.get_advertiser:
            entry["advertiserid"] = str(row["advertiserid"])
            entry["advertiser_username"] = row["advertiser_username"]
        if params.get_commission:
            parts = [
                payout_text("conversion", row["conversion_payout_type"], row["conversion_payout"]),
                payout_text("continuity", row["continuity_payout_type"], row["continuity_payout"]),
            ]
            entry["commission"] = ", ".join(p for p in parts if p) or "none"
        if params.get_countries:
            # No country restrictions exist yet: every country is authorized.
            entry["countries"] = {"authorized": ["All"], "unauthorized": []}
        out[str(row["landing_pageid"])] = entry
    return out


def decode_code(conn: Connection, ocode: str) -> dict[str, Any]:
    """The ids a code carries, plus what they point at now (null where nothing matches)."""
    try:
        code, unencoded = decode(ocode.strip())
    except MalformedCode as exc:
        raise InvalidTrackingCode(f"Parameter 'ocode' is not a tracking code: {exc}.") from None
    values = dict(zip(FIELDS, (str(getattr(code, f)) for f in FIELDS), strict=True))
    aff = repo.affiliate(conn, code.loginid)
    if code.landing_pageid:
        lp = repo.landing_page(conn, code.landing_pageid)
    elif code.offerid:
        lp = repo.default_landing_page(conn, code.offerid)
    else:
        lp = None
    login_details = None
    if aff is not None:
        login_details = {
            "loginid": str(aff["loginid"]),
            "inhouse": _flag(aff["inhouse"]),
            "username": aff["username"],
            "type": aff["type"],
            "status": str(aff["status"]),
            "deleted": "0",
            "affiliate_percentage_override": None,
        }
    lp_details = None
    if lp is not None:
        lp_details = {
            "landing_pageid": str(lp["landing_pageid"]),
            "offerid": str(lp["offerid"]),
            "name": lp["name"],
            "redirect_hash": lp["redirect_hash"],
            "disable_url_sanitization": _flag(lp["disable_url_sanitization"]),
            "disable_deep_linking": _flag(lp["disable_deep_linking"]),
            "third_party_partner_id": "0",
            "url": lp["url"],
        }
    return {
        "loginid": values["loginid"],
        "programid": values["programid"],
        "offerid": values["offerid"],
        "landing_pageid": values["landing_pageid"],
        "campaignid": values["campaignid"],
        "adtoolid": values["adtoolid"],
        "subid1": values["subid1"],
        "subid2": values["subid2"],
        "promotionalid": values["promotionalid"],
        "additional_trackingid": values["additional_trackingid"],
        "is_unencoded": _flag(unencoded),
        "old_code": "0",
        "inhouse": _flag(aff["inhouse"]) if aff is not None else "0",
        "affsubid": values["affsubid"],
        "affsource": values["affsource"],
        "tracked_details": {"login_details": login_details, "lp_details": lp_details},
    }
