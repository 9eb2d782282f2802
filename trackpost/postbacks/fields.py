"""How each value of an advertiser's post is read: the field types the post models are built of.

Each check raises the API's own sentence naming the parameter (pydantic lets a TrackpostError
through); a blank value means "not sent".
"""

from __future__ import annotations

import ipaddress
from typing import Annotated, NamedTuple

from pydantic import AfterValidator, BeforeValidator, ValidationInfo, WithJsonSchema

from trackpost.core.errors import InvalidParameter
from trackpost.core.fields import parse_id
from trackpost.transactions.money import decimal_cents

# type=... and its synonyms -> the postback kind.
KINDS = {
    "conversion": "conversion",
    "initial": "conversion",
    "sale": "conversion",
    "trial": "trial",
    "continuity": "continuity",
    "rebill": "continuity",
    "refund": "refund",
    "cancel": "cancel",
    "expire": "expire",
    "goal": "goal",
}
MAX_KEY = 255


def text(name: str, value: object, limit: int) -> str | None:
    """A single value, or None when absent or blank (advertisers send blanks for 'not sent')."""
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


def _name(info: ValidationInfo) -> str:
    return info.field_name or "parameter"


# Each check first tries the common case (a non-blank string within the limit) and only then
# the full reading, which names the parameter: every post is parsed on the hot path.
def text_param(limit: int, name: str | None = None) -> BeforeValidator:
    """A text parameter; a `name` known here spares pydantic a ValidationInfo per value."""
    if name is not None:
        known: str = name

        def named(value: object) -> str | None:
            if isinstance(value, str) and 0 < len(value) <= limit:
                return value
            return text(known, value, limit)

        return BeforeValidator(named)

    def check(value: object, info: ValidationInfo) -> str | None:
        if isinstance(value, str) and 0 < len(value) <= limit:
            return value
        return text(_name(info), value, limit)

    return BeforeValidator(check)


def _trimmed(value: str | None) -> str | None:
    # An orderid is compared as an id: "F1-C1 " is the order "F1-C1", as an amount's spaces are
    # not part of the amount, so a padded retry is a replay, not a second sale.
    if value is None:
        return None
    return value.strip() or None


Trimmed = AfterValidator(_trimmed)


class Posted(NamedTuple):
    """A posted amount: its cents (rounded half up once) and the text as sent."""

    cents: int
    raw: str


def _amount(value: object) -> Posted | None:
    found = value if isinstance(value, str) and 0 < len(value) <= 32 else text("amount", value, 32)
    return None if found is None else Posted(decimal_cents("amount", found), found)


def _id(value: object, info: ValidationInfo) -> int | None:
    name = _name(info)
    found = text(name, value, 32)
    return None if found is None else parse_id(name, found)


def _goal(value: object, info: ValidationInfo) -> int | None:
    """A goal id; 0 is the vendor's "main offer", i.e. no goal (an ordinary post)."""
    name = _name(info)
    found = text(name, value, 32)
    if found is None or found.strip() == "0":
        return None
    return parse_id(name, found)


def _kind(value: object) -> str:
    if isinstance(value, str) and (kind := KINDS.get(value)) is not None:
        return kind
    raw = text("type", value, 32)
    if raw is None:
        return "conversion"
    kind = KINDS.get(raw.strip().lower())
    if kind is None:
        raise InvalidParameter(f"Parameter 'type' must be one of {', '.join(KINDS)}; got {raw!r}.")
    return kind


def _ip(value: object) -> str | None:
    found = text("ip", value, MAX_FIELD)
    if found is None:
        return None
    # Normalised when it is an address; kept as sent otherwise, to be set aside, not refused.
    return address(found) or found


def address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def _custom(value: object, info: ValidationInfo) -> str | None:
    name = _name(info)
    found = text(name, value, MAX_KEY)
    if found == "-1":
        raise InvalidParameter(f"Parameter '{name}' cannot be -1: that value is reserved.")
    return found


def string_doc(limit: int) -> WithJsonSchema:
    return WithJsonSchema({"anyOf": [{"type": "string", "maxLength": limit}, {"type": "null"}]})


Key = Annotated[str | None, text_param(MAX_KEY), string_doc(MAX_KEY)]
# Customer fields: any length is read, and what the customer record cannot hold is set aside
# (customers/aside.py) rather than refused. The body's own cap bounds them.
MAX_FIELD = 1 << 20
Detail = Annotated[str | None, text_param(MAX_FIELD), string_doc(1024)]
Amount = Annotated[Posted | None, BeforeValidator(_amount), string_doc(32)]
Kind = Annotated[str, BeforeValidator(_kind), WithJsonSchema({"type": "string", "enum": [*KINDS]})]
IdParam = Annotated[
    int | None,
    BeforeValidator(_id),
    WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 1}, {"type": "null"}]}),
]
GoalParam = Annotated[
    int | None,
    BeforeValidator(_goal),
    WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 0}, {"type": "null"}]}),
]
Ip = Annotated[str | None, BeforeValidator(_ip), string_doc(64)]
TransCustom = Annotated[str | None, BeforeValidator(_custom), string_doc(MAX_KEY)]
