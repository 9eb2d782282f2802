"""The webhooks domain's errors."""

from __future__ import annotations

from trackpost.core.errors import InvalidParameter, NotFound


class EndpointNotFound(NotFound):
    code = "webhook_endpoint_not_found"


class UnknownEventType(InvalidParameter):
    code = "unknown_event_type"
