"""Affiliates and advertisers: list, search, create, edit, status; an affiliate's links."""

from __future__ import annotations

import typing
from typing import Any

from trackpost.accounts import service as accounts
from trackpost.accounts.roles import Permission
from trackpost.advertisers import service as advertisers
from trackpost.advertisers.schemas import AddAdvertiser, EditAdvertiser
from trackpost.affiliates import links as affiliate_links
from trackpost.affiliates import search as account_search
from trackpost.affiliates import service as affiliates
from trackpost.affiliates.postbacks import service as postbacks
from trackpost.affiliates.postbacks.schemas import Event
from trackpost.affiliates.schemas import AddAffiliate, EditAffiliate, Links, SearchAffiliates
from trackpost.core.errors import NotFound, TrackpostError
from trackpost.ui.forms import filled, model
from trackpost.ui.pages import Page, Pages, Redirect, Result, UiRequest

pages = Pages()
KINDS = {"affiliates": "affiliate", "advertisers": "advertiser"}
CONTACT = ("firstname", "lastname", "company", "email", "country")
STATUSES = (
    ("0", "Active"),
    ("1", "Disabled"),
    ("2", "Banned"),
    ("3", "Wait on verify"),
    ("4", "Pending"),
    ("5", "Denied"),
)
POSTBACK_EVENTS: tuple[str, ...] = typing.get_args(Event)
POSTBACK_TYPES = (("postback", "Server postback"), ("image", "Image pixel"), ("iframe", "Iframe"))
PAYVIA = (("1", "Check"), ("2", "Domestic Wire"), ("3", "International Wire"), ("4", "PayPal"))


def _list(req: UiRequest, area: str) -> Page:
    text = (req.query.get("q") or "").strip()[:255]
    params = SearchAffiliates(type=KINDS[area], name=text or None, count=100)
    rows = account_search.search(req.conn, params)
    return Page(
        "partners.html",
        {
            "area": area,
            "kind": KINDS[area],
            "rows": rows.values(),
            "q": text,
            "statuses": dict(STATUSES),
        },
    )


@pages.get("/admin/affiliates", Permission.CATALOGUE)
def affiliate_list(req: UiRequest) -> Page:
    """Affiliates whose name, username or company contains the search text."""
    return _list(req, "affiliates")


@pages.get("/admin/advertisers", Permission.CATALOGUE)
def advertiser_list(req: UiRequest) -> Page:
    return _list(req, "advertisers")


def _new_page(req: UiRequest, area: str, error: str | None = None, status: int = 200) -> Page:
    values = {
        "area": area,
        "kind": KINDS[area],
        "typed": req.form,
        "error": error,
        "payvia": PAYVIA,
    }
    return Page("partner_new.html", values, status=status)


@pages.get("/admin/affiliates/new", Permission.CATALOGUE)
def new_affiliate(req: UiRequest) -> Page:
    return _new_page(req, "affiliates")


@pages.get("/admin/advertisers/new", Permission.CATALOGUE)
def new_advertiser(req: UiRequest) -> Page:
    return _new_page(req, "advertisers")


def _create_failed(area: str) -> Any:
    def failed(req: UiRequest, exc: TrackpostError) -> Result:
        return _new_page(req, area, exc.message, exc.status)

    return failed


NEW_FIELDS = ("username", "password", *CONTACT)


@pages.post("/admin/affiliates/new", Permission.CATALOGUE, failed=_create_failed("affiliates"))
def create_affiliate(req: UiRequest) -> Redirect:
    values = filled(req.form, (*NEW_FIELDS, "payvia"))
    loginid = affiliates.add_affiliate(req.conn, model(AddAffiliate, values))
    return Redirect(f"/admin/affiliates/{loginid}", "created")


@pages.post("/admin/advertisers/new", Permission.CATALOGUE, failed=_create_failed("advertisers"))
def create_advertiser(req: UiRequest) -> Redirect:
    loginid = advertisers.add_advertiser(
        req.conn, model(AddAdvertiser, filled(req.form, NEW_FIELDS))
    )
    return Redirect(f"/admin/advertisers/{loginid}", "created")


def account_page(
    req: UiRequest,
    area: str,
    error: str | None = None,
    status: int = 200,
    typed: dict[str, str] | None = None,
) -> Page:
    """An affiliate's or advertiser's page; an affiliate's shows its links and postbacks."""
    loginid = req.path_id("loginid")
    row = accounts.get_login(req.conn, loginid)
    if row is None or row["type"] != KINDS[area]:
        raise NotFound(f"No {KINDS[area]} with loginid {loginid}.", code=f"{KINDS[area]}_not_found")
    values: dict[str, Any] = {
        "area": area,
        "kind": KINDS[area],
        "account": account_search.account_out(row),
        "statuses": STATUSES,
        "error": error,
        "links": [],
        "postbacks": [],
        "postback_events": POSTBACK_EVENTS,
        "postback_types": POSTBACK_TYPES,
        "typed": typed or {},
    }
    if area == "affiliates":
        found = affiliate_links.links(req.conn, Links(loginid=loginid), req.base_url)
        values["links"] = list(found.values())
        values["postbacks"] = postbacks.listing(
            req.conn, {"loginid": loginid, "event": None, "offerid": None}
        )
    return Page("partner.html", values, status=status)


@pages.get("/admin/affiliates/{loginid:int}", Permission.CATALOGUE)
def affiliate_page(req: UiRequest) -> Page:
    """An affiliate: contact details, status, and its links with copy buttons."""
    return account_page(req, "affiliates")


@pages.get("/admin/advertisers/{loginid:int}", Permission.CATALOGUE)
def advertiser_page(req: UiRequest) -> Page:
    return account_page(req, "advertisers")


def _edit_failed(area: str) -> Any:
    def failed(req: UiRequest, exc: TrackpostError) -> Result:
        return account_page(req, area, exc.message, exc.status)

    return failed


@pages.post(
    "/admin/affiliates/{loginid:int}", Permission.CATALOGUE, failed=_edit_failed("affiliates")
)
def edit_affiliate(req: UiRequest) -> Redirect:
    loginid = req.path_id("loginid")
    values = {"loginid": str(loginid), **filled(req.form, (*CONTACT, "status"))}
    affiliates.edit_affiliate(req.conn, model(EditAffiliate, values))
    return Redirect(f"/admin/affiliates/{loginid}", "saved")


@pages.post(
    "/admin/advertisers/{loginid:int}", Permission.CATALOGUE, failed=_edit_failed("advertisers")
)
def edit_advertiser(req: UiRequest) -> Redirect:
    loginid = req.path_id("loginid")
    values = {"loginid": str(loginid), **filled(req.form, CONTACT)}
    advertisers.edit_advertiser(req.conn, model(EditAdvertiser, values))
    status = req.form.get("status", "")
    if status in dict(STATUSES):
        accounts.update_login(req.conn, loginid, {"status": int(status)})
    return Redirect(f"/admin/advertisers/{loginid}", "saved")
