"""The conversion postback: a click (or a tracking code) becomes a customer and a sale.

The common case costs four statements: the click read, the customer insert, its audit row and
the ledger insert. A replay is answered after the first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, RowMapping

from trackpost.core.db import utcnow
from trackpost.core.errors import MissingParameter
from trackpost.customers import service as customers
from trackpost.customers.errors import LookupConflict, SubscriptionIdTaken
from trackpost.postbacks import repository as repo
from trackpost.postbacks.common import (
    Sender,
    after_conflict,
    answer,
    attribution,
    check_sender,
    customer_fields,
    precheck_orderid,
    replay_or_conflict,
)
from trackpost.postbacks.errors import (
    LandingPageNotFound,
    UnknownClickHash,
    UnknownTrackingCode,
)
from trackpost.postbacks.params import Postback
from trackpost.tracking import service as tracking
from trackpost.transactions.ledger import APPROVED, PENDING, base_row, record
from trackpost.transactions.money import payout_for


def _check_narrowing(post: Postback, row: Mapping[str, Any] | RowMapping) -> None:
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


def _by_click(conn: Connection, post: Postback, sender: Sender) -> dict[str, Any]:
    assert post.click_hash is not None
    row = repo.click_context(conn, post.click_hash, post.orderid)
    if row is None:
        raise UnknownClickHash(f"No click with click_hash {post.click_hash[:64]!r}.")
    _check_narrowing(post, row)
    lists = sender.lists.get(conn, row["iplist_version"])
    check_sender(sender, lists, row["landing_pageid"], row["postback_ips"], "conversion")
    if row["dup_tid"] is not None:
        replay_or_conflict(post, sender, row["dup_cid"], row["dup_tid"], row["dup_fp"], "orderid")
    if row["conv_tid"] is not None:
        replay_or_conflict(post, sender, row["conv_cid"], row["conv_tid"], row["conv_fp"], "click")
    return {**row, "click_hash": post.click_hash}


def _by_code(conn: Connection, post: Postback, sender: Sender) -> dict[str, Any]:
    """A conversion named by the affiliate's tracking code instead of a click (no click hash)."""
    assert post.ocode is not None
    resolution = tracking.resolve(conn, post.ocode)
    if resolution.target is None or resolution.code is None:
        raise UnknownTrackingCode(
            f"Parameter 'ocode' names no active affiliate link: {resolution.reason}."
        )
    page = repo.page_context(conn, resolution.target.landing_pageid)
    if page is None:
        raise LandingPageNotFound("The tracking code's landing page no longer exists.")
    code = resolution.code
    row: dict[str, Any] = {
        **page,
        "clickid": None,
        "click_hash": None,
        "loginid": code.loginid,
        "programid": code.programid,
        "campaignid": code.campaignid,
        "adtoolid": code.adtoolid,
        "ocid": None,
    }
    _check_narrowing(post, page)
    lists = sender.lists.get(conn, page["iplist_version"])
    check_sender(sender, lists, page["landing_pageid"], page["postback_ips"], "conversion")
    precheck_orderid(conn, post, sender)
    return row


def _customer(conn: Connection, post: Postback, sender: Sender, click: dict[str, Any]) -> int:
    """Create the customer, or update the advertiser's existing one with this subscription_id."""
    actor = str(click["advertiser_username"])
    fields = customer_fields(post)
    try:
        return customers.create_customer(
            conn,
            advertiserid=click["advertiserid"],
            subscription_id=post.subscription_id,
            fields=fields,
            join_ip=post.join_ip,
            loginid=click["loginid"],
            offerid=click["offerid"],
            landing_pageid=click["landing_pageid"],
            clickid=click["clickid"],
            actor=actor,
            request_id=sender.request_id,
            source_ip=sender.ip,
        )
    except SubscriptionIdTaken:
        pass
    customer = customers.find_customer(
        conn,
        subscription_id=post.subscription_id,
        advertiserid=click["advertiserid"],
        for_update=True,
    )
    customers.apply_advertiser_update(
        conn,
        customer,
        fields,
        actor=actor,
        source_ip=sender.ip,
        request_id=sender.request_id,
        action="postback:conversion",
    )
    return int(customer["customer_id"])


def convert(conn: Connection, post: Postback, sender: Sender) -> dict[str, Any]:
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
    customer_id = _customer(conn, post, sender, click)
    revenue = post.amount if post.amount is not None else int(click["conversion_revenue"])
    payout, percent = payout_for(
        revenue, click["conversion_payout_type"], int(click["conversion_payout"])
    )
    row = base_row(utcnow(), kind="initial", source="advertiser")
    row.update(
        customer_id=customer_id,
        orderid=post.orderid,
        status=PENDING if click["pending_conversions"] else APPROVED,
        amount=revenue,
        affiliate_payout=payout,
        payout_percent=percent,
        loginid=click["loginid"],
        offerid=click["offerid"],
        landing_pageid=click["landing_pageid"],
        fingerprint=sender.fingerprint,
        **attribution(click),
        **post.custom,
    )
    transactionid = record(conn, row)
    if transactionid is None:
        after_conflict(conn, post, sender)
    return answer(customer_id, transactionid)
