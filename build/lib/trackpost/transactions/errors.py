"""Errors of the transactions domain; codes are part of the API and never change.

Where the vendor documents an error text ("Invalid transaction.", "*error* - Void transaction
exists.") that text is the message, and a `detail` field says what exactly was wrong.
"""

from __future__ import annotations

from typing import Any

from trackpost.core.errors import BadRequest, Conflict, NotFound

INVALID = "Invalid transaction."


def _detail(detail: str) -> dict[str, Any]:
    return {"detail": detail}


class InvalidTransaction(NotFound):
    """No transaction matches the lookup key."""

    code = "invalid_transaction"

    def __init__(self, detail: str) -> None:
        super().__init__(INVALID, extra=_detail(detail))


class TransactionNotActionable(Conflict):
    """The transaction exists but this action does not apply to it in its current state."""

    # `vendor` marks the cases the vendor documents as "Invalid transaction." (approving what is
    # not pending); elsewhere the message is the sentence itself.

    code = "transaction_not_actionable"

    def __init__(self, detail: str, *, code: str | None = None, vendor: bool = False) -> None:
        super().__init__(INVALID if vendor else detail, code=code, extra=_detail(detail))


class VoidExists(Conflict):
    code = "void_exists"

    def __init__(self, detail: str) -> None:
        super().__init__("*error* - Void transaction exists.", extra=_detail(detail))


class ChargebackExists(Conflict):
    code = "chargeback_exists"

    def __init__(self, detail: str) -> None:
        super().__init__("*error* - Chargeback transaction exists.", extra=_detail(detail))


class MissingChargebackType(BadRequest):
    code = "missing_type"

    def __init__(self) -> None:
        super().__init__(
            "Missing required field for chargeback (type).",
            extra=_detail("Send type=chargeback."),
        )


class MissingReverseFlag(BadRequest):
    code = "missing_reverse"

    def __init__(self) -> None:
        super().__init__(
            "Missing required flag (reverse).", extra=_detail("Send reverse=TRUE (or 1).")
        )


class DuplicateOrderid(Conflict):
    code = "duplicate_orderid"


class AmbiguousOrderid(Conflict):
    """An orderid several advertisers hold, looked up without saying whose."""

    code = "ambiguous_orderid"


class RefundExceedsAmount(Conflict):
    code = "refund_exceeds_amount"


class NothingToRefund(Conflict):
    code = "nothing_to_refund"


class NetBelowZero(Conflict):
    """A ledger change would leave a sale's net (sale minus refunds) below zero."""

    code = "net_below_zero"


class ChargebackFeeTooHigh(Conflict):
    """A chargeback fee above what the offer's chargeback_fee_cap allows."""

    code = "chargeback_fee_too_high"
