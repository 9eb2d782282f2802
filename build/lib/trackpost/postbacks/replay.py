"""A post meeting an event that already holds its orderid (or its click): replay or conflict.

A replay (the same content, by fingerprint) answers the original success and writes nothing;
other content under the same orderid, or a second conversion of one click, is a 409.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from trackpost.core.errors import Conflict
from trackpost.customers.service import SetAside, set_aside_warnings
from trackpost.postbacks.errors import ClickAlreadyConverted, Replayed
from trackpost.postbacks.params import CONVERSIONS, PixelParams
from trackpost.postbacks.sender import Sender
from trackpost.transactions import service as txns


def answer(
    customer_id: int, transactionid: int | None, set_aside: SetAside | None = None
) -> dict[str, Any]:
    """The success every postback answers (and a replay answers again, without warnings);
    `warnings` names each customer field set aside, only when there is one."""
    body: dict[str, Any] = {
        "result": "success",
        "customer_id": customer_id,
        "transactionid": transactionid,
    }
    if set_aside:
        body["warnings"] = set_aside_warnings(set_aside)
    return body


def replay_or_conflict(
    post: PixelParams,
    sender: Sender,
    customer_id: int,
    transactionid: int,
    fingerprint: str | None,
    by: str,
) -> None:
    """An existing event holds this post's orderid (or click): same content is a replay."""
    if fingerprint == sender.fingerprint:
        raise Replayed(answer(customer_id, transactionid))
    if by == "click":
        raise ClickAlreadyConverted(
            f"Click {post.click_hash!r} already converted (transaction {transactionid}); a click "
            "converts once. Send continuity posts for later sales."
        )
    raise txns.orderid_taken(post.orderid, transactionid)


def precheck_orderid(
    conn: Connection, post: PixelParams, sender: Sender, advertiserid: int
) -> None:
    """Answer a replay before writing anything, when the advertiser's orderid is already taken
    (orderids are unique per advertiser: another advertiser's equal one is no conflict)."""
    if not post.orderid:
        return
    row = txns.replay_target(conn, "orderid", post.orderid, advertiserid)
    if row is not None:
        replay_or_conflict(
            post, sender, row["customer_id"], row["transactionid"], row["fingerprint"], "orderid"
        )


def after_conflict(conn: Connection, post: PixelParams, sender: Sender, advertiserid: int) -> None:
    """The insert hit a unique key a concurrent post took first: find which, and answer."""
    precheck_orderid(conn, post, sender, advertiserid)
    if post.click_hash and post.kind in CONVERSIONS:
        row = txns.replay_target(conn, "hash", post.click_hash)
        if row is not None:
            replay_or_conflict(
                post, sender, row["customer_id"], row["transactionid"], row["fingerprint"], "click"
            )
    # Not reachable while orderid and the click's conversion are the only unique keys.
    raise Conflict("The post conflicts with another one recorded at the same time; retry it.")
