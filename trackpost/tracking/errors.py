"""Errors of linkcodes and clicks."""

from trackpost.core.errors import BadRequest, NotFound


class InvalidTrackingCode(NotFound):
    """A code that is not a tracking code at all: nothing can match it, hence 404."""

    code = "invalid_tracking_code"


class NoLandingPage(NotFound):
    code = "landing_page_not_found"


class InvalidLinkStyle(BadRequest):
    code = "invalid_parameter"
