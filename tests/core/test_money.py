"""The money kernel: exact rounding, and no float anywhere on the money path."""

from __future__ import annotations

import ast
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trackpost.core.fields import payout_text
from trackpost.core.money import (
    BASIS,
    PayoutRow,
    payout,
    percent_of,
    rate_text,
    round_half_up,
    share_of,
)

PACKAGE = Path(__file__).resolve().parents[2] / "trackpost"
# Every module that computes or stores money or rates.
MONEY_PATH = [
    PACKAGE / "core" / "money.py",
    *sorted((PACKAGE / "commissions").glob("*.py")),
    *sorted((PACKAGE / "transactions").glob("*.py")),
    PACKAGE / "postbacks" / "conversion.py",
    PACKAGE / "postbacks" / "followups.py",
    PACKAGE / "postbacks" / "goals.py",
    PACKAGE / "reports" / "service.py",
]


def _rooted_in_decimal(node: ast.expr) -> bool:
    """Whether the leftmost operand of an arithmetic chain is a Decimal(...) call."""
    while isinstance(node, ast.BinOp):
        node = node.left
    return (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Decimal"
    )


def float_uses(path: Path) -> list[str]:
    """float() calls, float literals and true divisions not done in Decimal, with line numbers."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    # Asking whether a value IS a float (to refuse or re-read it) computes nothing with it.
    checks = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "isinstance"
        for inner in ast.walk(node)
    }
    found = []
    for node in ast.walk(tree):
        if id(node) in checks:
            continue
        if isinstance(node, ast.Name) and node.id == "float":
            found.append(f"{path.name}:{node.lineno} names float")
        elif isinstance(node, ast.Constant) and isinstance(node.value, float):
            found.append(f"{path.name}:{node.lineno} float literal {node.value!r}")
        elif (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Div)
            and not _rooted_in_decimal(node.left)
        ):
            found.append(f"{path.name}:{node.lineno} true division outside Decimal")
    return found


def test_the_money_path_has_no_float() -> None:
    scanned = [p for p in MONEY_PATH if p.exists()]
    assert len(scanned) > 10
    assert [f for p in scanned for f in float_uses(p)] == []


def test_the_scan_catches_floats(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "a = 1.5\nb = float('2')\nc = 3 / 4\nd = Decimal(3) / 4\ne = isinstance(a, float)\n"
    )
    assert len(float_uses(bad)) == 3


@pytest.mark.parametrize(
    ("amount", "bp", "expected"),
    [(995, 1250, 124), (1000, 2500, 250), (5, 1000, 1), (15, 1000, 2), (1, 5000, 1), (0, 9999, 0)],
)
def test_percent_rounds_half_up_once(amount: int, bp: int, expected: int) -> None:
    assert percent_of(amount, bp) == expected


def test_payout_rounds_the_whole_row_once() -> None:
    # 0.5 cents of rate on top of a flat amount: one rounding, not two.
    assert payout(100, 50, 100) == 101
    assert payout(300, 0, 12345) == 300
    assert round_half_up(Decimal("-2.5")) == -3
    assert share_of(100, 1, 3) == 33
    assert share_of(100, 1, 0) == 0
    assert rate_text(1250) == "12.50"


def test_payout_row_recomputes_from_its_frozen_rate() -> None:
    row = PayoutRow(7, "referral", 50, tier=1, rate=1000, base="payout")
    assert row.recomputed(revenue=10_000, affiliate_payout=700) == 70
    flat = PayoutRow(7, "affiliate", 500, flat=500)
    assert flat.recomputed(revenue=1, affiliate_payout=1) == 500


def test_payout_text_has_no_float_rounding() -> None:
    assert payout_text("conversion", "percent", 1250) == "12.5% per conversion"
    assert payout_text("conversion", "percent", 1000) == "10% per conversion"
    assert payout_text("conversion", "percent", 1) == "0.01% per conversion"


@given(
    flat=st.integers(-(10**9), 10**9),
    rate=st.integers(-20_000, 20_000),
    base=st.integers(-(10**11), 10**11),
)
def test_payout_in_integers_equals_decimal_half_up(flat: int, rate: int, base: int) -> None:
    exact = Decimal(flat) + Decimal(base) * rate / BASIS
    assert payout(flat, rate, base) == int(exact.to_integral_value(rounding=ROUND_HALF_UP))
