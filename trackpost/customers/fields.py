"""The editable customer fields, their limits and their validation, shared by API and postbacks."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

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
}
# Advertiser posts may also carry a phone number and a status.
ADVERTISER_FIELDS: dict[str, int] = {**DETAIL_FIELDS, "phone": 64, "status": 16}

CUSTOMER_STATUSES = frozenset({"active", "inactive", "cancelled", "expired"})
REASON_MAX = 500

_EMAIL_RE = re.compile(
    r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
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
        if not _EMAIL_RE.match(value):
            raise InvalidField(f"Parameter 'email' is not a valid email address: {value!r}.")
    elif name == "status" and value not in CUSTOMER_STATUSES:
        allowed = ", ".join(sorted(CUSTOMER_STATUSES))
        raise InvalidField(f"Parameter 'status' must be one of {allowed}; got {value!r}.")
    elif name == "username" and value != value.strip():
        raise InvalidField("Parameter 'username' must not start or end with whitespace.")
    return value


def check_reason(reason: str | None) -> str | None:
    """A lock/unlock/edit reason: optional, at most 500 characters, empty means none."""
    if reason is None or reason == "":
        return None
    if len(reason) > REASON_MAX:
        raise InvalidField(
            f"Parameter 'reason' is too long: {len(reason)} characters, at most {REASON_MAX} are allowed."
        )
    if "\x00" in reason:
        raise InvalidField("Parameter 'reason' contains a NUL byte.")
    return reason
