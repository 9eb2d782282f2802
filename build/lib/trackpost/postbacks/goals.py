"""A goal post: a customer (or a click) reached one of its offer's goals (a free signup, say).

The goal transaction has its own revenue (the offer goal's revenue_type) and commissions (the
goal's changes, else its default), and pays referrers, managers and partners when the goal's
switches say so. Named by click hash (before or after the conversion: before it, the customer
is made as a conversion would make it) or by subscription_id. The same goal twice for one
customer is 409 unless the goal allows repeats.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection

from trackpost.commissions import service as commissions
from trackpost.core.db import utcnow
from trackpost.core.errors import MissingParameter
from trackpost.customers import service as customers
from trackpost.postbacks import resolve
from trackpost.postbacks.conversion import rules_of, subaffs_of
from trackpost.postbacks.errors import GoalAlreadyReached, GoalNotEnabled
from trackpost.postbacks.followups import customer_of
from trackpost.postbacks.params import PixelParams
from trackpost.postbacks.replay import after_conflict, answer, precheck_orderid
from trackpost.postbacks.sender import Sender, check_sender
from trackpost.transactions import service as txns
from trackpost.transactions.ledger import ADVERTISER, APPROVED, PENDING, base_row, click_attribution


def _by_click(conn: Connection, post: PixelParams, sender: Sender) -> tuple[int, dict[str, Any]]:
    """The click's customer (made now when the click has not converted) and its context."""
    assert post.click_hash is not None
    click = resolve.click(conn, post.click_hash, post.orderid)
    resolve.check_narrowing(post, click)
    lists = sender.lists.get(conn, click["iplist_version"])
    check_sender(sender, lists, click["landing_pageid"], click["postback_ips"], "goal")
    precheck_orderid(conn, post, sender, int(click["advertiserid"]))
    if click["conv_cid"] is not None:
        customer = customers.find_customer(conn, customer_id=int(click["conv_cid"]))
        return int(customer["customer_id"]), {**click, "click_hash": post.click_hash}
    customer_id = customers.convert_customer(
        conn,
        advertiserid=click["advertiserid"],
        subscription_id=post.subscription_id,
        fields=post.fields(),
        join_ip=post.ip,
        loginid=click["loginid"],
        offerid=click["offerid"],
        landing_pageid=click["landing_pageid"],
        clickid=click["clickid"],
        origin=sender.origin.as_actor(str(click["advertiser_username"])),
    )
    return customer_id, {**click, "click_hash": post.click_hash}


def _by_customer(conn: Connection, post: PixelParams, sender: Sender) -> tuple[int, dict[str, Any]]:
    customer, ctx = customer_of(conn, post, sender)
    precheck_orderid(conn, post, sender, int(customer["advertiserid"]))
    context = {
        **ctx,
        "advertiserid": customer["advertiserid"],
        "offerid": customer["offerid"],
        "loginid": customer["loginid"],
        "landing_pageid": customer["landing_pageid"],
        "pending_conversions": False,
    }
    return int(customer["customer_id"]), context


def _goal_id(conn: Connection, post: PixelParams, offerid: int) -> int:
    if post.offer_goal_id is not None:
        found = commissions.goal_of_offer_goal(conn, post.offer_goal_id)
        if found is None or found[0] != offerid:
            raise GoalNotEnabled(
                f"offer_goal_id {post.offer_goal_id} is not a goal of offer {offerid}."
            )
        if post.goal_id is not None and post.goal_id != found[1]:
            raise GoalNotEnabled(
                f"goal_id {post.goal_id} and offer_goal_id {post.offer_goal_id} name different "
                "goals."
            )
        return found[1]
    if post.goal_id is None:
        raise MissingParameter("Missing required parameter 'goal_id': a goal post names its goal.")
    return post.goal_id


def goal(conn: Connection, post: PixelParams, sender: Sender) -> dict[str, Any]:
    """Record a goal transaction on its customer."""
    if post.click_hash:
        customer_id, ctx = _by_click(conn, post, sender)
    elif post.subscription_id:
        customer_id, ctx = _by_customer(conn, post, sender)
    else:
        raise MissingParameter(
            "Missing required parameter 'click_hash': a goal post names the click (click_hash) "
            "or the customer (subscription_id)."
        )
    offerid = int(ctx["offerid"] or 0)
    goalid = _goal_id(conn, post, offerid)
    rules = rules_of(conn, sender, ctx)
    terms = rules.goals.get((offerid, goalid))
    if terms is None or not terms.enabled:
        raise GoalNotEnabled(f"Goal {goalid} (goal_id) is not enabled on offer {offerid}.")
    if not terms.allow_repeat:
        earlier = txns.goal_reached(conn, customer_id, goalid)
        if earlier is not None:
            raise GoalAlreadyReached(
                f"Customer {customer_id} already reached goal {goalid} (transaction "
                f"{earlier}); this goal does not allow repeats."
            )
    return _book(conn, post, sender, customer_id, ctx, goalid, rules, terms)


def _book(
    conn: Connection,
    post: PixelParams,
    sender: Sender,
    customer_id: int,
    ctx: Mapping[str, Any],
    goalid: int,
    rules: commissions.Rules,
    terms: Any,
) -> dict[str, Any]:
    now = utcnow()
    revenue = commissions.goal_revenue(terms, post.amount)
    sale = commissions.Sale(
        kind="goal",
        offerid=int(ctx["offerid"] or 0),
        loginid=ctx["loginid"],
        revenue=revenue,
        goalid=goalid,
        country=commissions.payout_country(ctx.get("click_country"), post.country),
        subaffs=subaffs_of(dict(ctx)),
    )
    payouts = commissions.payees_for(conn, rules, sale, now, sender.policy)
    held = commissions.held_above_max(rules, sale.offerid, revenue)
    row = base_row(now, kind="goal", source=ADVERTISER)
    row.update(
        customer_id=customer_id,
        orderid=post.orderid,
        status=PENDING if ctx.get("pending_conversions") or held else APPROVED,
        hold_reason=held,
        amount=revenue,
        goalid=goalid,
        loginid=ctx["loginid"],
        offerid=ctx["offerid"],
        advertiserid=ctx["advertiserid"],
        landing_pageid=ctx["landing_pageid"],
        fingerprint=sender.fingerprint,
        **click_attribution(ctx),
        **post.custom(),
    )
    transactionid = txns.book(conn, row, payouts)
    if transactionid is None:
        after_conflict(conn, post, sender, int(ctx["advertiserid"]))
    return answer(customer_id, transactionid)
