"""HTTP endpoints of the delivery log: search it, retry deliveries."""

from __future__ import annotations

from typing import Any

from trackpost.core.fields import iso
from trackpost.core.http import RequestContext, Router
from trackpost.delivery import service
from trackpost.delivery.outbound import mask_url
from trackpost.delivery.schemas import (
    RETRY_RESPONSE,
    SEARCH_RESPONSE,
    RetryDeliveries,
    SearchDeliveries,
)

router = Router("delivery")


def _shown(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "deliveryid": str(row["id"]),
        "kind": row["kind"],
        "subscription_id": str(row["subscription_id"]),
        "event": row["event_type"],
        "event_id": row["event_id"],
        "customer_id": row["customer_id"],
        "loginid": row["loginid"],
        "method": row["method"],
        "url": mask_url(row["url"]),
        "status": row["status"],
        "attempts": row["attempts"],
        "next_attempt": iso(row["next_at"]) if row["status"] == "pending" else None,
        "last_status": row["last_status"],
        "last_error": row["last_error"],
        "delivered_at": iso(row["delivered_at"]),
        "created_at": iso(row["created_at"]),
        "attempt_log": [
            {
                "attempt": a["attempt"],
                "time": iso(a["started_at"]),
                "url": a["url"],
                "status": a["status_code"],
                "latency_ms": a["latency_ms"],
                "response": a["response"],
                "error": a["error"],
            }
            for a in row["attempt_log"]
        ],
    }


@router.route(
    "GET",
    "/api/delivery/search",
    params=SearchDeliveries,
    summary="The outbound delivery log: postbacks and webhooks with every attempt",
    description=(
        "Filters: loginid (affiliate), event, status, kind, subscription_id, customer_id, "
        "start_date/end_date (created). Newest first; URLs have secrets masked."
    ),
    response=SEARCH_RESPONSE,
)
def search(ctx: RequestContext, params: SearchDeliveries) -> dict[str, Any]:
    filters = params.model_dump(exclude={"start", "count", "start_date", "end_date"})
    filters["start"], filters["end"] = params.start_date, params.end_date
    total, rows = service.search(ctx.conn, filters, params.count, params.start)
    return {
        "result": "Success",
        "total": total,
        "start": params.start,
        "count": len(rows),
        "deliveries": [_shown(r) for r in rows],
    }


@router.route(
    "POST",
    "/api/delivery/retry",
    params=RetryDeliveries,
    summary="Send deliveries again (one id or a comma list), with a fresh retry schedule",
    response=RETRY_RESPONSE,
    errors=(404,),
)
def retry(ctx: RequestContext, params: RetryDeliveries) -> dict[str, Any]:
    ids = service.retry(ctx.conn, list(params.deliveryid))
    return {"result": "Success", "message": {"deliveryid": [str(i) for i in ids]}}
