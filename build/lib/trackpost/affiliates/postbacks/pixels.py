"""Image and iframe pixels for the advertiser's confirmation page (/signup/pixels.js)."""

from __future__ import annotations

from sqlalchemy import Connection

from trackpost.accounts import service as accounts
from trackpost.affiliates.postbacks import repository as repo
from trackpost.affiliates.postbacks.errors import PixelClickNotFound
from trackpost.affiliates.postbacks.service import event_settings, template
from trackpost.affiliates.postbacks.variables import variables
from trackpost.core.db import utcnow


def pixels(conn: Connection, click_hash: str) -> list[tuple[str, str]]:
    """The image and iframe pixels of the click's affiliate for its conversion: (kind, url);
    404 unknown_click_hash for a hash no click has.

    Only an offer that converts by iframe renders pixels, as the vendor rules: an image or
    postback conversion has no browser page to put them in.
    """
    click = repo.clicks_by_hash(conn, [click_hash]).get(click_hash)
    if click is None:
        raise PixelClickNotFound(f"Parameter 'click_hash': no click {click_hash!r}.")
    if repo.conversion_type(conn, int(click["landing_pageid"])) != "iframe":
        return []
    loginid = int(click["loginid"])
    rows = [
        pb
        for kind in ("image", "iframe")
        for pb in repo.for_affiliates(conn, [loginid], kind)
        if pb["event"] == "conversion"
        and pb["offerid"] in (None, click["offerid"])
        and pb["campaignid"] in (None, click["campaignid"])
    ]
    if not rows or not event_settings(conn, loginid)["conversion"]:
        return []
    payload = {
        "loginid": loginid,
        "offerid": click["offerid"],
        "landing_pageid": click["landing_pageid"],
        "campaignid": click["campaignid"],
        "click_hash": click["click_hash"],
        **(repo.conversion_of_click(conn, click_hash) or {}),
    }
    values = variables(
        "conversion",
        payload,
        event_id=None,
        timestamp=int(utcnow().timestamp()),
        username=accounts.usernames(conn, [loginid]).get(loginid),
        click=click,
        customer=None,
    )
    return [(pb["kind"], template(pb["url"], "url").render(values, "url")) for pb in rows]
