"""Parameters and answers of get_conversion_caps and the trackpost calls that manage caps."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated

from pydantic import AfterValidator, Field, WithJsonSchema

from trackpost.caps.rules import DURATIONS, OVERFLOWS, TIMEFRAMES, TYPES, vendor_key
from trackpost.core.fields import Flag, Id, OptionalUrl, When
from trackpost.core.validation import ParamModel

# Other spellings clients send for our keys.
_ALIASES = {"dollars": "revenue", "all_time": "all", "alltime": "all", "none_": "none"}
_OVERFLOW_ALIASES = {"none": "notify", "no_redirect": "notify", "landing_page": "offer"}


def _checker(names: Mapping[str, str], aliases: Mapping[str, str]) -> Callable[[str], str]:
    def check(value: str) -> str:
        key = vendor_key(value, names, aliases)
        if key is None:
            raise ValueError(f"must be one of {', '.join(names.values())} (or {', '.join(names)})")
        return key

    return check


def _enum(names: Mapping[str, str]) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "enum": [*names.values(), *names]})


_OVERFLOW_NAMES = {k: k for k in OVERFLOWS}


def _affiliate(value: str) -> str:
    text = value.strip().lower()
    if text in ("all", "each") or (text.isascii() and text.isdigit() and 0 < int(text) < 2**63):
        return text
    raise ValueError(
        "must be all (one pooled counter), each (a counter per affiliate) or a loginid"
    )


CapType = Annotated[str, AfterValidator(_checker(TYPES, _ALIASES)), _enum(TYPES)]
Duration = Annotated[str, AfterValidator(_checker(DURATIONS, _ALIASES)), _enum(DURATIONS)]
Timeframe = Annotated[str, AfterValidator(_checker(TIMEFRAMES, _ALIASES)), _enum(TIMEFRAMES)]
RedirectType = Annotated[
    str,
    AfterValidator(_checker(_OVERFLOW_NAMES, _OVERFLOW_ALIASES)),
    _enum(_OVERFLOW_NAMES),
]
Affiliate = Annotated[
    str,
    AfterValidator(_affiliate),
    WithJsonSchema(
        {"type": "string", "description": "all, each or a loginid", "examples": ["each"]}
    ),
]
CapValue = Annotated[
    str,
    Field(min_length=1, max_length=32),
    WithJsonSchema(
        {
            "type": "string",
            "description": "a whole count; for type Dollars an amount in the base currency",
            "examples": ["100", "2500.00"],
        }
    ),
]


class GetCaps(ParamModel):
    """All optional; without enabled or deleted only enabled caps are listed, as the vendor's."""

    offerid: Id | None = None
    advertiserid: Id | None = None
    loginid: Affiliate | None = None
    enabled: Flag | None = None
    deleted: Flag | None = None
    type: CapType | None = None
    duration: Duration | None = None
    timeframe_restriction: Timeframe | None = None


class CapFields(ParamModel):
    cap: CapValue | None = None
    type: CapType | None = None
    duration: Duration | None = None
    timeframe_restriction: Timeframe | None = None
    loginid: Affiliate | None = None
    start: When = None
    end: When = None
    enabled: Flag | None = None
    redirect_type: RedirectType | None = Field(
        default=None, description="offer (new_offerid), url (redirect_url) or notify (no redirect)"
    )
    new_offerid: Id | None = None
    new_landing_pageid: Id | None = None
    redirect_url: OptionalUrl | None = None


class AddCap(CapFields):
    offerid: Id | None = None
    advertiserid: Id | None = None


class EditCap(CapFields):
    cap_redirect_id: Id


class RemoveCap(ParamModel):
    cap_redirect_id: Id


_TEXT = {"type": "string"}
_NULLABLE = {"type": ["string", "null"]}
CAP_ROW = {
    "type": "object",
    "properties": {
        "cap_redirect_id": _TEXT,
        "offerid": _NULLABLE,
        "advertiserid": _NULLABLE,
        "loginid": {"type": "string", "description": "all, each or a loginid"},
        "type": {"enum": list(TYPES.values())},
        "cap": {"type": "string", "description": "a count; Dollars as 2500.00"},
        "duration": {"enum": list(DURATIONS.values())},
        "timeframe_restriction": {"enum": list(TIMEFRAMES.values())},
        "start": _NULLABLE,
        "end": _NULLABLE,
        "enabled": {"enum": ["0", "1"]},
        "deleted": {"enum": ["0", "1"]},
        "redirect_type": {"enum": list(OVERFLOWS)},
        "new_offerid": _NULLABLE,
        "new_landing_pageid": _NULLABLE,
        "redirect_url": _NULLABLE,
        "track": {"enum": ["0", "1"], "description": "1: an overflowed click is recorded"},
        "time_zone": {"type": "string", "description": "the zone the windows are counted in"},
        "window_start": {"type": "string", "description": "the current window's start (UTC)"},
        "usage": _NULLABLE,
        "remaining": _NULLABLE,
        "reached": {"enum": ["0", "1"]},
        "reached_at": _NULLABLE,
        "affiliates": {
            "type": "array",
            "description": "each caps only: every affiliate counted in the current window",
            "items": {
                "type": "object",
                "properties": {
                    "loginid": _TEXT,
                    "usage": _TEXT,
                    "remaining": _TEXT,
                    "reached_at": _NULLABLE,
                },
            },
        },
    },
}
GET_RESPONSE = {
    "type": "object",
    "required": ["result", "message", "data"],
    "properties": {
        "result": {"const": "success"},
        "message": {"type": "string"},
        "data": {"type": "array", "items": CAP_ROW},
    },
}
CAP_ANSWER = {
    "type": "object",
    "required": ["result", "message"],
    "properties": {
        "result": {"const": "Success"},
        "message": {
            "type": "object",
            "required": ["cap_redirect_id"],
            "properties": {"cap_redirect_id": _TEXT},
        },
    },
}
