"""Advertiser postbacks: parse, then hand the post to its kind. Nothing here commits."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from trackpost.postbacks.common import Sender
from trackpost.postbacks.conversion import convert
from trackpost.postbacks.followups import follow_up
from trackpost.postbacks.params import Postback, parse_postback

__all__ = ["Postback", "Sender", "parse_postback", "process"]


def process(conn: Connection, post: Postback, sender: Sender) -> dict[str, Any]:
    """Record one post; the answer is {"result":"success","customer_id":..,"transactionid":..}."""
    if post.kind == "conversion":
        return convert(conn, post, sender)
    return follow_up(conn, post, sender)
