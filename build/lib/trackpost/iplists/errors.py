"""Errors of the config domain; the vendor's IP-list calls answer errors in a `data` field."""

from trackpost.core.errors import BadRequest


class InvalidIp(BadRequest):
    code = "invalid_ip"

    def __init__(self, message: str) -> None:
        super().__init__(message, extra={"data": "Invalid ip"})
