"""The reports' figures: the summed measures as the API shows them (counts, money as decimal
strings, expenses, net, EPC, conversion rate), how a row sorts on one, and the CSV lines."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from trackpost.core.fields import cents_text
from trackpost.stats.repository import MEASURES

PAYEES = ("affiliate", "referral", "manager", "partner")
COUNTS = MEASURES[:10]


def _rate(numerator: int, denominator: int, scale: int) -> str:
    """numerator * scale / denominator to two decimals, half up ('0.00' when nothing)."""
    if not denominator:
        return "0.00"
    # In integer hundredths: half up is away from zero, as Decimal's ROUND_HALF_UP.
    n, d = abs(numerator * scale * 100), abs(denominator)
    hundredths = (2 * n + d) // (2 * d)
    negative = numerator != 0 and (numerator < 0) != (denominator < 0)
    return ("-" if negative else "") + str(cents_text(hundredths))


def figures(sums: list[int]) -> dict[str, Any]:
    """One row's figures: counts as integers, money as decimal strings (base currency)."""
    m = dict(zip(MEASURES, sums, strict=True))
    payouts = {k: m[f"payout_{k}"] for k in PAYEES}
    paid = sum(payouts.values())
    expenses = paid + m["fees"] + m["refund_amount"]
    net = m["income"] - expenses
    out: dict[str, Any] = {k: m[k] for k in COUNTS}
    out.update(
        income=cents_text(m["income"]),
        refund_amount=cents_text(m["refund_amount"]),
        payouts={k: cents_text(v) for k, v in payouts.items()},
        total_payouts=cents_text(paid),
        fees=cents_text(m["fees"]),
        total_expenses=cents_text(expenses),
        net=cents_text(net),
        epc=_rate(m["income"], m["raw_clicks"], 1) if m["raw_clicks"] else "0.00",
        conversion_rate=_rate(m["conversions"] + m["trials"], m["raw_clicks"], 100),
    )
    return out


DERIVED = (
    "income",
    "refund_amount",
    "total_payouts",
    "fees",
    "total_expenses",
    "net",
    "epc",
    "conversion_rate",
)


FIGURES = tuple(figures([0] * len(MEASURES)))


def sort_key(
    field: str, dims: list[str], sums: dict[tuple[Any, ...], list[int]]
) -> Callable[[tuple[Any, ...]], tuple[int, Any]]:
    """A row's sort value from its key and sums (as `sortable` orders its figure)."""
    if field in dims:
        i = dims.index(field)
        return lambda k: sortable(k[i])
    if field in MEASURES:
        j = MEASURES.index(field)  # an integer count, or money in minor units
        return lambda k: (0, sums[k][j])
    return lambda k: sortable(figures(sums[k]).get(field))


def sortable(value: Any) -> tuple[int, Any]:
    if isinstance(value, int):
        return (0, value)
    if isinstance(value, str):
        try:
            return (0, Decimal(value))
        except ArithmeticError:
            return (1, value)
    return (2, str(value))


def csv_rows(dims: list[str], rows: list[dict[str, Any]]) -> Iterator[list[Any]]:
    """A header and one flat line per row (payouts as one column per payee type)."""
    head = [
        *dims,
        *COUNTS,
        *("income", "refund_amount"),
        *(f"payout_{p}" for p in PAYEES),
        *DERIVED[2:],
    ]
    yield head
    for row in rows:
        flat = {**row, **{f"payout_{p}": row["payouts"][p] for p in PAYEES}}
        yield [flat[h] for h in head]
