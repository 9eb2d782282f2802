"""Money and rates: integer minor units (cents), rates in basis points, one rounding per row.

A payout is `flat + base * rate / 10000`, computed exactly (in integers: every input is whole
cents or basis points) and rounded half up once, to whole cents. Nothing on the money path touches float (tests/core/test_money.py scans for it).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import NamedTuple

from trackpost.core.errors import InvalidParameter
from trackpost.core.fields import decimal_money

BASIS = 10_000  # basis points in a whole: 1250 is 12.5 %
PAYEE_KINDS = ("affiliate", "referral", "manager", "partner")
# What a percentage is taken of: the event's revenue, or the affiliate's payout on it.
REVENUE, PAYOUT = "revenue", "payout"
MAX_CENTS = 10**13  # a hundred billion in the base currency: far above any real amount
# [0-9], not \d: \d also matches Arabic-Indic and fullwidth digits, which Decimal and int accept.
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


def round_half_up(value: Decimal) -> int:
    """A Decimal amount of cents as whole cents, halves away from zero."""
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))


def percent_of(amount: int, basis_points: int) -> int:
    """amount * basis_points / 10000, rounded half up (12.5 % of 9.95 is 1.24)."""
    return round_half_up(Decimal(amount) * basis_points / BASIS)


def share_of(total: int, part: int, whole: int) -> int:
    """total * part / whole, rounded half up; 0 when whole is 0."""
    if whole == 0:
        return 0
    return round_half_up(Decimal(total) * part / whole)


@lru_cache(maxsize=1024)
def rate_text(basis_points: int) -> str:
    """Basis points as a percentage with two decimals: 1250 is '12.50'."""
    whole, frac = divmod(basis_points, 100)
    return f"{whole}.{frac:02d}"


class PayoutRow(NamedTuple):
    """One payee's payout on one ledger event: flat + rate of a base, rounded once.

    `changeid` is the commission change that decided an affiliate row (0: the default), so the
    commission applied is frozen with the event; `rule` says in words why the row is what it is.
    A NamedTuple, as immutable as a frozen dataclass and several times cheaper to build: every
    conversion builds one per payee.
    """

    loginid: int
    kind: str  # affiliate | referral | manager | partner
    amount: int
    tier: int = 0  # the referral tier (1 = the direct referrer); 0 for other kinds
    flat: int = 0
    rate: int = 0  # basis points
    base: str = REVENUE
    changeid: int | None = None
    rule: str = ""

    def recomputed(self, revenue: int, affiliate_payout: int) -> int:
        """The amount again for a new revenue (and the affiliate's new payout)."""
        return payout(self.flat, self.rate, revenue if self.base == REVENUE else affiliate_payout)


def payout(flat: int, rate: int, base_amount: int) -> int:
    """flat + rate (basis points) of base_amount, rounded half up (away from zero) once."""
    if not rate:
        return flat
    # Integer arithmetic gives ROUND_HALF_UP's exact answer for whole inputs, at a fraction of
    # Decimal's cost (a conversion computes a row per payee).
    scaled = flat * BASIS + base_amount * rate
    whole, rest = divmod(abs(scaled), BASIS)
    if 2 * rest >= BASIS:
        whole += 1
    return whole if scaled >= 0 else -whole
