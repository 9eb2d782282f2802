"""Trackfinity tracking codes: twelve dot-separated ids, base64-encoded (or shown as they are)."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import astuple, dataclass

from trackpost.core.fields import MAX_ID

# Positions 1 to 6 are documented; 7 to 12 follow the decoded field list of decode_trackingcode.
FIELDS = (
    "loginid",
    "programid",
    "offerid",
    "landing_pageid",
    "campaignid",
    "adtoolid",
    "subid1",
    "subid2",
    "promotionalid",
    "additional_trackingid",
    "affsubid",
    "affsource",
)
MAX_CODE_LENGTH = 400
_UNENCODED_RE = re.compile(r"^\d{1,19}(?:\.\d{1,19}){3,11}$", re.ASCII)
_BASE64_RE = re.compile(r"^[A-Za-z0-9+/_-]+={0,2}$")


class MalformedCode(ValueError):
    """The text is not a tracking code in either form."""


@dataclass(frozen=True, slots=True)
class TrackingCode:
    """The ids a linkcode carries; 0 means unused (or, for landing_pageid, the offer's default)."""

    loginid: int
    programid: int = 0
    offerid: int = 0
    landing_pageid: int = 0
    campaignid: int = 0
    adtoolid: int = 0
    subid1: int = 0
    subid2: int = 0
    promotionalid: int = 0
    additional_trackingid: int = 0
    affsubid: int = 0
    affsource: int = 0

    def dotted(self) -> str:
        """The unencoded form, e.g. 2.0.7.9.0.0.0.0.0.0.0.0."""
        return ".".join(str(v) for v in astuple(self))

    def encoded(self) -> str:
        """The usual form: base64 with padding, exactly as PHP's base64_encode writes it."""
        return base64.b64encode(self.dotted().encode("ascii")).decode("ascii")

    def render(self, style: str) -> str:
        return self.dotted() if style == "unencoded" else self.encoded()


def _ids(text: str) -> TrackingCode:
    values = [int(part) for part in text.split(".")]
    if any(v > MAX_ID for v in values):
        raise MalformedCode("an id in the tracking code is out of range")
    # Older codes may stop early; the fields they leave out are unused.
    values.extend([0] * (len(FIELDS) - len(values)))
    return TrackingCode(*values)


def decode(text: str) -> tuple[TrackingCode, bool]:
    """Decode either form; returns the ids and whether the code was unencoded."""
    if not text or len(text) > MAX_CODE_LENGTH:
        raise MalformedCode("the tracking code is empty or too long")
    if _UNENCODED_RE.match(text):
        return _ids(text), True
    if not _BASE64_RE.match(text):
        raise MalformedCode("the tracking code is not base64 or a dotted list of ids")
    # Accept the URL-safe alphabet and missing padding: links get rewritten by mail clients.
    body = text.rstrip("=").replace("-", "+").replace("_", "/")
    body += "=" * (-len(body) % 4)
    try:
        raw = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise MalformedCode("the tracking code is not valid base64") from None
    try:
        dotted = raw.decode("ascii")
    except UnicodeDecodeError:
        raise MalformedCode("the tracking code does not decode to a list of ids") from None
    if not _UNENCODED_RE.match(dotted):
        raise MalformedCode("the tracking code does not decode to a list of ids")
    return _ids(dotted), False
