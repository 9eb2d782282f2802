"""Answers built straight into ASGI's raw headers: JSON, the error envelope, redirects."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

from trackpost.core.errors import TrackpostError


class RawResponse(Response):
    """An answer whose raw ASGI headers are given whole (content-length is added here).

    Starlette's Response.__init__ re-derives its headers through several helpers per answer;
    the hot answers (JSON, the click's redirect) know theirs already.
    """

    def __init__(
        self, status: int, raw_headers: list[tuple[bytes, bytes]], body: bytes = b""
    ) -> None:
        self.status_code = status
        self.background = None
        self.body = body
        self.raw_headers = [(b"content-length", str(len(body)).encode()), *raw_headers]


_JSON_TYPE = (b"content-type", b"application/json")


class JSONBytes(RawResponse):
    """A JSON answer: its bytes, the status, and any extra headers."""

    media_type = "application/json"

    def __init__(self, body: bytes, status: int = 200, headers: dict[str, str] | None = None):
        raw = [_JSON_TYPE]
        if headers:
            raw.extend(
                (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()
            )
        super().__init__(status, raw, body)


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return JSONBytes(orjson.dumps(data), status, headers)


# Business errors: what an integration that takes every non-200 for a transport failure may ask
# to receive as 200 (TRACKPOST_VENDOR_ERROR_STATUS). Authentication, throttling, size, method
# and availability keep their statuses: a client must still see those to stop or retry.
BUSINESS_STATUSES = frozenset({400, 404, 409})


def error_response(exc: TrackpostError, *, vendor_status: bool = False) -> Response:
    """The error envelope with its status (200 for business errors in vendor mode)."""
    status = 200 if vendor_status and exc.status in BUSINESS_STATUSES else exc.status
    return json_response(exc.body(), status, exc.headers)
