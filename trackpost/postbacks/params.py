"""The postback's parameters as advertisers send them, vendor-lineage synonyms included.

Names this module does not know are ignored: advertisers' integrations send their own extras,
and refusing them would drop real conversions. Known names are checked strictly.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from trackpost.core.errors import InvalidParameter
from trackpost.customers.lookup import parse_id
from trackpost.transactions.ledger import CUSTOM_FIELDS
from trackpost.transactions.money import decimal_cents

# type=... and its synonyms -> the postback kind.
KINDS = {
    "conversion": "conversion",
    "initial": "conversion",
    "sale": "conversion",
    "continuity": "continuity",
    "rebill": "continuity",
    "refund": "refund",
    "cancel": "cancel",
    "expire": "expire",
}
# The kind -> the ledger row's trans_type.
TRANS_TYPES = {
    "conversion": "initial",
    "continuity": "continuity",
    "refund": "refund",
    "cancel": "cancel",
    "expire": "expire",
}
SYNONYMS = {
    "click_hash": ("click_hash", "transid", "transaction_hash"),
    "amount": ("amount", "gross", "revenue"),
}
CUSTOMER_FIELDS = (
    "firstname",
    "lastname",
    "email",
    "username",
    "password",
    "address1",
    "address2",
    "city",
    "state",
    "country",
    "zip",
    "phone",
    "custom1",
    "custom2",
    "custom3",
    "custom4",
    "custom5",
)
MAX_KEY = 255
MAX_HASH = 64


@dataclass(frozen=True, slots=True)
class Postback:
    """One advertiser post, normalised: the kind, the keys, cents, and the customer fields."""

    kind: str
    click_hash: str | None = None
    ocode: str | None = None
    subscription_id: str | None = None
    orderid: str | None = None
    amount: int | None = None
    fields: dict[str, str] = field(default_factory=dict)
    join_ip: str | None = None
    custom: dict[str, str] = field(default_factory=dict)
    advertiserid: int | None = None
    landing_pageid: int | None = None
    original_orderid: str | None = None

    @property
    def trans_type(self) -> str:
        return TRANS_TYPES[self.kind]

    def canonical(self) -> bytes:
        """The content a replay must repeat exactly, in a stable encoding."""
        return orjson.dumps(
            {
                "kind": self.kind,
                "click_hash": self.click_hash,
                "ocode": self.ocode,
                "subscription_id": self.subscription_id,
                "orderid": self.orderid,
                "amount": self.amount,
                "fields": self.fields,
                "ip": self.join_ip,
                "custom": self.custom,
                "advertiserid": self.advertiserid,
                "landing_pageid": self.landing_pageid,
                "original_orderid": self.original_orderid,
            },
            option=orjson.OPT_SORT_KEYS,
        )


def text_param(params: Mapping[str, Any], name: str, limit: int = MAX_KEY) -> str | None:
    """A single value, or None when absent or blank (advertisers send blanks for 'not sent')."""
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # a JSON body's whole number
    elif isinstance(value, float):
        raise InvalidParameter(
            f"Parameter '{name}' is a JSON number with a fraction; send it as a string such as "
            '"9.95", so that no float rounding can touch it.'
        )
    elif not isinstance(value, str):
        raise InvalidParameter(f"Parameter '{name}' must be a single value, not a list or group.")
    if value == "":
        return None
    if len(value) > limit:
        raise InvalidParameter(
            f"Parameter '{name}' is too long: {len(value)} characters, at most {limit}."
        )
    return value


def _one_of(params: Mapping[str, Any], canonical: str, limit: int = MAX_KEY) -> str | None:
    """The value sent under a name or its synonyms; different values under two names is a 400."""
    found: tuple[str, str] | None = None
    for name in SYNONYMS[canonical]:
        if name not in params:
            continue
        value = text_param(params, name, limit)
        if value is None:
            continue
        if found is not None and found[1] != value:
            raise InvalidParameter(
                f"Parameters '{found[0]}' and '{name}' are the same thing but differ; send one."
            )
        found = (name, value)
    return found[1] if found else None


def _kind(params: Mapping[str, Any]) -> str:
    raw = text_param(params, "type", 32)
    if raw is None:
        return "conversion"
    kind = KINDS.get(raw.strip().lower())
    if kind is None:
        allowed = ", ".join(KINDS)
        raise InvalidParameter(f"Parameter 'type' must be one of {allowed}; got {raw!r}.")
    return kind


def _ip(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        raise InvalidParameter(
            f"Parameter 'ip' must be the customer's IPv4 or IPv6 address, got {value[:64]!r}."
        ) from None


def custom_params(params: Mapping[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in CUSTOM_FIELDS:
        if name not in params:  # most are: skip the call (a post is parsed for ~40 names)
            continue
        value = text_param(params, name)
        if value == "-1":
            raise InvalidParameter(f"Parameter '{name}' cannot be -1: that value is reserved.")
        if value is not None:
            out[name] = value
    return out


def parse_postback(params: Mapping[str, Any], cookie_hash: str | None) -> Postback:
    """Read a post; the click cookie stands in for click_hash when no key names the click."""
    click_hash = _one_of(params, "click_hash", MAX_HASH)
    ocode = text_param(params, "ocode", 400)
    if click_hash is None and ocode is None and cookie_hash:
        click_hash = cookie_hash[:MAX_HASH]
    amount_text = _one_of(params, "amount", 32)
    amount = decimal_cents("amount", amount_text) if amount_text is not None else None
    fields: dict[str, str] = {}
    for name in CUSTOMER_FIELDS:
        if name not in params:
            continue
        value = text_param(params, name, 1024)
        if value is not None:
            fields[name] = value
    advertiserid = text_param(params, "advertiserid", 32)
    landing_pageid = text_param(params, "landing_pageid", 32)
    return Postback(
        kind=_kind(params),
        click_hash=click_hash,
        ocode=ocode,
        subscription_id=text_param(params, "subscription_id"),
        orderid=text_param(params, "orderid"),
        amount=amount,
        fields=fields,
        join_ip=_ip(text_param(params, "ip", 64)),
        custom=custom_params(params),
        advertiserid=parse_id("advertiserid", advertiserid) if advertiserid else None,
        landing_pageid=parse_id("landing_pageid", landing_pageid) if landing_pageid else None,
        original_orderid=text_param(params, "original_orderid"),
    )
