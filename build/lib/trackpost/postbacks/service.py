"""Advertiser postbacks: hand a parsed post to its kind. Nothing here commits."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from trackpost.postbacks.conversion import convert
from trackpost.postbacks.followups import follow_up
from trackpost.postbacks.goals import goal
from trackpost.postbacks.params import CONVERSIONS, PixelParams, parse_postback
from trackpost.postbacks.sender import Sender

__all__ = ["PixelParams", "Sender", "parse_postback", "process"]


def process(conn: Connection, post: PixelParams, sender: Sender) -> dict[str, Any]:
    """Record one post; the answer is {"result":"success","customer_id":..,"transactionid":..}."""
    if post.kind in CONVERSIONS:
        return convert(conn, post, sender)
    if post.kind == "goal":
        return goal(conn, post, sender)
    return follow_up(conn, post, sender)
