"""Offers and landing pages: defaults, availability, and the cache version every change bumps."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, RowMapping

from trackpost.accounts import service as accounts
from trackpost.core.db import utcnow
from trackpost.core.errors import (
    AdvertiserNotFound,
    InvalidParameter,
    LandingPageNotFound,
    NotSupported,
)
from trackpost.core.fields import CLEAR, payout_text
from trackpost.offers import repository as repo
from trackpost.offers.errors import ConflictingPayout, OfferNotFound, TrackingDomainNotFound
from trackpost.offers.schemas import (
    AddLandingPage,
    AddOffer,
    AddTrackingDomain,
    EditLandingPage,
    EditOffer,
    LandingPageFields,
    OfferFields,
    PauseOffer,
)
from trackpost.tracking import service as tracking

_PLAIN_OFFER_FIELDS = (
    "offer_description",
    "hidden",
    "featured",
    "date_live",
    "date_expire",
    "no_personal_member_info",
    "ip_lookup",
    "ip_uniqueness_seconds",
    "pending_conversions",
    "offer_groups",
    "marketing_types",
    "subject_lines",
    "from_addresses",
)
_URL_FIELDS = ("expire_url", "thumb_url", "force_url")
_PAYOUTS = {
    "conversion": ("flat_amount_per_conversion", "percentage_of_customer_conversion"),
    "continuity": ("flat_amount_per_continuity", "percentage_of_customer_continuity"),
}
_PLAIN_LP_FIELDS = (
    "description",
    "internal_desc",
    "language",
    "conversion_type",
    "postback_ips",
    "hostnpost_ips",
    "void_ips",
    "private",
    "requestable",
    "redirect_hash",
    "disable_url_sanitization",
    "disable_deep_linking",
)


def _check_advertiser(conn: Connection, advertiserid: int) -> None:
    if accounts.account_type(conn, advertiserid) != "advertiser":
        raise AdvertiserNotFound(f"No advertiser with loginid {advertiserid} (advertiserid).")


def _check_landing_page(conn: Connection, landing_pageid: int, name: str) -> None:
    if repo.get_landing_page(conn, landing_pageid) is None:
        raise LandingPageNotFound(f"No landing page with id {landing_pageid} ({name}).")


def _offer_values(conn: Connection, params: OfferFields) -> dict[str, Any]:
    """Column values for the parameters that were sent; blank URLs and a 0 id clear."""
    sent = params.model_fields_set
    values: dict[str, Any] = {k: getattr(params, k) for k in _PLAIN_OFFER_FIELDS if k in sent}
    for key in _URL_FIELDS:
        if key in sent:
            values[key] = getattr(params, key) or None
    if "expire_landing_pageid" in sent:
        lp_id = params.expire_landing_pageid or None
        if lp_id is not None:
            _check_landing_page(conn, lp_id, "expire_landing_pageid")
        values["expire_landing_pageid"] = lp_id
    for key in ("offer_groups", "marketing_types", "subject_lines", "from_addresses"):
        if key in values:
            values[key] = values[key] or None  # REMOVE (or 0) cleared it
    _check_cost(params)
    if "conversion" in sent:
        values["conversion_revenue"] = params.conversion
    elif "cost_flat" in sent:
        values["conversion_revenue"] = params.cost_flat
    if "continuity" in sent:
        values["continuity_revenue"] = params.continuity
    for kind, (flat_name, pct_name) in _PAYOUTS.items():
        if flat_name in sent and pct_name in sent:
            raise ConflictingPayout(
                f"Send either '{flat_name}' or '{pct_name}', not both: the default {kind} "
                "payout is a flat amount or a percentage."
            )
        if flat_name in sent:
            values[f"{kind}_payout_type"] = "flat"
            values[f"{kind}_payout"] = getattr(params, flat_name)
        elif pct_name in sent:
            values[f"{kind}_payout_type"] = "percent"
            values[f"{kind}_payout"] = getattr(params, pct_name)
    return values


def _check_cost(params: OfferFields) -> None:
    """The vendor's revenue columns: cost_flat is 'conversion'; a percentage revenue is refused."""
    sent = params.model_fields_set
    if "cost_flat" in sent and "conversion" in sent and params.cost_flat != params.conversion:
        raise ConflictingPayout(
            "Parameters 'cost_flat' and 'conversion' both set the revenue per conversion and "
            "differ: send one of them."
        )
    if params.cost_type not in (None, "flat"):
        raise NotSupported(
            f"Parameter 'cost_type' {params.cost_type!r} is not supported: trackpost computes "
            "flat revenue only (send the sale's amount in each postback)."
        )
    if params.cost_perc:
        raise NotSupported(
            "Parameter 'cost_perc' is not supported: trackpost computes no revenue as a "
            "percentage (send 0, or the sale's amount in each postback)."
        )


def _check_dates(live: dt.datetime | None, expire: dt.datetime | None) -> None:
    if live is not None and expire is not None and expire <= live:
        raise InvalidParameter("Parameter 'date_expire' must be later than 'date_live'.")


def add_offer(conn: Connection, params: AddOffer) -> int:
    """Create an offer (active); its landing pages come with add_landing_page."""
    if params.advertiserid is None:
        advertiserid = accounts.house_advertiser(conn)
    else:
        advertiserid = params.advertiserid
        _check_advertiser(conn, advertiserid)
    values = _offer_values(conn, params)
    _check_dates(values.get("date_live"), values.get("date_expire"))
    offerid = repo.insert_offer(
        conn, {**values, "name": params.name, "advertiserid": advertiserid, "active": True}
    )
    tracking.forget_cached(conn)
    return offerid


def check_offer(conn: Connection, offerid: int, name: str = "offerid") -> None:
    """404 offer_not_found naming the parameter when no offer has this id."""
    if repo.get_offer(conn, offerid, lock=False) is None:
        raise OfferNotFound(f"Parameter '{name}': no offer with offerid {offerid}.")


def converts_by_iframe(conn: Connection, offerid: int) -> bool:
    """Whether any landing page of the offer converts by iframe: only there may an affiliate's
    image and iframe pixels be rendered (the vendor's rule; server postbacks go anywhere)."""
    return any(lp["conversion_type"] == "iframe" for lp in repo.landing_pages_of(conn, [offerid]))


def _locked_offer(conn: Connection, offerid: int) -> RowMapping:
    offer = repo.get_offer(conn, offerid, lock=True)
    if offer is None:
        raise OfferNotFound(f"No offer with offerid {offerid}.")
    return offer


def offer(conn: Connection, offerid: int, *, lock: bool = False) -> RowMapping:
    """The offer, or 404 offer_not_found."""
    row = repo.get_offer(conn, offerid, lock=lock)
    if row is None:
        raise OfferNotFound(f"No offer with offerid {offerid}.")
    return row


def set_default_payouts(conn: Connection, offerid: int, payouts: Mapping[str, int]) -> None:
    """Change 0 of an offer: its default payouts, by their vendor names (cents, basis points)."""
    fields: dict[str, Any] = {"offerid": offerid, **payouts}
    params = EditOffer.model_construct(**fields)
    values = _offer_values(conn, params)
    if values:
        repo.update_offer(conn, offerid, values)
        tracking.forget_cached(conn)


def edit_offer(conn: Connection, params: EditOffer) -> None:
    offer = _locked_offer(conn, params.offerid)
    values = _offer_values(conn, params)
    if params.name is not None:
        values["name"] = params.name
    if params.advertiserid is not None:
        _check_advertiser(conn, params.advertiserid)
        values["advertiserid"] = params.advertiserid
    _check_dates(
        values.get("date_live", offer["date_live"]), values.get("date_expire", offer["date_expire"])
    )
    if values:
        repo.update_offer(conn, params.offerid, values)
        tracking.forget_cached(conn)


def activate_offer(conn: Connection, offerid: int) -> None:
    """Traffic flows to the landing pages again: active, with no expiry date."""
    _locked_offer(conn, offerid)
    repo.update_offer(conn, offerid, {"active": True, "date_expire": None})
    tracking.forget_cached(conn)


def pause_offer(conn: Connection, params: PauseOffer) -> None:
    """Expire the offer now (or at date_expire) and say where its traffic goes instead."""
    _locked_offer(conn, params.offerid)
    now = utcnow()
    when = params.date_expire or now
    values: dict[str, Any] = {"date_expire": when}
    if when <= now:
        values["active"] = False
    if params.expiration_landing_page_id is not None:
        _check_landing_page(conn, params.expiration_landing_page_id, "expiration_landing_page_id")
        values["expire_landing_pageid"] = params.expiration_landing_page_id
    elif "expire_url" in params.model_fields_set:
        # The URL only takes effect without an expiration landing page, which would win.
        values["expire_url"] = params.expire_url or None
        values["expire_landing_pageid"] = None
    repo.update_offer(conn, params.offerid, values)
    tracking.forget_cached(conn)


def normalise_domain(url: str) -> str:
    """A tracking domain as stored: scheme and host (and port), lower case, nothing else."""
    parts = urlsplit(url)
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise InvalidParameter(
            "Parameter 'domain' must be a scheme and host only, such as https://t.example.com."
        )
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def _check_lp_settings(params: LandingPageFields) -> None:
    """The landing page settings trackpost cannot enforce are refused, never kept unused."""
    if params.hostnpost_ips:
        raise NotSupported(
            "Parameter 'hostnpost_ips' is not supported: trackpost has no host-and-post "
            "endpoint for such a list to guard."
        )
    if params.disable_url_sanitization:
        raise NotSupported(
            "Parameter 'disable_url_sanitization' is not supported: trackpost always "
            "URL-encodes the values it fills into a landing page URL (send 0)."
        )
    if params.redirect_hash not in (None, CLEAR):
        raise NotSupported(
            "Parameter 'redirect_hash' is not supported: trackpost has no geo-redirects within "
            "offer groups for it to key."
        )


def _lp_values(conn: Connection, params: LandingPageFields) -> dict[str, Any]:
    _check_lp_settings(params)
    sent = params.model_fields_set
    values: dict[str, Any] = {k: getattr(params, k) for k in _PLAIN_LP_FIELDS if k in sent}
    if "redirect_hash" in values:
        values["redirect_hash"] = None  # only REMOVE gets here: it clears an old value
    for key in ("preview_url", "thumb_url", "force_url"):
        if key in sent:
            values[key] = getattr(params, key) or None
    if "tracking_domain" in sent:
        domain = (params.tracking_domain or "").strip()
        if domain == CLEAR:
            domain = ""
        if domain:
            domain = domain.lower().rstrip("/")
            if repo.get_domain(conn, domain) is None:
                raise TrackingDomainNotFound(
                    f"No tracking domain '{domain}'; add it first with add_tracking_domain."
                )
        values["tracking_domain"] = domain or None
    return values


def add_landing_page(conn: Connection, params: AddLandingPage) -> int:
    if repo.get_offer(conn, params.offerid) is None:
        raise OfferNotFound(f"No offer with offerid {params.offerid}.")
    values = _lp_values(conn, params)
    lp_id = repo.insert_landing_page(
        conn, {**values, "name": params.name, "offerid": params.offerid, "url": params.url}
    )
    tracking.forget_cached(conn)
    return lp_id


def edit_landing_page(conn: Connection, params: EditLandingPage) -> None:
    if repo.get_landing_page(conn, params.landing_pageid, lock=True) is None:
        raise LandingPageNotFound(f"No landing page with landing_pageid {params.landing_pageid}.")
    values = _lp_values(conn, params)
    if params.name is not None:
        values["name"] = params.name
    if params.url is not None:
        values["url"] = params.url
    if values:
        repo.update_landing_page(conn, params.landing_pageid, values)
        tracking.forget_cached(conn)


def add_tracking_domain(conn: Connection, params: AddTrackingDomain) -> None:
    """Add a domain links may be built on, or update its options when it exists."""
    domain = normalise_domain(params.domain)
    values = {"redirect_domain": params.redirect_domain or None}
    values_flag = {"template_protect": params.template_protect}
    if repo.get_domain(conn, domain) is None:
        repo.insert_domain(conn, {"domain": domain, **values, **values_flag})
    else:
        repo.update_domain(conn, domain, {**values, **values_flag})


def unrouted_answer(conn: Connection, host: str) -> tuple[str, str] | None:
    """What a tracking domain answers for a path that is no tracking link, as its options say:
    ("redirect", URL) for redirect_domain, ("protect", "") for template_protect, else None."""
    row = repo.domain_of_host(conn, host.strip().lower()[:255])
    if row is None:
        return None
    if row["redirect_domain"]:
        return "redirect", str(row["redirect_domain"])
    if row["template_protect"]:
        return "protect", ""
    return None


def commission_text(offer: Mapping[Any, Any]) -> str:
    """An offer's default payouts in words, e.g. '5.00 per conversion, 10% per continuity'."""
    parts = [
        payout_text("conversion", offer["conversion_payout_type"], offer["conversion_payout"]),
        payout_text("continuity", offer["continuity_payout_type"], offer["continuity_payout"]),
    ]
    return ", ".join(p for p in parts if p) or "none"


# Links are read with the click path's own statements, so that a link names the landing page a
# click on it reaches.
def link_page(conn: Connection, offerid: int | None, landing_pageid: int | None) -> RowMapping:
    """The page a new link points at: the one chosen (on that offer), or the offer's default."""
    if landing_pageid is not None:
        row = tracking.landing_page(conn, landing_pageid)
        if row is None or (offerid is not None and row["offerid"] != offerid):
            raise LandingPageNotFound(
                f"No landing page with landing_pageid {landing_pageid}"
                + (f" on offer {offerid}." if offerid is not None else ".")
            )
        return row
    if offerid is None:
        raise OfferNotFound("Send offerid (or landing_pageid) to say which offer the link is for.")
    row = tracking.default_landing_page(conn, offerid)
    if row is None:
        raise OfferNotFound(
            f"No offer with offerid {offerid} that has a landing page; "
            "add one with add_landing_page."
        )
    return row


def enabled_override(conn: Connection, landing_pageid: int, loginid: int) -> bool | None:
    """set_enabled_affiliates' word on an affiliate and a page (None: the page's setting)."""
    return tracking.enabled_override(conn, landing_pageid, loginid)


def code_page(conn: Connection, offerid: int, landing_pageid: int) -> RowMapping | None:
    """The page a tracking code names (0 is unused): its own page, else its offer's default."""
    if landing_pageid:
        return tracking.landing_page(conn, landing_pageid)
    if offerid:
        return tracking.default_landing_page(conn, offerid)
    return None


def link_pages(
    conn: Connection,
    offerid: int | None,
    landing_pageid: int | None,
    private: bool | None,
    hidden_offers: bool | None,
) -> list[RowMapping]:
    """Landing pages get_links builds links for; None means either value of a flag."""
    filters = {
        "offerid": offerid,
        "landing_pageid": landing_pageid,
        "private": private,
        "hidden": hidden_offers,
    }
    return repo.link_pages(conn, filters)
