"""The customer's parameters as types: each refuses a bad value with the sentence the API documents.

The editable fields' rule (`check_value`) is one function, used by the API's parameter types and by
the advertiser's posts, which update customers too.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, WithJsonSchema
from pydantic_core import PydanticKnownError

from trackpost.core.errors import InvalidParameter, UnknownParameter
from trackpost.core.fields import (
    FALSE_WORDS,
    FIRST_YEAR,
    LAST_YEAR,
    TRUE_WORDS,
    email_problem,
    in_date_range,
    parse_id,
)
from trackpost.customers.errors import InvalidField

REMOVE = "REMOVE"

# Column name -> longest accepted value. `zip` is short because it is a postal code.
DETAIL_FIELDS: dict[str, int] = {
    "firstname": 255,
    "lastname": 255,
    "email": 255,
    "username": 255,
    "password": 255,
    "address1": 255,
    "address2": 255,
    "city": 255,
    "state": 255,
    "country": 255,
    "zip": 32,
    "custom1": 255,
    "custom2": 255,
    "custom3": 255,
    "custom4": 255,
    "custom5": 255,
    "phone": 64,
    "status": 16,
}
# Advertiser posts carry the same fields (status: active, inactive, cancelled, expired).
ADVERTISER_FIELDS: dict[str, int] = dict(DETAIL_FIELDS)

CUSTOMER_STATUSES = frozenset({"active", "inactive", "cancelled", "expired"})
REASON_MAX = 500
DEFAULT_COUNT = 100
MAX_COUNT = 1000

_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


def check_value(name: str, value: str, limits: Mapping[str, int] = ADVERTISER_FIELDS) -> str:
    """Return the value to store, or raise a 400 that names the field and the problem."""
    if value == "":
        raise InvalidField(
            f"Parameter '{name}' is empty; send the value {REMOVE} to clear the field."
        )
    limit = limits[name]
    if len(value) > limit:
        raise InvalidField(
            f"Parameter '{name}' is too long: {len(value)} characters, at most {limit} are allowed."
        )
    if _CONTROL_RE.search(value):
        raise InvalidField(f"Parameter '{name}' contains control characters.")
    if name in ("email", "username") and any(unicodedata.category(c) == "Cf" for c in value):
        # Zero-width and bidi-override characters make one login look like another.
        raise InvalidField(f"Parameter '{name}' contains invisible formatting characters.")
    if name == "email":
        value = value.strip()
        if email_problem(value):
            raise InvalidField(f"Parameter 'email' is not a valid email address: {value!r}.")
    elif name == "status" and value not in CUSTOMER_STATUSES:
        allowed = ", ".join(sorted(CUSTOMER_STATUSES))
        raise InvalidField(f"Parameter 'status' must be one of {allowed}; got {value!r}.")
    elif name == "username" and value != value.strip():
        raise InvalidField("Parameter 'username' must not start or end with whitespace.")
    return value


def advertiser_values(fields: Mapping[str, str | None]) -> dict[str, str | None]:
    """An advertiser's customer fields as they will be stored: blank is not sent, None clears."""
    values: dict[str, str | None] = {}
    for name, value in fields.items():
        if name not in ADVERTISER_FIELDS:
            raise UnknownParameter(f"Unknown customer field '{name}'.")
        if value == "":
            continue  # advertisers often send empty optional parameters: they mean "not sent"
        if value is None and name == "status":
            raise InvalidField("Parameter 'status' cannot be cleared.")
        values[name] = None if value is None else check_value(name, value)
    return values


def _text(value: object) -> str:
    """A parameter as every ParamModel reads text: a string, or a JSON number's digits."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise PydanticKnownError("string_type")


def detail(name: str) -> AfterValidator:
    """The check of one field set_customer_details edits: REMOVE (kept as the marker) clears it."""
    limits = {name: DETAIL_FIELDS[name]}

    def check(value: str) -> str:
        if value == REMOVE:
            if name == "status":
                raise InvalidField(
                    "Parameter 'status' cannot be REMOVE: a customer always has a status "
                    "(active, inactive, cancelled or expired)."
                )
            if name == "password":
                raise InvalidField(
                    "Parameter 'password' cannot be REMOVE: a customer's password can be "
                    "changed but not removed."
                )
            return value
        return check_value(name, value, limits)

    return AfterValidator(check)


def _reason(value: str) -> str | None:
    """A lock/unlock/edit reason: optional, at most 500 characters, empty means none."""
    if value == "":
        return None
    if len(value) > REASON_MAX:
        raise InvalidField(
            f"Parameter 'reason' is too long: {len(value)} characters, at most {REASON_MAX} are "
            "allowed."
        )
    if "\x00" in value:
        raise InvalidField("Parameter 'reason' contains a NUL byte.")
    # A reason is shown in answers, history and logs: line breaks (a form's text area) become
    # spaces, and other control characters (ESC starts terminal escapes) are refused.
    value = value.translate(_LINE_BREAKS)
    if _REASON_CONTROL_RE.search(value):
        raise InvalidField("Parameter 'reason' contains control characters.")
    return value


_LINE_BREAKS = str.maketrans("\r\n\t", "   ")
_REASON_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def lookup_id(name: str) -> BeforeValidator:
    """customer_id, advertiserid: a positive whole number; blank is not sent."""

    def check(value: object) -> int | None:
        if value is None:
            return None
        text = _text(value)
        return parse_id(name, text) if text != "" else None

    return BeforeValidator(check)


def _start(value: object) -> int:
    text = "" if value is None else _text(value)
    if text == "":
        return 0
    digits = text.strip()
    if not digits.isascii() or not digits.isdigit() or len(digits) > 12:
        raise InvalidParameter(
            f"Parameter 'start' must be a whole number 0 or more, got {text[:32]!r}."
        )
    return int(digits)


def _count(value: object) -> int:
    text = "" if value is None else _text(value)
    if text == "":
        return DEFAULT_COUNT
    digits = text.strip()
    # The whole number is checked (zero-padding cannot smuggle a larger page past the cap);
    # its length first, so int() never sees thousands of digits.
    if not (digits.isascii() and digits.isdigit() and len(digits) <= 12) or not (
        1 <= int(digits) <= MAX_COUNT
    ):
        raise InvalidParameter(
            f"Parameter 'count' must be a whole number from 1 to {MAX_COUNT}, got {text[:32]!r}."
        )
    return int(digits)


def _locked(value: object) -> bool | None:
    if value is None:
        return None
    text = _text(value)
    if text == "":
        return None
    flag = text.strip().lower()
    if flag not in TRUE_WORDS and flag not in FALSE_WORDS:
        raise InvalidParameter(
            f"Parameter 'locked' must be 1 or 0 (true or false), got {text[:16]!r}."
        )
    return flag in TRUE_WORDS


def join_time(name: str) -> BeforeValidator:
    """join_start, join_end: a date (a whole day) or an ISO 8601 time; no offset means UTC."""
    end = name == "join_end"

    def check(value: object) -> dt.datetime | None:
        if value is None:
            return None
        raw = _text(value)
        if raw == "":
            return None
        text = raw.strip()
        try:
            if len(text) == 10:
                day = dt.date.fromisoformat(text)
                moment = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
            else:
                moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=dt.UTC)
            # The kernel's range: the day and offset arithmetic below can then never overflow.
            utc = in_date_range(moment.astimezone(dt.UTC))
        except (ValueError, OverflowError):
            raise InvalidParameter(
                f"Parameter '{name}' must be a date (YYYY-MM-DD) or an ISO 8601 time between "
                f"{FIRST_YEAR} and {LAST_YEAR}, got {raw[:40]!r}."
            ) from None
        if len(text) == 10:
            return utc + dt.timedelta(days=1) if end else utc
        # join_end is inclusive; the query compares with "<", so step past the instant itself.
        return utc + dt.timedelta(microseconds=1) if end else utc

    return BeforeValidator(check)


# Each type raises the customer API's own sentence (pydantic lets a TrackpostError through); the
# parameter's name is bound here, which spares pydantic a ValidationInfo per value.
_TEXT_OR_NULL = WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "null"}]})
Reason = Annotated[str, AfterValidator(_reason)]
CustomerId = Annotated[int | None, lookup_id("customer_id")]
AdvertiserId = Annotated[int | None, lookup_id("advertiserid")]
Start = Annotated[int, BeforeValidator(_start)]
Count = Annotated[int, BeforeValidator(_count)]
Locked = Annotated[bool | None, BeforeValidator(_locked)]
JoinStart = Annotated[dt.datetime | None, join_time("join_start"), _TEXT_OR_NULL]
JoinEnd = Annotated[dt.datetime | None, join_time("join_end"), _TEXT_OR_NULL]
