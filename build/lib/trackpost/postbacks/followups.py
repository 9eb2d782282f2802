"""Posts about an existing customer: continuity (rebill), refund, cancel and expire.

The customer is found by subscription_id, narrowed to one advertiser when the post names it
(a click hash, ocode, advertiserid or landing_pageid); the IP rule then uses the named landing
page, or the customer's own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection

from trackpost.commissions import service as commissions
from trackpost.core.db import utcnow
from trackpost.core.errors import MissingParameter, TrackpostError
from trackpost.customers import service as customers
from trackpost.customers.service import SetAside
from trackpost.postbacks import repository as repo
from trackpost.postbacks import resolve
from trackpost.postbacks.conversion import known_caps, rules_of, subaffs_of
from trackpost.postbacks.errors import ClickNotConverted
from trackpost.postbacks.params import PixelParams
from trackpost.postbacks.replay import after_conflict, answer, precheck_orderid
from trackpost.postbacks.sender import Sender, check_global, check_sender
from trackpost.transactions import refunds
from trackpost.transactions import service as txns
from trackpost.transactions.ledger import ADVERTISER, base_row, click_attribution, record

STATUSES = {"cancel": "cancelled", "expire": "expired"}
ENDED = frozenset(STATUSES.values())


def _status(kind: str, customer: Mapping[str, Any]) -> str | None:
    """The status a post sets: cancel and expire end the customer; a later rebill (a new
    sale on the subscription) makes a cancelled or expired customer active again."""
    if kind == "continuity":
        return "active" if customer["status"] in ENDED else None
    return STATUSES.get(kind)


def _find(
    conn: Connection, post: PixelParams, sender: Sender, page: Mapping[Any, Any] | None
) -> Mapping[str, Any]:
    try:
        if not post.subscription_id:
            # Named by its click alone: the customer of that click's conversion.
            assert page is not None
            assert post.click_hash
            if page.get("conv_cid") is None:
                raise ClickNotConverted(
                    f"Click {post.click_hash[:64]!r} has no conversion, so no customer: a "
                    f"{post.kind} post names the customer by subscription_id or by the "
                    "click_hash of its conversion."
                )
            return customers.find_customer(conn, customer_id=page["conv_cid"], for_update=True)
        return customers.find_customer(
            conn,
            subscription_id=post.subscription_id,
            advertiserid=resolve.advertiser(post, page),
            for_update=True,
        )
    except TrackpostError:
        # A sender no list admits learns nothing about which customers exist: checked against
        # the named page's list when the post names one, else the global list.
        if page is None:
            check_global(conn, sender, post.kind)
        else:
            lists = sender.lists.get(conn)
            check_sender(sender, lists, page["landing_pageid"], page["postback_ips"], post.kind)
        raise


def _named_page(conn: Connection, post: PixelParams, sender: Sender) -> Mapping[Any, Any] | None:
    """The page the post names; a sender no list admits learns nothing of unknown ones."""
    try:
        return resolve.named_page(conn, post)
    except TrackpostError:
        check_global(conn, sender, post.kind)
        raise


def customer_of(
    conn: Connection, post: PixelParams, sender: Sender
) -> tuple[Mapping[str, Any], dict[str, Any]]:
    """The post's customer (row-locked) and its context, once the sender is allowed."""
    if not post.subscription_id and not post.click_hash:
        raise MissingParameter(
            f"Missing required parameter 'subscription_id': a {post.kind} post names the "
            "customer by subscription_id (or by the click_hash of its conversion)."
        )
    page = _named_page(conn, post, sender)
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
    return customer, ctx


def follow_up(conn: Connection, post: PixelParams, sender: Sender) -> dict[str, Any]:
    """Record a continuity, refund, cancel or expire post on its customer."""
    customer, ctx = customer_of(conn, post, sender)
    advertiserid = int(customer["advertiserid"])
    precheck_orderid(conn, post, sender, advertiserid)
    fields = post.customer_fields(_status(post.kind, customer))
    set_aside: SetAside = {}
    if fields:  # most rebills carry none: no update, so no audit origin to build
        customers.apply_advertiser_update(
            conn,
            customer,
            fields,
            sender.origin.as_actor(str(ctx["advertiser_username"])),
            action=f"postback:{post.kind}",
            set_aside=set_aside,
        )
    if post.kind == "refund":
        row = refunds.refund_row(
            conn,
            customer["customer_id"],
            original_orderid=post.original_orderid,
            amount=post.amount,
            orderid=post.orderid,
            fingerprint=sender.fingerprint,
            custom=post.custom(),
        )
        row["amount_raw"] = post.amount_raw
        transactionid = record(conn, row)
    else:
        row = _event_row(post, sender, customer, ctx)
        row["amount_raw"] = post.amount_raw
        payouts = _payouts(conn, post, sender, customer, ctx, row["amount"])
        row.update(known_caps(conn, sender, dict(ctx), customer["offerid"]))
        transactionid = txns.book(conn, row, payouts)
    if transactionid is None:
        after_conflict(conn, post, sender, advertiserid)
    return answer(int(customer["customer_id"]), transactionid, set_aside)


def _event_row(
    post: PixelParams, sender: Sender, customer: Mapping[str, Any], ctx: Mapping[str, Any]
) -> dict[str, Any]:
    """A continuity sale (with the offer's continuity defaults) or a zero cancel/expire row."""
    row = base_row(utcnow(), kind=post.trans_type, source=ADVERTISER)
    row.update(
        customer_id=customer["customer_id"],
        orderid=post.orderid,
        loginid=customer["loginid"],
        offerid=customer["offerid"],
        advertiserid=customer["advertiserid"],
        landing_pageid=customer["landing_pageid"],
        fingerprint=sender.fingerprint,
        **click_attribution(ctx),
        **post.custom(),
    )
    if post.kind == "continuity":
        default = ctx["continuity_revenue"] or 0
        row.update(amount=post.amount if post.amount is not None else int(default))
    return row


def _payouts(
    conn: Connection,
    post: PixelParams,
    sender: Sender,
    customer: Mapping[str, Any],
    ctx: Mapping[str, Any],
    revenue: int,
) -> list[commissions.PayoutRow]:
    """A rebill's payout rows (cancel and expire pay no one)."""
    if post.kind != "continuity":
        return []
    sale = commissions.Sale(
        kind="continuity",
        offerid=int(customer["offerid"] or 0),
        loginid=customer["loginid"],
        revenue=revenue,
        default_type=ctx["continuity_payout_type"] or "flat",
        default_amount=int(ctx["continuity_payout"] or 0),
        country=commissions.payout_country(
            ctx.get("click_country"), post.country or customer.get("country")
        ),
        subaffs=subaffs_of(dict(ctx)),
    )
    rules = rules_of(conn, sender, dict(ctx))
    return commissions.payees_for(conn, rules, sale, utcnow(), sender.policy)
