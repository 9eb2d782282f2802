"""Offers and landing pages: list, create, edit, pause and activate, URL macros previewed."""

from __future__ import annotations

from typing import Any

from trackpost.accounts.roles import Permission
from trackpost.commissions import changes as commission_changes
from trackpost.commissions import goals
from trackpost.core.errors import NotFound, TrackpostError
from trackpost.offers import details as offer_details
from trackpost.offers import service as offers
from trackpost.offers.schemas import (
    AddLandingPage,
    AddOffer,
    EditLandingPage,
    EditOffer,
    OfferDetails,
    PauseOffer,
)
from trackpost.tracking.urls import MACROS, UrlTemplate
from trackpost.ui.forms import filled, flags, model
from trackpost.ui.pages import Page, Pages, Redirect, Result, UiRequest

pages = Pages()
ROOT = "/admin/offers"
OFFER_FIELDS = ("name", "advertiserid", "offer_description", "conversion", "continuity")
PAYOUT_FIELDS = ("flat_amount_per_conversion", "percentage_of_customer_conversion")
LP_FIELDS = ("name", "url", "description")
# A sample click the preview fills the URL's macros from.
SAMPLE = {
    "click_hash": "0192a4c3d5e6SAMPLEclickhash",
    "aff_id": "1001",
    "campaign_id": "0",
    "subaff": "sub1",
    "subaff1": "sub1",
    "subaff2": "sub2",
    "subaff3": "sub3",
    "subaff4": "sub4",
    "subaff5": "sub5",
    "subids": "subids",
    "_ocid": "ocid123",
}


def preview(url: str, offerid: int, landing_pageid: int | str) -> str:
    """The landing page URL as a sample click would reach it."""
    values = {**SAMPLE, "offer_id": str(offerid), "landing_page_id": str(landing_pageid)}
    values["transaction_hash"] = values["click_hash"]
    return UrlTemplate.compile(url).fill(values)


def find_offer(req: UiRequest, offerid: int) -> dict[str, Any]:
    """The offer as offer_details answers it, or 404 offer_not_found."""
    days = req.settings.click_cookie_days
    found = offer_details.get_details(req.conn, OfferDetails(offerid=[offerid]), days)
    offer = found.get(str(offerid))
    if offer is None:
        raise NotFound(f"No offer with offerid {offerid}.", code="offer_not_found")
    return offer


@pages.get(ROOT, Permission.CATALOGUE)
def offer_list(req: UiRequest) -> Page:
    """Offers whose name contains the search text, 100 a page."""
    text = (req.query.get("name") or "").strip()
    found = offer_details.get_details(
        req.conn,
        OfferDetails(
            name_like=text[:255],
            count=100,
            return_columns="name,status,advertiserid,commission,conversion",
        ),
        req.settings.click_cookie_days,
    )
    return Page("offers.html", {"offers": found.values(), "name": text})


def _newoffer_view(req: UiRequest, error: str | None = None, status: int = 200) -> Page:
    return Page("offer_new.html", {"typed": req.form, "error": error}, status=status)


@pages.get(ROOT + "/new", Permission.CATALOGUE)
def new_offer(req: UiRequest) -> Page:
    return _newoffer_view(req)


def _offer_failed(req: UiRequest, exc: TrackpostError) -> Result:
    if "offerid" not in req.path:
        return _newoffer_view(req, exc.message, exc.status)
    return offer_view(req, exc.message, exc.status)


@pages.post(ROOT + "/new", Permission.CATALOGUE, failed=_offer_failed)
def create_offer(req: UiRequest) -> Redirect:
    """Create an offer with its default revenue and payout."""
    values = {
        **filled(req.form, OFFER_FIELDS + PAYOUT_FIELDS),
        **flags(req.form, ["pending_conversions"]),
    }
    offerid = offers.add_offer(req.conn, model(AddOffer, values))
    return Redirect(f"{ROOT}/{offerid}", "created")


def offer_view(req: UiRequest, error: str | None = None, status: int = 200) -> Page:
    """An offer's page: settings, landing pages, commission changes and goals."""
    offerid = req.path_id("offerid")
    offer = find_offer(req, offerid)
    pages_ = [
        {**lp, "preview": preview(lp["url"], offerid, lp["landing_pageid"])}
        for lp in offer["landing_pages"].values()
    ]
    values = {
        "offer": offer,
        "landing_pages": pages_,
        "error": error,
        "typed": req.form,
        "macros": sorted(MACROS),
        "changes": commission_changes.get_changes(req.conn, offerid, None),
        "offer_goals": goals.offer_goals(req.conn, offerid),
        "goals": goals.get_goals(req.conn),
    }
    return Page("offer.html", values, status=status)


@pages.get(ROOT + "/{offerid:int}", Permission.CATALOGUE)
def offer_page(req: UiRequest) -> Page:
    """An offer: its settings, status, landing pages with their URLs previewed."""
    return offer_view(req)


@pages.post(ROOT + "/{offerid:int}", Permission.CATALOGUE, failed=_offer_failed)
def edit_offer(req: UiRequest) -> Redirect:
    offerid = req.path_id("offerid")
    values = {
        "offerid": str(offerid),
        **filled(req.form, OFFER_FIELDS),
        **flags(req.form, ["pending_conversions"]),
    }
    offers.edit_offer(req.conn, model(EditOffer, values))
    return Redirect(f"{ROOT}/{offerid}", "saved")


@pages.post(ROOT + "/{offerid:int}/pause", Permission.CATALOGUE, failed=_offer_failed)
def pause_offer(req: UiRequest) -> Redirect:
    offerid = req.path_id("offerid")
    offers.pause_offer(req.conn, model(PauseOffer, {"offerid": str(offerid)}))
    return Redirect(f"{ROOT}/{offerid}", "paused")


@pages.post(ROOT + "/{offerid:int}/activate", Permission.CATALOGUE, failed=_offer_failed)
def activate_offer(req: UiRequest) -> Redirect:
    offerid = req.path_id("offerid")
    offers.activate_offer(req.conn, offerid)
    return Redirect(f"{ROOT}/{offerid}", "activated")


@pages.post(ROOT + "/{offerid:int}/landing_pages", Permission.CATALOGUE, failed=_offer_failed)
def add_landing_page(req: UiRequest) -> Redirect:
    """Add a landing page; its URL may carry the %%macros%% a click fills."""
    offerid = req.path_id("offerid")
    values = {"offerid": str(offerid), **filled(req.form, LP_FIELDS)}
    offers.add_landing_page(req.conn, model(AddLandingPage, values))
    return Redirect(f"{ROOT}/{offerid}", "created")


@pages.post(
    ROOT + "/{offerid:int}/landing_pages/{landing_pageid:int}",
    Permission.CATALOGUE,
    failed=_offer_failed,
)
def edit_landing_page(req: UiRequest) -> Redirect:
    offerid, lp = req.path_id("offerid"), req.path_id("landing_pageid")
    values = {"landing_pageid": str(lp), **filled(req.form, LP_FIELDS)}
    offers.edit_landing_page(req.conn, model(EditLandingPage, values))
    return Redirect(f"{ROOT}/{offerid}", "saved")
