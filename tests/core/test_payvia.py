"""The payout-detail checks: each known field's rule, and what each dump format needs."""

from __future__ import annotations

import pytest

from trackpost.core.payvia import field_problem, format_problem, key


def test_field_names_match_as_the_templates_spell_them() -> None:
    assert key(" Routing  Number ") == "routing_number"
    assert key("PayPal_Email") == "paypal_email"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("IBAN", "DE89 3704 0044 0532 0130 00"),
        ("BIC", "DEUTDEFF"),
        ("Routing Number", "011000015"),
        ("Account Number", "000123456789"),
        ("Account Type", "Savings"),
        ("PayPal Email", "pay@example.com"),
        ("Pay To", "anything at all"),  # a field no rule knows is the affiliate's own
    ],
)
def test_good_values_pass(field: str, value: str) -> None:
    assert field_problem([(field, value)]) is None


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("IBAN", "DE89 3704 0044 0532 0130 01", "is not a valid IBAN"),
        ("BIC", "DEUT", "is not a valid BIC"),
        ("Routing Number", "011000016", "is not a valid US routing number"),
        ("Account Number", "12345678901234567890", "1 to 17"),
        ("Account Type", "current", "checking or savings"),
        ("PayPal Email", "not-an-address", "email address"),
    ],
)
def test_bad_values_are_named(field: str, value: str, says: str) -> None:
    problem = field_problem([("Pay To", "x"), (field, value)])
    assert problem is not None
    assert problem.startswith(f"{field} {value!r}")
    assert says in problem


def test_each_format_needs_its_fields() -> None:
    assert format_problem("csv", []) is None
    assert format_problem("paypal", []) is None  # falls back to the account's email
    missing = format_problem("sepa", [("BIC", "DEUTDEFF")])
    assert missing is not None
    assert "'IBAN'" in missing
    assert format_problem("sepa", [("IBAN", "DE89370400440532013000")]) is None
    assert format_problem("sepa", [("IBAN", "   ")]) is not None  # blank is missing
    nacha = [("Routing Number", "011000015"), ("Account Number", "42"), ("Account Type", "x")]
    bad_type = format_problem("nacha", nacha)
    assert bad_type is not None
    assert "Account Type" in bad_type
    assert format_problem("nacha", [*nacha[:2], ("account_type", "checking")]) is None
