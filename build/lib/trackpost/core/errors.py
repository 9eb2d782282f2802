"""The one error hierarchy; every domain error is rendered by core.http into the envelope."""

from __future__ import annotations

from typing import Any, ClassVar


class TrackpostError(Exception):
    """Base of every expected failure: carries an HTTP status, a stable code and a sentence."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.error_code = code or self.code
        self.headers = headers or {}
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        """The error envelope; extra keys (vendor-compatible fields) never override the core."""
        out: dict[str, Any] = dict(self.extra)
        out.update({"result": "error", "code": self.error_code, "message": self.message})
        return out


class BadRequest(TrackpostError):
    status = 400
    code = "bad_request"


class MissingParameter(BadRequest):
    code = "missing_parameter"


class InvalidParameter(BadRequest):
    code = "invalid_parameter"


class UnknownParameter(BadRequest):
    code = "unknown_parameter"


class Unauthorized(TrackpostError):
    status = 401
    code = "unauthorized"


class Forbidden(TrackpostError):
    status = 403
    code = "forbidden"


class NotFound(TrackpostError):
    status = 404
    code = "not_found"


class MethodNotAllowed(TrackpostError):
    status = 405
    code = "method_not_allowed"


class Conflict(TrackpostError):
    status = 409
    code = "conflict"


class PayloadTooLarge(TrackpostError):
    status = 413
    code = "payload_too_large"


class UnsupportedMediaType(TrackpostError):
    status = 415
    code = "unsupported_media_type"


class TooManyRequests(TrackpostError):
    status = 429
    code = "too_many_requests"


class ServiceUnavailable(TrackpostError):
    status = 503
    code = "service_unavailable"


# Lookups and account names shared by several domains: one class each, here, so that no domain
# imports another's errors for them.
class MissingLookupKey(BadRequest):
    code = "missing_lookup_key"


class LookupConflict(BadRequest):
    code = "lookup_conflict"


class AdvertiserNotFound(NotFound):
    code = "advertiser_not_found"


class LandingPageNotFound(NotFound):
    code = "landing_page_not_found"


class UsernameTaken(Conflict):
    code = "username_taken"


class InvalidUsername(BadRequest):
    code = "invalid_username"


class NotSupported(BadRequest):
    """A documented vendor setting trackpost does not implement: refused, never silently kept."""

    code = "not_supported"
