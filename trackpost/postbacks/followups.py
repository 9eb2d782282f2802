"""Posts about an existing customer: continuity (rebill), refund, cancel and expire.

The customer is found by subscription_id, narrowed to one advertiser when the post names it
(a click hash, ocode, advertiserid or landing_pageid); the IP rule then uses the named landing
page, or the customer's own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection

from trackpost.core.db import utcnow
from trackpost.core.errors import MissingParameter
from trackpost.customers import service as customers
from trackpost.customers.errors import (
    AmbiguousSubscriptionId,
    CustomerNotFound,
    LookupConflict,
)
from trackpost.iplists.rules import global_post_allows
from trackpost.postbacks import repository as repo
from trackpost.postbacks.common import (
    Sender,
    after_conflict,
    answer,
    attribution,
    check_sender,
    customer_fields,
    precheck_orderid,
    refuse,
)
from trackpost.postbacks.errors import (
    LandingPageNotFound,
    UnknownClickHash,
    UnknownTrackingCode,
)
from trackpost.postbacks.params import Postback
from trackpost.postbacks.refunds import refund_row
from trackpost.tracking import service as tracking
from trackpost.transactions.ledger import base_row, record
from trackpost.transactions.money import payout_for

STATUSES = {"cancel": "cancelled", "expire": "expired"}


def _named_page(conn: Connection, post: Postback) -> Mapping[Any, Any] | None:
    """The landing page the post arrives for (by click, tracking code or landing_pageid)."""
    pages: list[tuple[str, Mapping[Any, Any]]] = []
    if post.click_hash:
        row = repo.click_context(conn, post.click_hash, None)
        if row is None:
            raise UnknownClickHash(f"No click with click_hash {post.click_hash[:64]!r}.")
        pages.append(("click_hash", row))
    elif post.ocode:
        res = tracking.resolve(conn, post.ocode)
        if res.target is None:
            raise UnknownTrackingCode(f"Parameter 'ocode' names no active link: {res.reason}.")
        page = repo.page_context(conn, res.target.landing_pageid)
        if page is None:
            raise LandingPageNotFound("The tracking code's landing page no longer exists.")
        pages.append(("ocode", page))
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


def _advertiser(post: Postback, page: Mapping[Any, Any] | None) -> int | None:
    if page is None:
        return post.advertiserid
    if post.advertiserid is not None and post.advertiserid != page["advertiserid"]:
        raise LookupConflict(
            f"advertiserid '{post.advertiserid}' is not the advertiser of the landing page the "
            f"post names ({page['advertiserid']})."
        )
    return int(page["advertiserid"])


def _find(
    conn: Connection, post: Postback, sender: Sender, page: Mapping[Any, Any] | None
) -> Mapping[str, Any]:
    try:
        return customers.find_customer(
            conn,
            subscription_id=post.subscription_id,
            advertiserid=_advertiser(post, page),
            for_update=True,
        )
    except (CustomerNotFound, AmbiguousSubscriptionId):
        # A sender no list admits learns nothing about which customers exist.
        if page is None and not global_post_allows(sender.ip, sender.lists.get(conn)):
            refuse(sender, None, post.kind)
        raise


def follow_up(conn: Connection, post: Postback, sender: Sender) -> dict[str, Any]:
    """Record a continuity, refund, cancel or expire post on its customer."""
    if not post.subscription_id:
        raise MissingParameter(
            f"Missing required parameter 'subscription_id': a {post.kind} post names the "
            "customer by subscription_id."
        )
    page = _named_page(conn, post)
    customer = _find(conn, post, sender, page)
    ctx = repo.customer_context(
        conn,
        customer["advertiserid"],
        customer["offerid"],
        customer["landing_pageid"],
        customer["clickid"],
    )
    lists = sender.lists.get(conn, ctx["iplist_version"])
    page_id = page["landing_pageid"] if page is not None else customer["landing_pageid"]
    page_ips = page["postback_ips"] if page is not None else ctx["postback_ips"]
    check_sender(sender, lists, page_id, page_ips, post.kind)
    precheck_orderid(conn, post, sender)
    customers.apply_advertiser_update(
        conn,
        customer,
        customer_fields(post, STATUSES.get(post.kind)),
        actor=str(ctx["advertiser_username"]),
        source_ip=sender.ip,
        request_id=sender.request_id,
        action=f"postback:{post.kind}",
    )
    if post.kind == "refund":
        row = refund_row(conn, post, sender, customer)
    else:
        row = _event_row(post, sender, customer, ctx)
    transactionid = record(conn, row)
    if transactionid is None:
        after_conflict(conn, post, sender)
    return answer(int(customer["customer_id"]), transactionid)


def _event_row(
    post: Postback, sender: Sender, customer: Mapping[str, Any], ctx: Mapping[str, Any]
) -> dict[str, Any]:
    """A continuity sale (with the offer's continuity defaults) or a zero cancel/expire row."""
    row = base_row(utcnow(), kind=post.trans_type, source="advertiser")
    row.update(
        customer_id=customer["customer_id"],
        orderid=post.orderid,
        loginid=customer["loginid"],
        offerid=customer["offerid"],
        landing_pageid=customer["landing_pageid"],
        fingerprint=sender.fingerprint,
        **attribution(ctx),
        **post.custom,
    )
    if post.kind == "continuity":
        default = ctx["continuity_revenue"] or 0
        revenue = post.amount if post.amount is not None else int(default)
        payout, percent = payout_for(
            revenue, ctx["continuity_payout_type"] or "flat", int(ctx["continuity_payout"] or 0)
        )
        row.update(amount=revenue, affiliate_payout=payout, payout_percent=percent)
    return row
