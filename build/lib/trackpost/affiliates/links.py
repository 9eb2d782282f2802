"""Building linkcodes for an affiliate (get_single_link, get_links) and decoding them back."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection

from trackpost.accounts import service as accounts
from trackpost.affiliates.errors import InvalidTrackingCode, LandingPagePrivate
from trackpost.affiliates.schemas import LinkParams, Links
from trackpost.affiliates.service import affiliate
from trackpost.core.fields import aliased
from trackpost.offers import access
from trackpost.offers import service as offers
from trackpost.tracking.linkcode import FIELDS, MalformedCode, TrackingCode, decode

# Kept verbatim in links: traffic sources replace placeholders such as {clickid} themselves.
_QUERY_SAFE = "{}"


def _flag(value: object) -> str:
    return "1" if value else "0"


def link_query(params: LinkParams) -> str:
    """The affiliate's extras, in the vendor's names and order, URL-encoded."""
    pairs = [
        ("subaff", aliased("subaff", params.subaff, "subaff1", params.subaff1)),
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


def single_link(conn: Connection, params: LinkParams, base_url: str) -> str:
    """The affiliate's link to one offer: its chosen landing page, or the offer's default one."""
    affiliate(conn, params.loginid)
    row = offers.link_page(conn, params.offerid, params.landing_pageid)
    lp_id = int(row["landing_pageid"])
    override = offers.enabled_override(conn, lp_id, params.loginid)
    if not access.may_use(row, None if override is None else (override, None)):
        raise LandingPagePrivate(
            f"Landing page {lp_id} is private and affiliate {params.loginid} is not enabled "
            "for it (set_enabled_affiliates)."
        )
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
    affiliate(conn, params.loginid)
    rows = offers.link_pages(
        conn,
        params.offerid,
        params.landing_pageid,
        private=_tristate(params.get_hidden, 1),
        hidden_offers=_tristate(params.get_hidden_offers, 1),
    )
    overrides = access.access_of(conn, params.loginid)
    names: dict[int, str] = {}
    if params.get_advertiser:
        names = accounts.usernames(conn, {int(row["advertiserid"]) for row in rows})
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        override = overrides.get(int(row["landing_pageid"]))
        usable = access.may_use(row, override)
        if not usable and not access.requestable(row, override):
            continue  # a private page the affiliate may neither use nor request
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
            # A requestable page is listed without a link until the affiliate is enabled.
            "link": _render(params, code, base_url, row["tracking_domain"]) if usable else None,
            "requestable": "0" if usable else "1",
        }
        if params.get_advertiser:
            entry["advertiserid"] = str(row["advertiserid"])
            entry["advertiser_username"] = names.get(int(row["advertiserid"]))
        if params.get_commission:
            entry["commission"] = offers.commission_text(row)
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
    aff = accounts.get_login(conn, code.loginid)
    lp = offers.code_page(conn, code.offerid, code.landing_pageid)
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
