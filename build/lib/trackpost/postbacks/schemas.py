"""Responses of the public postback endpoints (their parameters: postbacks/params.py), and the
failed-postback endpoints' parameters and responses."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema

from trackpost.core.errors import InvalidParameter
from trackpost.core.fields import Id, IdList, Str64, When, id_value
from trackpost.core.validation import ParamModel

PIXEL_RESPONSE: dict[str, Any] = {
    "type": "object",
    "required": ["result", "customer_id", "transactionid"],
    "properties": {
        "result": {"const": "success"},
        "customer_id": {"type": "integer"},
        "transactionid": {"type": "integer"},
        "warnings": {
            "type": "array",
            "description": "only when a customer field could not be stored and was set aside",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string"},
                    "code": {"const": "field_set_aside"},
                    "message": {"type": "string"},
                },
            },
        },
    },
}
VOID_RESPONSE: dict[str, Any] = {
    "type": "object",
    "required": ["result", "message"],
    "properties": {"result": {"const": "success"}, "message": {"type": "string"}},
}


def _blank(value: object) -> object:
    # PHP clients send blanks for the filters they do not set.
    return None if value == "" else value


def _whole(name: str, default: int, low: int, high: int) -> BeforeValidator:
    def check(value: object) -> int:
        if value is None or value == "":
            return default
        number = id_value(value) if value not in ("0", 0) else 0
        if number is None or not low <= number <= high:
            raise InvalidParameter(
                f"Parameter '{name}' must be a whole number from {low} to {high}, got "
                f"{str(value)[:32]!r}."
            )
        return number

    return BeforeValidator(check)


Blank = BeforeValidator(_blank)


class FailedParams(ParamModel):
    """The failed-postback list's filters: each optional (blank is not given), combined with AND."""

    advertiserid: Annotated[Id | None, Blank] = Field(
        None, description="the advertiser the post named, or its click, page or orderid's"
    )
    code: Annotated[Str64 | None, Blank] = Field(
        None, description="the refusal's error code, e.g. postback_ip_not_allowed"
    )
    endpoint: Annotated[Literal["pixel", "void"] | None, Blank] = Field(
        None, description="pixel (process_pixel) or void (process_void)"
    )
    start_date: When = Field(None, description="received at or after")
    end_date: When = Field(None, description="received before")
    resolved: Annotated[bool | None, Blank] = Field(
        None, description="1: only those a replay resolved; 0: only those still failing"
    )
    start: Annotated[int, _whole("start", 0, 0, 10**12)] = 0
    count: Annotated[int, _whole("count", 100, 1, 1000)] = 100

    def filters(self) -> dict[str, Any]:
        """The filters sent, as the repository takes them."""
        if self.start_date and self.end_date and self.start_date >= self.end_date:
            raise InvalidParameter("Parameter 'end_date' must be after 'start_date'.")
        found = {
            "advertiserid": self.advertiserid,
            "code": self.code,
            "endpoint": self.endpoint,
            "since": self.start_date,
            "until": self.end_date,
            "resolved": self.resolved,
        }
        return {k: v for k, v in found.items() if v is not None}


class ReplayParams(ParamModel):
    """Which failed posts to replay."""

    failedid: Annotated[
        IdList,
        WithJsonSchema(
            {
                "anyOf": [
                    {"type": "string", "pattern": r"^\d+(,\d+)*$", "examples": ["7,8"]},
                    {"type": "array", "items": {"type": "integer", "minimum": 1}},
                ]
            }
        ),
    ] = Field(description="one failedid, a comma-separated list, or an array (at most 1000)")


_FAILED_ITEM: dict[str, Any] = {
    "type": "object",
    "properties": {
        "failedid": {"type": "integer"},
        "received_at": {"type": "string", "format": "date-time"},
        "endpoint": {"enum": ["pixel", "void"]},
        "sender_ip": {"type": ["string", "null"]},
        "advertiserid": {"type": ["integer", "null"]},
        "status": {"type": "integer"},
        "code": {"type": "string"},
        "message": {"type": "string"},
        "params": {"type": "object", "description": "as sent, passwords masked"},
        "has_cookie": {"type": "boolean"},
        "request_id": {"type": ["string", "null"]},
        "replay_count": {"type": "integer"},
        "replayed_at": {"type": ["string", "null"]},
        "replayed_by": {"type": ["string", "null"]},
        "replay_answer": {"type": ["object", "null"]},
        "resolved": {"type": "boolean"},
    },
}
FAILED_RESPONSE: dict[str, Any] = {
    "type": "object",
    "required": ["result", "total", "start", "count", "failed"],
    "properties": {
        "result": {"const": "success"},
        "total": {"type": "integer"},
        "start": {"type": "integer"},
        "count": {"type": "integer"},
        "failed": {"type": "array", "items": _FAILED_ITEM},
    },
}
REPLAY_RESPONSE: dict[str, Any] = {
    "type": "object",
    "required": ["result", "results"],
    "properties": {
        "result": {"const": "success"},
        "results": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["failedid", "result"],
                "properties": {
                    "failedid": {"type": "integer"},
                    "result": {"enum": ["success", "error"]},
                },
            },
        },
    },
}
