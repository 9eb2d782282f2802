"""What every postback kind shares: the sender, the IP rule, replay detection, the answer."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, RowMapping

from trackpost.core.errors import Conflict
from trackpost.iplists.rules import IpListCache, IpLists, post_allowed
from trackpost.postbacks.errors import ClickAlreadyConverted, PostbackRefused, Replayed
from trackpost.postbacks.params import Postback
from trackpost.transactions import repository as txn_repo
from trackpost.transactions.errors import DuplicateOrderid

log = logging.getLogger("trackpost.postbacks")


@dataclass(frozen=True, slots=True)
class Sender:
    """Who sent the post, as far as the service needs to know."""

    ip: str
    request_id: str | None
    fingerprint: str
    lists: IpListCache


def answer(customer_id: int, transactionid: int | None) -> dict[str, Any]:
    return {"result": "success", "customer_id": customer_id, "transactionid": transactionid}


def check_sender(
    sender: Sender,
    lists: IpLists,
    landing_pageid: int | None,
    landing_page_ips: str | None,
    what: str,
) -> None:
    """403 unless the global list or the landing page's list admits the sender (or both are empty)."""
    if post_allowed(sender.ip, lists, landing_page_ips):
        return
    refuse(sender, landing_pageid, what)


def refuse(sender: Sender, landing_pageid: int | None, what: str) -> None:
    # Only the path's facts are logged: a post's parameters may carry a customer's password.
    log.warning(
        "postback refused ip=%s kind=%s landing_pageid=%s request_id=%s",
        sender.ip,
        what,
        landing_pageid,
        sender.request_id,
    )
    page = f" for landing page {landing_pageid}" if landing_pageid else ""
    raise PostbackRefused(
        f"Postbacks are not accepted from {sender.ip}{page}: the address is on neither the "
        "global postback list nor the landing page's postback_ips."
    )


def replay_or_conflict(
    post: Postback,
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
    raise DuplicateOrderid(
        f"orderid {str(post.orderid)[:128]!r} was already used by transaction {transactionid} "
        "with different content; orderids are unique per install."
    )


def after_conflict(conn: Connection, post: Postback, sender: Sender) -> None:
    """The insert hit a unique key a concurrent post took first: find which, and answer."""
    if post.orderid:
        row = txn_repo.replay_target(conn, "orderid", post.orderid)
        if row is not None:
            replay_or_conflict(
                post,
                sender,
                row["customer_id"],
                row["transactionid"],
                row["fingerprint"],
                "orderid",
            )
    if post.click_hash and post.kind == "conversion":
        row = txn_repo.replay_target(conn, "hash", post.click_hash)
        if row is not None:
            replay_or_conflict(
                post, sender, row["customer_id"], row["transactionid"], row["fingerprint"], "click"
            )
    # Not reachable while orderid and the click's conversion are the only unique keys.
    raise Conflict("The post conflicts with another one recorded at the same time; retry it.")


def precheck_orderid(conn: Connection, post: Postback, sender: Sender) -> None:
    """Answer a replay before writing anything, when the orderid is already taken."""
    if not post.orderid:
        return
    row = txn_repo.replay_target(conn, "orderid", post.orderid)
    if row is not None:
        replay_or_conflict(
            post, sender, row["customer_id"], row["transactionid"], row["fingerprint"], "orderid"
        )


def customer_fields(post: Postback, status: str | None = None) -> dict[str, str | None]:
    fields: dict[str, str | None] = dict(post.fields)
    if status is not None:
        fields["status"] = status
    return fields


# What a ledger row copies from the click that earned it, whatever the postback's type.
CLICK_ATTRIBUTION = ("click_hash", "ocid", "programid", "campaignid", "adtoolid")


def attribution(source: Mapping[str, Any] | RowMapping, *names: str) -> dict[str, Any]:
    """Copy these columns of a click (or click context) row into a ledger row."""
    return {name: source[name] for name in names or CLICK_ATTRIBUTION}
