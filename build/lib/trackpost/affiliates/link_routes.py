"""Linkcode endpoints under /api/affiliate: get_single_link, get_links, decode_trackingcode."""

from __future__ import annotations

from typing import Any

from trackpost.affiliates import links
from trackpost.affiliates.schemas import (
    DECODE_RESPONSE,
    LINKS_RESPONSE,
    SINGLE_LINK_RESPONSE,
    DecodeCode,
    Links,
    SingleLink,
)
from trackpost.core.http import RequestContext, Router
from trackpost.tracking.web import base_url

router = Router("affiliate")


@router.route(
    "GET",
    "/api/affiliate/get_single_link",
    params=SingleLink,
    summary="An affiliate's tracking link to one offer",
    response=SINGLE_LINK_RESPONSE,
    example={
        "result": "Success",
        "message": "http://127.0.0.1:8000/track/Mi4wLjEuMS4wLjAuMC4wLjAuMC4wLjA=?subaff=test&_ocid={token}",
    },
    errors=(404,),
)
def get_single_link(ctx: RequestContext, params: SingleLink) -> dict[str, Any]:
    """The default link for an affiliate and offer, or for a chosen landing page."""
    return {"result": "Success", "message": links.single_link(ctx.conn, params, base_url(ctx))}


@router.route(
    "GET",
    "/api/affiliate/get_links",
    params=Links,
    summary="Every tracking link of an affiliate",
    response=LINKS_RESPONSE,
    errors=(404,),
)
def get_links(ctx: RequestContext, params: Links) -> dict[str, Any]:
    """One link per landing page, optionally limited to one offer or landing page."""
    return {"result": "Success", "message": links.links(ctx.conn, params, base_url(ctx))}


@router.route(
    "GET",
    "/api/affiliate/decode_trackingcode",
    params=DecodeCode,
    summary="Decode a tracking code into its ids",
    response=DECODE_RESPONSE,
    errors=(404,),
)
def decode_trackingcode(ctx: RequestContext, params: DecodeCode) -> dict[str, Any]:
    """The ids an ocode carries and what they point at; a malformed code is a 404."""
    return links.decode_code(ctx.conn, params.ocode)
