"""Money from clients as exact integer cents, and the payout arithmetic, without floats."""

from __future__ import annotations

from trackpost.core.money import MAX_CENTS, decimal_cents, percent_of, share_of, whole_cents

__all__ = [
    "MAX_CENTS",
    "decimal_cents",
    "payout_for",
    "percent_of",
    "share_of",
    "whole_cents",
]


def payout_for(revenue: int, payout_type: str, payout: int) -> tuple[int, int | None]:
    """The affiliate payout of a sale from an offer's default: (cents, basis points or None)."""
    if payout_type == "percent":
        return percent_of(revenue, payout), payout
    return payout, None
