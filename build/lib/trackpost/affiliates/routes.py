"""Affiliate account endpoints at the vendor's paths (the tracking links are in link_routes)."""

from __future__ import annotations

from typing import Any

from trackpost.accounts.schemas import SUCCESS_LOGINID, SUCCESS_ONLY
from trackpost.affiliates import search, service
from trackpost.affiliates.schemas import (
    PAYVIA_RESPONSE,
    SEARCH_RESPONSE,
    AddAffiliate,
    EditAffiliate,
    SearchAffiliates,
    SetPayvia,
)
from trackpost.core.http import RequestContext, Router, created_links

router = Router("affiliate")
ADD_DESCRIPTION = (
    "Create an affiliate. `payvia` is a payout method id (1 Check, 2 Domestic Wire, ... as "
    "seeded); status 0 Active (default), 1 Disabled, 2 Banned, 3 Wait on Verify, 4 Pending, "
    "5 Denied. The password is stored as an argon2 hash and never returned."
)


def _add(ctx: RequestContext, params: AddAffiliate) -> list[dict[str, Any]]:
    loginid = service.add_affiliate(ctx.conn, params)
    return [{"result": "Success", "message": {"loginid": str(loginid)}}]


for _path in ("/api/affiliate/add_affiliate", "/api/affiliate/addaffiliate"):
    router.route(
        "POST",
        _path,
        params=AddAffiliate,
        summary="Create an affiliate",
        description=ADD_DESCRIPTION,
        response=SUCCESS_LOGINID,
        example=[{"result": "Success", "message": {"loginid": "4004"}}],
        errors=(404, 409),
        links=created_links(
            "loginid",
            "PATCH /api/affiliate/edit_affiliate",
            "GET /api/affiliate/get_links",
            "GET /api/affiliate/get_single_link",
        ),
    )(_add)


@router.route(
    "PATCH",
    "/api/affiliate/edit_affiliate",
    params=EditAffiliate,
    summary="Change an affiliate",
    response=SUCCESS_ONLY,
    example=[{"result": "Success"}],
    errors=(404,),
)
def edit_affiliate(ctx: RequestContext, params: EditAffiliate) -> list[dict[str, str]]:
    """Only the parameters sent change; affiliate_manager_loginid adds a manager."""
    service.edit_affiliate(ctx.conn, params)
    return [{"result": "Success"}]


@router.route(
    "PATCH",
    "/api/affiliate/payvia",
    params=SetPayvia,
    summary="Set an affiliate's payout method and details",
    response=PAYVIA_RESPONSE,
    example=[
        {"field": "payvia_type_id", "result": "Updated Payvia Type to 1 for loginid 1"},
        {"field": "Pay To", "result": "Updated Payvia Info: 'Pay To' is now 'TestPayTo'"},
    ],
    errors=(404,),
)
def payvia(ctx: RequestContext, params: SetPayvia) -> list[dict[str, str]]:
    """A new payout method starts from empty details; the same method updates the fields sent."""
    return service.set_payvia(ctx.conn, params)


@router.route(
    "GET",
    "/api/affiliate/search",
    params=SearchAffiliates,
    summary="Find affiliates (or other accounts with type=...)",
    response=SEARCH_RESPONSE,
)
def search_affiliates(ctx: RequestContext, params: SearchAffiliates) -> dict[str, Any]:
    """No filter lists every affiliate, a page at a time (start, count)."""
    return search.search(ctx.conn, params, ctx.services.settings.zone)
