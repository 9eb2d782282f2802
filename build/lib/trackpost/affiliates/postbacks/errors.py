"""Errors of affiliate postbacks and pixels."""

from __future__ import annotations

from trackpost.core.errors import InvalidParameter, NotFound


class PostbackNotFound(NotFound):
    code = "postback_not_found"


class PostbackNotAllowed(InvalidParameter):
    code = "postback_not_allowed"


class PixelClickNotFound(NotFound):
    code = "unknown_click_hash"
