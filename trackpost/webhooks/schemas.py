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
