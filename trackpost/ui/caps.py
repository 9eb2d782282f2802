"""An offer's conversion caps: their usage in the current window, added, edited and removed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from trackpost.accounts.roles import Permission
from trackpost.caps import admin
from trackpost.caps.rules import DURATIONS, OVERFLOWS, TIMEFRAMES, TYPES
from trackpost.caps.schemas import AddCap, EditCap
from trackpost.core.errors import MissingParameter, NotFound, TrackpostError
from trackpost.ui.catalogue import find_offer
from trackpost.ui.forms import filled, flags, model
from trackpost.ui.pages import Page, Pages, Redirect, Result, UiRequest

pages = Pages()
ROOT = "/admin/offers/{offerid:int}/caps"
# The form's fields the API's parameters take as they are (loginid is built from two).
FIELDS = (
    "cap",
    "type",
    "duration",
    "timeframe_restriction",
    "start",
    "end",
    "redirect_type",
    "new_offerid",
    "new_landing_pageid",
    "redirect_url",
)
SCOPES = {
    "all": "All affiliates, one counter",
    "each": "Each affiliate alone",
    "one": "One affiliate",
}
OVERFLOW_NAMES = {
    "offer": "Send to another offer",
    "url": "Send to a URL",
    "notify": "Only notify admins",
}


def _typed_time(text: str | None) -> str:
    """An API time (ISO 8601 UTC) as the form shows it and takes it back: 2026-03-01 14:05."""
    if not text:
        return ""
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")


def _shown(cap: dict[str, Any]) -> dict[str, Any]:
    """A cap as get_conversion_caps answers it, with what the form and table need besides."""
    scope = cap["loginid"] if cap["loginid"] in ("all", "each") else "one"
    return {
        **cap,
        "scope": scope,
        "affiliate": cap["loginid"] if scope == "one" else "",
        "start_text": _typed_time(cap["start"]),
        "end_text": _typed_time(cap["end"]),
        "own": cap["offerid"] is not None,
    }


def _view(
    req: UiRequest, error: str | None = None, status: int = 200, failed_capid: int | None = None
) -> Page:
    offerid = req.path_id("offerid")
    offer = find_offer(req, offerid)
    advertiserid = int(offer["advertiserid"]) if offer.get("advertiserid") else None
    found = admin.offer_caps(req.conn, offerid, advertiserid)
    values = {
        "offer": offer,
        "caps": [_shown(c) for c in found],
        "error": error,
        "typed": req.form if failed_capid is None else {},
        "typed_edit": req.form if failed_capid is not None else {},
        "failed_capid": str(failed_capid) if failed_capid is not None else "",
        "types": TYPES.values(),
        "durations": DURATIONS.values(),
        "timeframes": TIMEFRAMES.values(),
        "scopes": SCOPES,
        "overflows": {k: OVERFLOW_NAMES[k] for k in OVERFLOWS},
        "zone": req.settings.timezone,
    }
    return Page("caps.html", values, status=status)


def _failed(req: UiRequest, exc: TrackpostError) -> Result:
    capid = int(req.path["capid"]) if "capid" in req.path else None
    return _view(req, exc.message, exc.status, failed_capid=capid)


def _loginid(form: Mapping[str, str]) -> dict[str, str]:
    """The API's loginid: all, each, or the affiliate typed beside "One affiliate"."""
    scope = form.get("scope", "").strip()
    if not scope:
        return {}
    if scope != "one":
        return {"loginid": scope}
    affiliate = form.get("affiliate", "").strip()
    if not affiliate:
        raise MissingParameter("Parameter 'loginid': type the affiliate's loginid.")
    return {"loginid": affiliate}


def _back(req: UiRequest) -> str:
    return f"/admin/offers/{req.path_id('offerid')}/caps"


def _own(req: UiRequest) -> int:
    """The cap in the path, when it covers this offer (its own, or its advertiser's)."""
    capid, offerid = req.path_id("capid"), req.path_id("offerid")
    offer = find_offer(req, offerid)
    advertiserid = int(offer["advertiserid"]) if offer.get("advertiserid") else None
    listed = {int(c["cap_redirect_id"]) for c in admin.offer_caps(req.conn, offerid, advertiserid)}
    if capid not in listed:
        raise NotFound(f"No cap {capid} on offer {offerid}.", code="cap_not_found")
    return capid


@pages.get(ROOT, Permission.CATALOGUE)
def caps_page(req: UiRequest) -> Page:
    """The offer's caps and its advertiser's, each with its usage in its current window."""
    return _view(req)


@pages.post(ROOT, Permission.CATALOGUE, failed=_failed)
def add_cap(req: UiRequest) -> Redirect:
    """A new cap on this offer, checked as add_conversion_cap checks it."""
    find_offer(req, req.path_id("offerid"))
    raw = filled(req.form, FIELDS) | _loginid(req.form) | flags(req.form, ["enabled"])
    raw["offerid"] = str(req.path_id("offerid"))
    admin.add_cap(req.conn, model(AddCap, raw), req.settings.timezone)
    return Redirect(_back(req), "cap_added")


@pages.post(ROOT + "/{capid:int}", Permission.CATALOGUE, failed=_failed)
def edit_cap(req: UiRequest) -> Redirect:
    """Only what is filled in changes; a new type or duration starts the counters again."""
    capid = _own(req)
    raw = filled(req.form, FIELDS) | _loginid(req.form) | flags(req.form, ["enabled"])
    raw["cap_redirect_id"] = str(capid)
    admin.edit_cap(req.conn, model(EditCap, raw), req.settings.timezone)
    return Redirect(_back(req), "cap_saved")


@pages.post(ROOT + "/{capid:int}/remove", Permission.CATALOGUE, failed=_failed)
def remove_cap(req: UiRequest) -> Redirect:
    """The cap caps nothing more (the API still lists it with deleted=1)."""
    admin.remove_cap(req.conn, _own(req))
    return Redirect(_back(req), "cap_removed")
