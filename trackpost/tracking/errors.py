"""Errors of linkcodes and clicks."""

from trackpost.core.errors import NotFound


class InvalidTrackingCode(NotFound):
    """A code that is not a tracking code at all: nothing can match it, hence 404."""

    code = "invalid_tracking_code"
