"""Money from clients as exact integer cents, and the payout arithmetic, without floats."""

from __future__ import annotations

import re
from decimal import Decimal

from trackpost.core.errors import InvalidParameter
from trackpost.core.money import percent_of, share_of

__all__ = ["decimal_cents", "payout_for", "percent_of", "share_of", "whole_cents"]

MAX_CENTS = 10**13  # a hundred billion in the base currency: far above any real amount
# [0-9], not \d: \d also matches Arabic-Indic and fullwidth digits, which Decimal and int accept.
_DECIMAL_RE = re.compile(r"^[0-9]{1,11}(?:\.[0-9]{1,2})?\Z")
_WHOLE_RE = re.compile(r"^[0-9]{1,13}\Z")
_TOO_PRECISE_RE = re.compile(r"^[0-9]+\.[0-9]{3,}\Z")


def decimal_cents(name: str, value: str) -> int:
    """A decimal amount in the base currency ('9.95') as cents; exponents and 3+ decimals are 400s."""
    text = value.strip()
    if _DECIMAL_RE.match(text):
        return int(Decimal(text) * 100)
    if _TOO_PRECISE_RE.match(text):
        problem = "has more than 2 decimal places"
    elif "e" in text.lower():
        problem = "is in exponent form"
    else:
        problem = "is not a plain decimal amount"
    raise InvalidParameter(
        f"Parameter '{name}' {problem}: send an amount in the base currency such as 9.95 "
        f"(digits, at most 2 decimals), got {value[:32]!r}."
    )


def whole_cents(name: str, value: str) -> int:
    """An amount already in cents ('2500' is 25.00): digits only."""
    text = value.strip()
    if not _WHOLE_RE.match(text) or int(text) > MAX_CENTS:
        raise InvalidParameter(
            f"Parameter '{name}' must be a whole number of cents such as 2500 (for 25.00), "
            f"got {value[:32]!r}."
        )
    return int(text)


def payout_for(revenue: int, payout_type: str, payout: int) -> tuple[int, int | None]:
    """The affiliate payout of a sale from an offer's default: (cents, basis points or None)."""
    if payout_type == "percent":
        return percent_of(revenue, payout), payout
    return payout, None
