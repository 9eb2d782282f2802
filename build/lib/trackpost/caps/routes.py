"""Conversion caps at the vendor's /api/offer paths: get_conversion_caps and its siblings."""

from __future__ import annotations

from typing import Any

from trackpost.caps import admin
from trackpost.caps.schemas import CAP_ANSWER, GET_RESPONSE, AddCap, EditCap, GetCaps, RemoveCap
from trackpost.core.http import RequestContext, Router

router = Router("offer")
EXTENSION = " (trackpost extension)"
FIELDS = (
    "cap (a count; Dollars in the base currency), type (Conversions, Dollars, Registrations, "
    "Unique Clicks, Clicks, Net Conversions), duration (Hour, Day, Week, Month, Year, All Time; "
    "the network's, TRACKPOST_TIMEZONE), timeframe_restriction (None, Weekdays, Weekends, "
    "Monday ... Sunday), loginid (all: one pooled counter; each: a counter per affiliate; or "
    "one affiliate's loginid), start, end, enabled, redirect_type (offer: new_offerid and "
    "optionally new_landing_pageid; url: redirect_url; notify: no redirect, only the "
    "cap.reached event)."
)

REACHED = (
    " When a counter reaches the cap, the event cap.reached is recorded in the same transaction, "
    "once per counter per window, and sent to webhook endpoints subscribed to cap.reached; its "
    "data: capid, offerid (whose click or booking reached it), cap_offerid, advertiserid, scope "
    "(all, each, one), loginid (null for pooled caps), type, cap and usage (text: digits, or a "
    "decimal amount for revenue), duration, window_start, reached_at (ISO 8601 UTC), overflow "
    "(offer, url, notify); customer_id is null."
)


def _answer(capid: int) -> dict[str, Any]:
    return {"result": "Success", "message": {"cap_redirect_id": str(capid)}}


@router.route(
    "GET",
    "/api/offer/get_conversion_caps",
    params=GetCaps,
    summary="Conversion caps with their status in the current window",
    description="Filters as the vendor's: offerid, loginid (all, each or a loginid), enabled, "
    "deleted, type, duration, timeframe_restriction (and advertiserid). Without enabled or "
    "deleted, the enabled caps. Each cap carries its usage, remaining and reached_at in its "
    "current window (each caps: per affiliate under affiliates); Dollars as 2500.00.",
    response=GET_RESPONSE,
    errors=(400,),
)
def get_conversion_caps(ctx: RequestContext, params: GetCaps) -> dict[str, Any]:
    """The vendor's {"result":"success","message":"Caps found.","data":[...]}."""
    caps = admin.list_caps(ctx.conn, params)
    return {"result": "success", "message": "Caps found." if caps else "No caps.", "data": caps}


@router.route(
    "POST",
    "/api/offer/add_conversion_cap",
    params=AddCap,
    summary="Add a conversion cap to an offer or an advertiser" + EXTENSION,
    description="offerid or advertiserid (an advertiser's cap pools all its offers), cap and "
    "type are required. " + FIELDS + REACHED,
    response=CAP_ANSWER,
    example=_answer(1),
    errors=(400, 404),
)
def add_conversion_cap(ctx: RequestContext, params: AddCap) -> dict[str, Any]:
    """Takes effect on the next click of every worker."""
    capid = admin.add_cap(ctx.conn, params, ctx.services.settings.timezone)
    return _answer(capid)


@router.route(
    "PATCH",
    "/api/offer/edit_conversion_cap",
    params=EditCap,
    summary="Change a conversion cap; a new type or duration starts its counters again" + EXTENSION,
    description="cap_redirect_id is required; only the fields sent change. " + FIELDS,
    response=CAP_ANSWER,
    example=_answer(1),
    errors=(400, 404),
)
def edit_conversion_cap(ctx: RequestContext, params: EditCap) -> dict[str, Any]:
    """The cap counts in the network's current time zone from now on."""
    admin.edit_cap(ctx.conn, params, ctx.services.settings.timezone)
    return _answer(params.cap_redirect_id)


@router.route(
    "PATCH",
    "/api/offer/remove_conversion_cap",
    params=RemoveCap,
    summary="Remove a conversion cap (get_conversion_caps deleted=1 still lists it)" + EXTENSION,
    response=CAP_ANSWER,
    example=_answer(1),
    errors=(400, 404),
)
def remove_conversion_cap(ctx: RequestContext, params: RemoveCap) -> dict[str, Any]:
    """It caps nothing from the next click on."""
    admin.remove_cap(ctx.conn, params.cap_redirect_id)
    return _answer(params.cap_redirect_id)
