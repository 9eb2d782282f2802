"""The delivery domain's errors: templates, destinations and deliveries."""

from __future__ import annotations

from trackpost.core.errors import InvalidParameter, NotFound


class InvalidTemplate(InvalidParameter):
    code = "invalid_template"


class DeliveryNotFound(NotFound):
    code = "delivery_not_found"
