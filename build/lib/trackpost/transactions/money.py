"""Money from clients as exact integer cents (the kernel's core.money, under the names this
domain has always used)."""

from __future__ import annotations

from trackpost.core.money import MAX_CENTS, decimal_cents, percent_of, share_of, whole_cents

__all__ = [
    "MAX_CENTS",
    "decimal_cents",
    "percent_of",
    "share_of",
    "whole_cents",
]
