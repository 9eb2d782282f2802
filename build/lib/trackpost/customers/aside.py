"""Customer fields an advertiser's post sent that cannot be stored are set aside, not refused.

A sale is booked whatever its customer data says: an invalid email, a zip too long for the
column or a username another customer of the advertiser has would otherwise refuse the post,
and the advertiser does not retry a 4xx. Each such field is kept in the customer's `set_aside`
column with its raw value and the reason, shown in the customer's details and history, and
named in the post's answer (`warnings`). A later post that sends the field validly clears it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import orjson

from trackpost.core.errors import UnknownParameter
from trackpost.core.fields import iso
from trackpost.customers.audit import SECRET_FIELDS, masked
from trackpost.customers.errors import InvalidField
from trackpost.customers.fields import ADVERTISER_FIELDS, check_value

# field -> (the raw value sent, why it could not be stored)
SetAside = dict[str, tuple[str, str]]
MAX_RAW = 1024


def sort_fields(fields: Mapping[str, str | None]) -> tuple[dict[str, str | None], SetAside]:
    """The values to store (blank: not sent; None clears) and the ones to set aside."""
    values: dict[str, str | None] = {}
    aside: SetAside = {}
    for name, value in fields.items():
        if name not in ADVERTISER_FIELDS:
            raise UnknownParameter(f"Unknown customer field '{name}'.")
        if value == "":
            continue
        if value is None:
            if name != "status":  # a post's status always comes from its type
                values[name] = None
            continue
        try:
            values[name] = check_value(name, value)
        except InvalidField as exc:
            aside[name] = (value, exc.message)
    return values, aside


def decode(raw: str | None) -> dict[str, Any]:
    """The stored set-aside entries ({} when none)."""
    found = orjson.loads(raw) if raw else {}
    return found if isinstance(found, dict) else {}


def entries(aside: SetAside, at: dt.datetime) -> dict[str, dict[str, str]]:
    """The entries to store for these fields: raw value (secrets masked, long ones cut), reason."""
    out: dict[str, dict[str, str]] = {}
    for name, (raw, problem) in aside.items():
        value = masked(name, raw) if name in SECRET_FIELDS else raw[:MAX_RAW]
        out[name] = {"value": value, "problem": problem, "at": iso(at) or ""}
    return out


def merged(
    before: dict[str, Any], aside: SetAside, stored: Mapping[str, Any], at: dt.datetime
) -> dict[str, Any] | None:
    """The entries after a post: its stored fields' old entries dropped, its new ones added."""
    after = {k: v for k, v in before.items() if k not in stored}
    after.update(entries(aside, at))
    return after or None


def encode(value: Mapping[str, Any] | None) -> str | None:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode() if value else None


def warnings(aside: SetAside) -> list[dict[str, str]]:
    """The post's answer's `warnings`: each field set aside, and why."""
    return [
        {"field": name, "code": "field_set_aside", "message": f"{problem} It was set aside."}
        for name, (_raw, problem) in aside.items()
    ]
