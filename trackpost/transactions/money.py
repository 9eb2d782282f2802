"""Money from clients as exact integer cents, and the payout arithmetic, without floats."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from trackpost.core.errors import InvalidParameter
from trackpost.core.fields import decimal_money

MAX_CENTS = 10**13  # a hundred billion in the base currency: far above any real amount
_WHOLE_RE = re.compile(r"^[0-9]{1,13}\Z")


def decimal_cents(name: str, value: str) -> int:
    """A decimal amount in the base currency ('9.95', '10.000') as cents, rounded half up once.

    Refused (400, with the reason) only when it is not a number, negative, or absurdly large.
    """
    try:
        return decimal_money(value)
    except ValueError as exc:
        raise InvalidParameter(
            f"Parameter '{name}' {exc}; got {value[:32]!r}. Any number of decimal places is "
            "accepted and rounded half up to the cent."
        ) from None


def whole_cents(name: str, value: str) -> int:
    """An amount already in cents ('2500' is 25.00): digits only."""
    text = value.strip()
    if not _WHOLE_RE.match(text) or int(text) > MAX_CENTS:
        raise InvalidParameter(
            f"Parameter '{name}' must be a whole number of cents such as 2500 (for 25.00), "
            f"got {value[:32]!r}."
        )
    return int(text)


def percent_of(amount: int, basis_points: int) -> int:
    """amount * basis_points / 10000 in cents, rounded half up (a 12.5% payout on 9.95 is 124)."""
    exact = Decimal(amount) * Decimal(basis_points) / Decimal(10_000)
    return int(exact.to_integral_value(rounding=ROUND_HALF_UP))


def share_of(total: int, part: int, whole: int) -> int:
    """total * part / whole in cents, rounded half up; 0 when whole is 0."""
    if whole == 0:
        return 0
    exact = Decimal(total) * Decimal(part) / Decimal(whole)
    return int(exact.to_integral_value(rounding=ROUND_HALF_UP))


def payout_for(revenue: int, payout_type: str, payout: int) -> tuple[int, int | None]:
    """The affiliate payout of a sale from an offer's default: (cents, basis points or None)."""
    if payout_type == "percent":
        return percent_of(revenue, payout), payout
    return payout, None
