"""Checks of an affiliate's payout details (payvia_info), shared by affiliates and payments.

Known fields are checked whenever they are set (an IBAN's checksum, a US routing number's, a
BIC's shape, an account type); a dump format also needs some of them to be there at all, which
payments checks when a payment is stored. The number rules come from python-stdnum.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable, Mapping

from trackpost.core.fields import email_problem

_ACCOUNT_NUMBER = re.compile(r"^[0-9A-Za-z-]{1,17}\Z")  # NACHA's DFI account number: 17 at most
ACCOUNT_TYPES = ("checking", "savings")


def key(field: str) -> str:
    """A field's name as the dump templates see it: 'Routing Number' is Routing_Number."""
    return re.sub(r"\s+", "_", field.strip()).lower()


def _stdnum(module: str, what: str) -> Callable[[str], str | None]:
    def problem(value: str) -> str | None:
        # Imported at the first check: a serve worker that never sees payout details does not
        # hold python-stdnum (BENCHMARKS.md, "A worker's memory").
        from stdnum.exceptions import ValidationError

        try:
            importlib.import_module(module).validate(value)
        except ValidationError as exc:
            return f"is not a valid {what} ({str(exc).rstrip('.').lower()})"
        return None

    return problem


def _account_number(value: str) -> str | None:
    if _ACCOUNT_NUMBER.match(value.strip()):
        return None
    return "must be 1 to 17 letters, digits or hyphens"


def _account_type(value: str) -> str | None:
    if value.strip().lower() in ACCOUNT_TYPES:
        return None
    return "must be checking or savings"


def _email(value: str) -> str | None:
    return email_problem(value.strip())


# The fields the shipped dump formats read, keyed as key() spells them.
FIELD_RULES: dict[str, Callable[[str], str | None]] = {
    "iban": _stdnum("stdnum.iban", "IBAN"),
    "bic": _stdnum("stdnum.bic", "BIC"),
    "routing_number": _stdnum("stdnum.us.rtn", "US routing number"),
    "account_number": _account_number,
    "account_type": _account_type,
    "paypal_email": _email,
}
# What each shipped dump format cannot do without (PayPal falls back to the account's email).
REQUIRED: dict[str, tuple[str, ...]] = {
    "sepa": ("IBAN",),
    "nacha": ("Routing Number", "Account Number", "Account Type"),
}


def field_problem(pairs: Iterable[tuple[str, str]]) -> str | None:
    """The first known field whose value is wrong, as a sentence naming it; None when all pass."""
    for field, value in pairs:
        rule = FIELD_RULES.get(key(field))
        problem = rule(value) if rule is not None and value.strip() else None
        if problem is not None:
            return f"{field} {value[:64]!r} {problem}."
    return None


def format_problem(dump_format: str, pairs: Iterable[tuple[str, str]]) -> str | None:
    """Why these details cannot be paid through a dump format, or None when they can."""
    given: Mapping[str, tuple[str, str]] = {key(f): (f, v) for f, v in pairs if v.strip()}
    for needed in REQUIRED.get(dump_format, ()):
        if key(needed) not in given:
            return f"the {dump_format} format needs the payout detail {needed!r}, which is missing."
    return field_problem(given.values())
