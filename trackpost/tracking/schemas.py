"""Parameters and responses of the linkcode endpoints."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from trackpost.core.fields import Flag, Id, Str255
from trackpost.core.validation import ParamModel

Hidden = Annotated[int, Field(ge=0, le=2)]


class LinkParams(ParamModel):
    """What every link carries: the affiliate, what it points at, and the affiliate's extras."""

    loginid: Id
    offerid: Id | None = None
    landing_pageid: Id | None = None
    style: Literal["encoded", "unencoded"] = "encoded"
    subaff: Str255 | None = None
    subaff1: Str255 | None = None
    subaff2: Str255 | None = None
    subaff3: Str255 | None = None
    subaff4: Str255 | None = None
    subaff5: Str255 | None = None
    subids: Str255 | None = None
    ocid: Str255 | None = Field(default=None, alias="_ocid")
    code_only: Flag = False


class SingleLink(LinkParams):
    pass


class Links(LinkParams):
    get_hidden: Hidden = 0
    get_hidden_offers: Hidden = 2
    get_advertiser: Flag = False
    get_commission: Flag = False
    get_countries: Flag = False


class DecodeCode(ParamModel):
    ocode: Annotated[str, Field(min_length=1, max_length=400)]


SINGLE_LINK_RESPONSE: dict[str, Any] = {
    "type": "object",
    "required": ["result", "message"],
    "properties": {"result": {"const": "Success"}, "message": {"type": "string"}},
}
LINKS_RESPONSE: dict[str, Any] = {
    "type": "object",
    "required": ["result", "message"],
    "properties": {
        "result": {"const": "Success"},
        "message": {
            "type": "object",
            "description": "One entry per landing page, keyed by landing_pageid.",
            "additionalProperties": {
                "type": "object",
                "required": ["offerid", "landing_pageid", "link"],
                "properties": {
                    "offerid": {"type": "string"},
                    "offer_name": {"type": "string"},
                    "landing_pageid": {"type": "string"},
                    "landing_page_name": {"type": "string"},
                    "link": {"type": "string"},
                },
            },
        },
    },
}
_ID_TEXT = {"type": "string", "pattern": "^[0-9]+$"}
DECODE_RESPONSE: dict[str, Any] = {
    "type": "object",
    "required": ["loginid", "offerid", "landing_pageid", "tracked_details"],
    "properties": {
        "loginid": _ID_TEXT,
        "programid": _ID_TEXT,
        "offerid": _ID_TEXT,
        "landing_pageid": _ID_TEXT,
        "campaignid": _ID_TEXT,
        "adtoolid": _ID_TEXT,
        "is_unencoded": {"enum": ["0", "1"]},
        "tracked_details": {
            "type": "object",
            "properties": {
                "login_details": {"type": ["object", "null"]},
                "lp_details": {"type": ["object", "null"]},
            },
        },
    },
}
