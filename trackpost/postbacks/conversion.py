"""The conversion postback: a click (or a tracking code) becomes a customer and a sale.

The common case costs four statements: the click read, the customer insert, its audit row and
the ledger insert. A replay is answered after the first.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any

from sqlalchemy import Connection

from trackpost.commissions import service as commissions
from trackpost.core.db import utcnow
from trackpost.core.errors import MissingParameter
from trackpost.customers import service as customers
from trackpost.customers.service import SetAside
from trackpost.postbacks import resolve
from trackpost.postbacks.params import PixelParams
from trackpost.postbacks.replay import (
    after_conflict,
    answer,
    precheck_orderid,
    replay_or_conflict,
)
from trackpost.postbacks.sender import Sender, check_sender
from trackpost.transactions import service as txns
from trackpost.transactions.ledger import ADVERTISER, APPROVED, PENDING, base_row, click_attribution

SUBAFFS = ("subaff1", "subaff2", "subaff3", "subaff4", "subaff5")


def rules_of(conn: Connection, sender: Sender, context: dict[str, Any]) -> commissions.Rules:
    """The worker's commission rules at the versions the post's one read saw."""
    version = (context["commissions_version"], context["tracking_version"])
    return sender.rules.get(conn, version)


def known_caps(
    conn: Connection, sender: Sender, context: dict[str, Any], offerid: Any
) -> dict[str, Any]:
    """The offer's caps from the worker's cache at the version the post's one read saw, as
    the booking's `_caps` (then counting toward them costs no read); {} when not known."""
    version = context.get("tracking_version")
    if sender.caps is None or version is None or offerid is None:
        return {}
    return {"_caps": sender.caps.caps_of(conn, int(version), int(offerid))}


_SUBAFFS_OF = itemgetter(*SUBAFFS)


def subaffs_of(context: dict[str, Any]) -> tuple[str | None, ...]:
    try:
        found: tuple[str | None, ...] = _SUBAFFS_OF(context)
    except KeyError:  # a context without a click (a tracking code's) has none of them
        return tuple(context.get(name) for name in SUBAFFS)
    return found


def _by_click(conn: Connection, post: PixelParams, sender: Sender) -> dict[str, Any]:
    assert post.click_hash is not None
    row = resolve.click(conn, post.click_hash, post.orderid)
    resolve.check_narrowing(post, row)
    lists = sender.lists.get(conn, row["iplist_version"])
    check_sender(sender, lists, row["landing_pageid"], row["postback_ips"], "conversion")
    if row["dup_tid"] is not None:
        replay_or_conflict(post, sender, row["dup_cid"], row["dup_tid"], row["dup_fp"], "orderid")
    if row["conv_tid"] is not None:
        replay_or_conflict(post, sender, row["conv_cid"], row["conv_tid"], row["conv_fp"], "click")
    return {**row, "click_hash": post.click_hash}


def _by_code(conn: Connection, post: PixelParams, sender: Sender) -> dict[str, Any]:
    """A conversion named by the affiliate's tracking code instead of a click (no click hash)."""
    assert post.ocode is not None
    page, credit = resolve.code_page(conn, post.ocode)
    row: dict[str, Any] = {**page, "clickid": None, "click_hash": None, "ocid": None, **credit}
    resolve.check_narrowing(post, page)
    lists = sender.lists.get(conn, page["iplist_version"])
    check_sender(sender, lists, page["landing_pageid"], page["postback_ips"], "conversion")
    precheck_orderid(conn, post, sender, int(page["advertiserid"]))
    return row


def convert(conn: Connection, post: PixelParams, sender: Sender) -> dict[str, Any]:
    """Record a conversion: the customer (new or existing) and its initial transaction."""
    if post.click_hash:
        click = _by_click(conn, post, sender)
    elif post.ocode:
        click = _by_code(conn, post, sender)
    else:
        raise MissingParameter(
            "Missing required parameter 'click_hash': a conversion needs click_hash (or transid, "
            "the click cookie, or ocode)."
        )
    join_ip, bad_ip = post.join_ip()
    set_aside: SetAside = {"ip": bad_ip} if bad_ip else {}
    # One clock reading for the customer and its sale: each timestamp is then formatted once.
    now = utcnow()
    customer_id = customers.convert_customer(
        conn,
        advertiserid=click["advertiserid"],
        subscription_id=post.subscription_id,
        fields=post.fields(),
        join_ip=join_ip,
        loginid=click["loginid"],
        offerid=click["offerid"],
        landing_pageid=click["landing_pageid"],
        clickid=click["clickid"],
        origin=sender.origin.as_actor(str(click["advertiser_username"])),
        set_aside=set_aside,
        now=now,
    )
    revenue = post.amount if post.amount is not None else int(click["conversion_revenue"])
    rules = rules_of(conn, sender, click)
    sale = commissions.Sale(
        kind="initial",
        offerid=int(click["offerid"]),
        loginid=click["loginid"],
        revenue=revenue,
        default_type=click["conversion_payout_type"],
        default_amount=int(click["conversion_payout"]),
        country=commissions.payout_country(click.get("click_country"), post.country),
        subaffs=subaffs_of(click),
    )
    payouts = commissions.payees_for(conn, rules, sale, now, sender.policy)
    held = commissions.held_above_max(rules, sale.offerid, revenue)
    row = base_row(now, kind=post.trans_type, source=ADVERTISER)
    row.update(
        customer_id=customer_id,
        orderid=post.orderid,
        status=PENDING if click["pending_conversions"] or held else APPROVED,
        hold_reason=held,
        amount=revenue,
        amount_raw=post.amount_raw,
        loginid=click["loginid"],
        offerid=click["offerid"],
        advertiserid=click["advertiserid"],
        landing_pageid=click["landing_pageid"],
        fingerprint=sender.fingerprint,
        **click_attribution(click),
        **post.custom(),
    )
    row.update(known_caps(conn, sender, click, click["offerid"]))
    transactionid = txns.book(conn, row, payouts)
    if transactionid is None:
        after_conflict(conn, post, sender, int(click["advertiserid"]))
    return answer(customer_id, transactionid, set_aside)
