"""The commission audit: who changed which rule, when, and the rule before and after."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from sqlalchemy import Connection

from trackpost.commissions import repository as repo
from trackpost.core.fields import iso
from trackpost.core.origin import Origin


def _json(row: Mapping[Any, Any] | None) -> str | None:
    if row is None:
        return None
    return orjson.dumps({k: iso(v) if hasattr(v, "tzinfo") else v for k, v in row.items()}).decode()


def audit(
    conn: Connection,
    origin: Origin,
    action: str,
    offerid: int | None,
    changeid: int | None,
    before: Mapping[Any, Any] | None,
    after: Mapping[Any, Any] | None,
) -> None:
    """One audit row: who, when, what, and the rule before and after."""
    repo.insert_audit(
        conn,
        {
            "offerid": offerid,
            "changeid": changeid,
            "action": action,
            "actor": origin.actor[:64],
            "source": origin.source,
            "source_ip": origin.source_ip[:64] if origin.source_ip else None,
            "request_id": origin.request_id[:64] if origin.request_id else None,
            "before": _json(before),
            "after": _json(after),
        },
    )
