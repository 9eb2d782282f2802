"""Offer endpoints: offers, landing pages, tracking domains, at the vendor's paths."""

from __future__ import annotations

from typing import Any

from trackpost.accounts.schemas import SUCCESS_ONLY
from trackpost.core.http import RequestContext, Router, created_links
from trackpost.offers import access, details, service
from trackpost.offers.access_schemas import (
    ACCESS_RESPONSE,
    STORE_IPS_RESPONSE,
    SetEnabledAffiliates,
    StoreOfferIps,
)
from trackpost.offers.schemas import (
    ADD_LANDING_PAGE_RESPONSE,
    ADD_OFFER_RESPONSE,
    DETAILS_RESPONSE,
    MESSAGE_RESPONSE,
    AddLandingPage,
    AddOffer,
    AddTrackingDomain,
    EditLandingPage,
    EditOffer,
    OfferDetails,
    OfferId,
    PauseOffer,
)

router = Router("offer")
SUCCESS = [{"result": "Success"}]


@router.route(
    "POST",
    "/api/offer/add_offer",
    params=AddOffer,
    summary="Create an offer with its default revenue and affiliate payout",
    response=ADD_OFFER_RESPONSE,
    example=[{"result": "Success", "message": {"offerid": "12"}}],
    errors=(404,),
    links=created_links(
        "offerid",
        "PATCH /api/offer/edit_offer",
        "PATCH /api/offer/activate_offer",
        "PATCH /api/offer/pause_offer",
        "POST /api/offer/add_landing_page",
    ),
)
def add_offer(ctx: RequestContext, params: AddOffer) -> list[dict[str, Any]]:
    """Money in the base currency (12.50); a payout is a flat amount or a percentage."""
    offerid = service.add_offer(ctx.conn, params)
    return [{"result": "Success", "message": {"offerid": str(offerid)}}]


@router.route(
    "PATCH",
    "/api/offer/edit_offer",
    params=EditOffer,
    summary="Change an offer's settings",
    response=SUCCESS_ONLY,
    example=SUCCESS,
    errors=(404,),
)
def edit_offer(ctx: RequestContext, params: EditOffer) -> list[dict[str, str]]:
    """Only the parameters sent change; blank URLs and expire_landing_pageid=0 clear."""
    service.edit_offer(ctx.conn, params)
    return SUCCESS


@router.route(
    "GET",
    "/api/offer/get_details",
    params=OfferDetails,
    summary="Offers by id, name, name fragment or advertiser",
    response=DETAILS_RESPONSE,
    errors=(404,),
)
def get_details(ctx: RequestContext, params: OfferDetails) -> dict[str, Any]:
    """The first of offerid, name, name_like, advertiserid, advertiser_username sent is used;
    none answers an empty message, as the vendor documents."""
    days = ctx.services.settings.click_cookie_days
    return {"result": "Success", "message": details.get_details(ctx.conn, params, days)}


@router.route(
    "PATCH",
    "/api/offer/activate_offer",
    params=OfferId,
    summary="Re-activate a paused or expired offer",
    response=MESSAGE_RESPONSE,
    example={"result": "success", "message": "Offer activated."},
    errors=(404,),
)
def activate_offer(ctx: RequestContext, params: OfferId) -> dict[str, str]:
    """Clears the expiry date so clicks reach the landing pages again."""
    service.activate_offer(ctx.conn, params.offerid)
    return {"result": "success", "message": "Offer activated."}


@router.route(
    "PATCH",
    "/api/offer/pause_offer",
    params=PauseOffer,
    summary="Pause (expire) an offer and send its traffic elsewhere",
    response=MESSAGE_RESPONSE,
    example={"result": "success", "message": "Offer expired."},
    errors=(404,),
)
def pause_offer(ctx: RequestContext, params: PauseOffer) -> dict[str, str]:
    """Blank date_expire means now; expiration_landing_page_id wins over expire_url."""
    service.pause_offer(ctx.conn, params)
    return {"result": "success", "message": "Offer expired."}


@router.route(
    "POST",
    "/api/offer/add_landing_page",
    params=AddLandingPage,
    summary="Add a landing page (destination URL) to an offer",
    response=ADD_LANDING_PAGE_RESPONSE,
    example=[{"result": "Success", "message": {"landing_pageid": "7"}}],
    errors=(404,),
    links=created_links("landing_pageid", "PATCH /api/offer/edit_landing_page"),
)
def add_landing_page(ctx: RequestContext, params: AddLandingPage) -> list[dict[str, Any]]:
    """The URL may carry %%click_hash%%, %%aff_id%%, %%offer_id%% and the other macros."""
    lp_id = service.add_landing_page(ctx.conn, params)
    return [{"result": "Success", "message": {"landing_pageid": str(lp_id)}}]


@router.route(
    "PATCH",
    "/api/offer/edit_landing_page",
    params=EditLandingPage,
    summary="Change a landing page",
    response=SUCCESS_ONLY,
    example=SUCCESS,
    errors=(404,),
)
def edit_landing_page(ctx: RequestContext, params: EditLandingPage) -> list[dict[str, str]]:
    """Only the parameters sent change."""
    service.edit_landing_page(ctx.conn, params)
    return SUCCESS


@router.route(
    "POST",
    "/api/offer/add_tracking_domain",
    params=AddTrackingDomain,
    summary="Add a tracking domain links can be built on",
    response=MESSAGE_RESPONSE,
    example={"result": "Success", "message": "Access modified"},
)
def add_tracking_domain(ctx: RequestContext, params: AddTrackingDomain) -> dict[str, str]:
    """Adding an existing domain updates its options; /track answers on any host anyway."""
    service.add_tracking_domain(ctx.conn, params)
    return {"result": "Success", "message": "Access modified"}


# The vendor's activate and pause pages head their examples GET while the tables say PATCH.
for _path in ("/api/offer/activate_offer", "/api/offer/pause_offer"):
    router.alias("GET", _path, of=f"PATCH {_path}")


@router.route(
    "PATCH",
    "/api/offer/set_enabled_affiliates",
    params=SetEnabledAffiliates,
    summary="Let affiliates use (or not) landing pages, whatever their private setting",
    description="A private landing page takes clicks only from affiliates enabled for it, and "
    "get_links lists it only to them (or, when requestable, as requestable without a link); "
    "disable shuts a public page to the affiliates named. Selectors are evaluated in the "
    "vendor's order: all_landers, landing_pageids, offerids, advertiser_ids (the first sent "
    "wins), narrowed by offer_name_like, landing_page_name_like and url_like. all_users means "
    "every affiliate that exists now.",
    response=ACCESS_RESPONSE,
    example={"result": "Success", "message": {"landing_pageids": ["7"], "loginids": ["12"]}},
    errors=(400,),
)
def set_enabled_affiliates(ctx: RequestContext, params: SetEnabledAffiliates) -> dict[str, Any]:
    """The answer names the landers and affiliates written."""
    return {"result": "Success", "message": access.set_enabled_affiliates(ctx.conn, params)}


@router.route(
    "PATCH",
    "/api/offer/store_offer_ips",
    params=StoreOfferIps,
    summary="Set the postback and void IP lists of many landing pages at once",
    description="ips[postback_ips] and ips[void_ips] (CSV or array; REMOVE empties a list) are "
    "written to every landing page of the targets: targets[landing_pageids], "
    "targets[offerids] and targets[advertiserids] (offers and advertisers fan out to all "
    "their pages). ips[hostnpost_ips] is 400 not_supported (no host-and-post endpoint).",
    response=STORE_IPS_RESPONSE,
    example={
        "result": "Success",
        "message": {"7": {"postback_ips": {"203.0.113.7": True}, "void_ips": {}}},
    },
    errors=(400,),
)
def store_offer_ips(ctx: RequestContext, params: StoreOfferIps) -> dict[str, Any]:
    """Each landing page's lists as written, keyed by landing_pageid."""
    return {"result": "Success", "message": access.store_offer_ips(ctx.conn, params)}
