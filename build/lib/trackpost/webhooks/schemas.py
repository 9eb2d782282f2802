"""Parameters and answers of the webhook endpoints, and the message schema receivers get."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema

from trackpost.core.fields import Flag, Id, Str255, Url
from trackpost.core.validation import ParamModel
from trackpost.webhooks.service import ALL, EVENT_TYPES, event_types


def _events(value: object) -> object:
    if isinstance(value, str):
        return event_types([value])
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return event_types(value)
    if isinstance(value, dict):  # PHP's events[0]=...&events[1]=...
        return event_types(str(v) for v in value.values())
    raise ValueError("must be a comma-separated list or an array of event types")


EventTypes = Annotated[
    tuple[str, ...],
    BeforeValidator(_events),
    WithJsonSchema(
        {
            "description": "A comma list or an array of event types, or * for all.",
            "oneOf": [
                {"type": "string", "examples": ["customer.locked,customer.unlocked"]},
                {"type": "array", "items": {"enum": [*EVENT_TYPES, ALL]}},
            ],
        }
    ),
]


class AddEndpoint(ParamModel):
    url: Url
    events: EventTypes
    description: Str255 | None = None


class EndpointId(ParamModel):
    endpointid: Id


class EditEndpoint(ParamModel):
    endpointid: Id
    url: Url | None = None
    events: EventTypes | None = None
    description: Str255 | None = None
    active: Flag | None = None


def _success(message: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["result", "message"],
        "properties": {"result": {"const": "Success"}, "message": message},
    }


SECRET_RESPONSE = _success(
    {
        "type": "object",
        "properties": {
            "endpointid": {"type": "string"},
            "secret": {"type": "string", "pattern": "^whsec_"},
        },
    }
)
SUCCESS_RESPONSE: dict[str, Any] = {
    "type": "object",
    "properties": {"result": {"const": "Success"}},
}
ENDPOINT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "endpointid": {"type": "string"},
        "url": {"type": "string"},
        "events": {"type": "array", "items": {"type": "string"}},
        "description": {"type": ["string", "null"]},
        "active": {"type": "boolean"},
        "delivery_state": {"enum": ["active", "paused", "gone"]},
        "created_at": {"type": "string", "format": "date-time"},
    },
}
LIST_RESPONSE = _success({"type": "array", "items": ENDPOINT_SCHEMA})
# What every webhook request carries (version 1); documented in the OpenAPI document.
WEBHOOK_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "id", "timestamp", "version", "data"],
    "description": (
        "A webhook message, POSTed as JSON with the Standard Webhooks headers webhook-id, "
        "webhook-timestamp and webhook-signature (v1, HMAC-SHA256 over id.timestamp.body with the "
        "endpoint's whsec_ secret). Money in data is a decimal string in currency units."
    ),
    "properties": {
        "type": {"enum": [*EVENT_TYPES, "webhook.test"]},
        "id": {
            "type": ["string", "null"],
            "description": "evt_<event id>; the same event sent to several endpoints has one id",
        },
        "timestamp": {"type": "string", "format": "date-time"},
        "version": {"const": 1},
        "data": {"type": "object", "description": "The event's payload (docs/events.md)."},
    },
}

# Each event type's `data` (docs/events.md): fields listed here are always present; new ones
# may appear within version 1. Money is a decimal string in currency units.
_S: dict[str, Any] = {"type": "string"}
_NS: dict[str, Any] = {"type": ["string", "null"]}
_I: dict[str, Any] = {"type": "integer"}
_NI: dict[str, Any] = {"type": ["integer", "null"]}
_TIME: dict[str, Any] = {"type": "string", "format": "date-time"}
_MONEY: dict[str, Any] = {"type": "string", "description": "currency units", "examples": ["19.95"]}
_WHO = {"customer_id": _I, "actor": _NS, "source": _S, "at": _TIME}
_TRANSACTION = {
    "customer_id": _NI,
    "transactionid": _I,
    "trans_type": {"enum": ["initial", "continuity", "goal", "cancel", "expire", "trial"]},
    "status": _S,
    "amount": _MONEY,
    "total_payout": _MONEY,
    "chargeback_cost": _MONEY,
    "loginid": _NI,
    "offerid": _NI,
    "landing_pageid": _NI,
    "click_hash": _NS,
    "orderid": _NS,
    "goalid": _NI,
    "changeid": _NI,
    "parent_transactionid": _NI,
    "source": _S,
    "payouts": {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "loginid": _I,
                "type": {"enum": ["affiliate", "referral", "manager", "partner"]},
                "tier": _NI,
                "amount": _MONEY,
            },
        },
    },
}
PAYLOADS: dict[str, dict[str, Any]] = {
    "customer.created": {
        **_WHO,
        "advertiserid": _NI,
        "subscription_id": _NS,
        "loginid": _NI,
        "offerid": _NI,
        "landing_pageid": _NI,
    },
    "customer.locked": {**_WHO, "reason": _NS},
    "customer.unlocked": {**_WHO, "reason": _NS},
    "customer.updated": {
        **_WHO,
        "changes": {
            "type": "object",
            "description": "{field: {before, after}}; passwords masked",
            "additionalProperties": {"type": "object"},
        },
        "reason": _NS,
    },
    "transaction.created": _TRANSACTION,
    "transaction.voided": _TRANSACTION,
    "transaction.charged_back": _TRANSACTION,
    "transaction.reversed": _TRANSACTION,
    "transaction.refunded": _TRANSACTION,
    "transaction.approved": {
        "customer_id": _NI,
        "transactionid": _I,
        "approved_by": _NS,
        "amount": _MONEY,
        "total_payout": _MONEY,
    },
    "transaction.held": {"customer_id": _NI, "transactionid": _I, "offerid": _NI, "reason": _S},
    "cap.reached": {
        "capid": _I,
        "offerid": _I,
        "cap_offerid": _NI,
        "advertiserid": _NI,
        "scope": _S,
        "loginid": _NI,
        "type": {"description": "what is counted (conversions, clicks or revenue)", **_S},
        "cap": {"description": "the limit: a count, or currency units for revenue", **_S},
        "usage": {"description": "the count (or revenue) that reached it", **_S},
        "duration": _S,
        "window_start": {"type": ["string", "null"], "format": "date-time"},
        "reached_at": _TIME,
        "overflow": _NS,
    },
    "delivery.destination_paused": {
        "customer_id": {"type": "null"},
        "kind": {"enum": ["postback", "webhook"]},
        "subscription_id": {"type": "integer", "description": "the postbackid or endpointid"},
        "failing_since": _TIME,
        "last_error": _S,
    },
    "webhook.test": {"customer_id": {"type": "null"}, "endpointid": _I},
}
_REQUIRED: dict[str, list[str]] = {
    "cap.reached": ["capid", "offerid", "scope", "type", "cap", "usage", "reached_at"],
    "delivery.destination_paused": ["kind", "subscription_id", "failing_since", "last_error"],
}


def message_schema(type_: str) -> dict[str, Any]:
    """The JSON Schema of one event type's message: the envelope with its `data`."""
    data = {
        "type": "object",
        "properties": PAYLOADS[type_],
        "required": _REQUIRED.get(type_, list(PAYLOADS[type_])[:1]),
    }
    return {
        **WEBHOOK_SCHEMA,
        "properties": {**WEBHOOK_SCHEMA["properties"], "type": {"const": type_}, "data": data},
    }


def openapi_webhooks() -> dict[str, Any]:
    """OpenAPI 3.1 `webhooks`: one POST per event type, its body schema and what to answer."""
    return {
        type_: {
            "post": {
                "summary": f"{type_} (webhook message, schema version 1)",
                "description": str(WEBHOOK_SCHEMA["description"]),
                "tags": ["webhook"],
                "parameters": [
                    {"name": n, "in": "header", "required": True, "schema": {"type": "string"}}
                    for n in ("webhook-id", "webhook-timestamp", "webhook-signature")
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": message_schema(type_)}},
                },
                "responses": {
                    "2XX": {"description": "Received; any other answer is retried"},
                    "410": {"description": "Gone: the endpoint is stopped"},
                },
            }
        }
        for type_ in PAYLOADS
    }


assert set(PAYLOADS) == {*EVENT_TYPES, "webhook.test"}, set(PAYLOADS) ^ {*EVENT_TYPES}
