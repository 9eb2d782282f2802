"""Advertiser endpoints at the vendor's paths."""

from __future__ import annotations

from typing import Any

from trackpost.accounts.schemas import SUCCESS_LOGINID, SUCCESS_ONLY
from trackpost.advertisers import service
from trackpost.advertisers.schemas import AddAdvertiser, EditAdvertiser
from trackpost.core.http import RequestContext, Router, created_links

router = Router("advertiser")


@router.route(
    "POST",
    "/api/advertiser/add_advertiser",
    params=AddAdvertiser,
    summary="Create an advertiser",
    response=SUCCESS_LOGINID,
    example=[{"result": "Success", "message": {"loginid": "4003"}}],
    errors=(404, 409),
    links=created_links(
        "loginid",
        "PATCH /api/advertiser/edit_advertiser",
        ("POST /api/offer/add_offer", "advertiserid"),
    ),
)
def add_advertiser(ctx: RequestContext, params: AddAdvertiser) -> list[dict[str, Any]]:
    """Username and email must be unique; the password is stored hashed and never returned."""
    loginid = service.add_advertiser(ctx.conn, params)
    return [{"result": "Success", "message": {"loginid": str(loginid)}}]


@router.route(
    "PATCH",
    "/api/advertiser/edit_advertiser",
    params=EditAdvertiser,
    summary="Change an advertiser",
    response=SUCCESS_ONLY,
    example=[{"result": "Success"}],
    errors=(404, 409),
)
def edit_advertiser(ctx: RequestContext, params: EditAdvertiser) -> list[dict[str, str]]:
    """Only the parameters sent change; a new email must not belong to another advertiser."""
    service.edit_advertiser(ctx.conn, params)
    return [{"result": "Success"}]


# The vendor's add_advertiser example posts to the affiliate family's path.
router.alias("POST", "/api/affiliate/add_advertiser", of="POST /api/advertiser/add_advertiser")
