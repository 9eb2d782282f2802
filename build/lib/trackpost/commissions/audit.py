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


def _parsed(text: str | None) -> Any:
    return None if text is None else orjson.loads(text)


def history(
    conn: Connection, offerid: int | None, changeid: int | None, start: int, count: int
) -> dict[str, Any]:
    """Who changed which rule and when, with the rule before and after, newest first."""
    filters = {k: v for k, v in (("offerid", offerid), ("changeid", changeid)) if v is not None}
    total, rows = repo.history(conn, filters, start, count)
    return {
        "total": total,
        "history": [
            {
                "auditid": r["auditid"],
                "offerid": r["offerid"],
                "changeid": r["changeid"],
                "action": r["action"],
                "actor": r["actor"],
                "source": r["source"],
                "source_ip": r["source_ip"],
                "request_id": r["request_id"],
                "at": iso(r["created_at"]),
                "before": _parsed(r["before"]),
                "after": _parsed(r["after"]),
            }
            for r in rows
        ],
    }


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
