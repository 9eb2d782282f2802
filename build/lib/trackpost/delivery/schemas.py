"""Parameters and answers of the delivery log: search and retry."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from trackpost.core.fields import Id, IdList, Str64, When
from trackpost.core.validation import ParamModel
from trackpost.delivery.service import STATUSES

Status = Literal["pending", "sending", "done", "failed", "gone", "paused", "cancelled"]
assert set(Status.__args__) == set(STATUSES)  # type: ignore[attr-defined]


class SearchDeliveries(ParamModel):
    """Every filter is optional; they combine with AND. Dates bound created_at [start, end)."""

    loginid: Id | None = Field(None, description="the affiliate a postback was for")
    event: Str64 | None = None
    status: Status | None = None
    kind: Literal["postback", "webhook"] | None = None
    subscription_id: Id | None = Field(None, description="a postbackid or an endpointid")
    customer_id: Id | None = None
    start_date: When = None
    end_date: When = None
    start: Annotated[int, Field(ge=0, le=10_000_000)] = 0
    count: Annotated[int, Field(ge=1, le=500)] = 50


class RetryDeliveries(ParamModel):
    deliveryid: IdList


_NULLABLE_STR = {"type": ["string", "null"]}
_NULLABLE_INT = {"type": ["integer", "null"]}
ATTEMPT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "attempt": {"type": "integer"},
        "time": {"type": "string", "format": "date-time"},
        "url": {"type": "string", "description": "secrets masked"},
        "status": _NULLABLE_INT,
        "latency_ms": {"type": "integer"},
        "response": {"type": ["string", "null"], "description": "the answer's first 1 KiB"},
        "error": _NULLABLE_STR,
    },
}
DELIVERY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "deliveryid": {"type": "string"},
        "kind": {"enum": ["postback", "webhook"]},
        "subscription_id": {"type": "string"},
        "event": {"type": "string"},
        "event_id": _NULLABLE_INT,
        "customer_id": _NULLABLE_INT,
        "loginid": _NULLABLE_INT,
        "method": {"type": "string"},
        "url": {"type": "string", "description": "secrets masked"},
        "status": {"enum": list(STATUSES)},
        "attempts": {"type": "integer"},
        "next_attempt": {"type": ["string", "null"], "format": "date-time"},
        "last_status": _NULLABLE_INT,
        "last_error": _NULLABLE_STR,
        "delivered_at": {"type": ["string", "null"], "format": "date-time"},
        "created_at": {"type": "string", "format": "date-time"},
        "attempt_log": {"type": "array", "items": ATTEMPT_SCHEMA},
    },
}
SEARCH_RESPONSE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "result": {"const": "Success"},
        "total": {"type": "integer"},
        "start": {"type": "integer"},
        "count": {"type": "integer"},
        "deliveries": {"type": "array", "items": DELIVERY_SCHEMA},
    },
}
RETRY_RESPONSE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "result": {"const": "Success"},
        "message": {"type": "object", "properties": {"deliveryid": {"type": "array"}}},
    },
}
