"""Which click, tracking code or landing page a post names, and the advertiser it narrows to."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, RowMapping

from trackpost.core.errors import LandingPageNotFound, LookupConflict
from trackpost.postbacks import repository as repo
from trackpost.postbacks.errors import UnknownClickHash, UnknownTrackingCode
from trackpost.postbacks.params import PixelParams
from trackpost.tracking import service as tracking


def click(conn: Connection, click_hash: str, orderid: str | None) -> dict[str, Any]:
    """The click and everything a post on it needs (repository.click_context), or 404."""
    row = repo.click_context(conn, click_hash, orderid)
    if row is None:
        raise UnknownClickHash(f"No click with click_hash {click_hash[:64]!r}.")
    return row


def code_page(conn: Connection, ocode: str) -> tuple[RowMapping, dict[str, Any]]:
    """The landing page an affiliate's tracking code leads to, and whom the code credits; or 404."""
    resolution = tracking.resolve(conn, ocode)
    code = resolution.code
    if resolution.target is None or code is None:
        raise UnknownTrackingCode(
            f"Parameter 'ocode' names no active affiliate link: {resolution.reason}."
        )
    page = repo.page_context(conn, resolution.target.landing_pageid)
    if page is None:
        raise LandingPageNotFound("The tracking code's landing page no longer exists.")
    credit = {
        "loginid": code.loginid,
        "programid": code.programid,
        "campaignid": code.campaignid,
        "adtoolid": code.adtoolid,
    }
    return page, credit


def check_narrowing(post: PixelParams, row: Mapping[Any, Any]) -> None:
    """advertiserid and landing_pageid, when sent, must be those of the click (or code) named."""
    if post.advertiserid is not None and post.advertiserid != row["advertiserid"]:
        raise LookupConflict(
            f"advertiserid '{post.advertiserid}' is not the advertiser of the click's offer "
            f"({row['advertiserid']})."
        )
    if post.landing_pageid is not None and post.landing_pageid != row["landing_pageid"]:
        raise LookupConflict(
            f"landing_pageid '{post.landing_pageid}' is not the click's landing page "
            f"({row['landing_pageid']})."
        )


def named_page(conn: Connection, post: PixelParams) -> Mapping[Any, Any] | None:
    """The landing page a follow-up post arrives for (by click, tracking code or landing_pageid)."""
    pages: list[tuple[str, Mapping[Any, Any]]] = []
    if post.click_hash:
        pages.append(("click_hash", click(conn, post.click_hash, None)))
    elif post.ocode:
        pages.append(("ocode", code_page(conn, post.ocode)[0]))
    if post.landing_pageid is not None:
        page = repo.page_context(conn, post.landing_pageid)
        if page is None:
            raise LandingPageNotFound(f"No landing page with landing_pageid {post.landing_pageid}.")
        pages.append(("landing_pageid", page))
    if not pages:
        return None
    first_name, first = pages[0]
    for name, other in pages[1:]:
        if other["advertiserid"] != first["advertiserid"]:
            raise LookupConflict(f"{first_name} and {name} belong to different advertisers.")
    return first


def advertiser(post: PixelParams, page: Mapping[Any, Any] | None) -> int | None:
    """The advertiser a follow-up's subscription_id belongs to, when the post names one."""
    if page is None:
        return post.advertiserid
    if post.advertiserid is not None and post.advertiserid != page["advertiserid"]:
        raise LookupConflict(
            f"advertiserid '{post.advertiserid}' is not the advertiser of the landing page the "
            f"post names ({page['advertiserid']})."
        )
    return int(page["advertiserid"])
