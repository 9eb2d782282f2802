"""The payments domain's errors, each with a stable code."""

from __future__ import annotations

from trackpost.core.errors import BadRequest, Conflict, NotFound


class PaymentNotFound(NotFound):
    code = "payment_not_found"


class PeriodNotFound(NotFound):
    code = "period_not_found"


class AffiliateNotFound(NotFound):
    code = "affiliate_not_found"


class PayviaNotFound(NotFound):
    code = "payvia_not_found"


class PaymentState(Conflict):
    """The payment's state does not allow the change (paying an open one, adjusting a paid one)."""

    code = "payment_state"


class BelowMinimum(Conflict):
    code = "below_minimum"


class PeriodInUse(Conflict):
    code = "period_in_use"


class InvalidTemplate(BadRequest):
    code = "invalid_template"


class PayviaDetailsInvalid(Conflict):
    """The affiliate's payout details cannot be paid through the payvia's dump format."""

    code = "payvia_details_invalid"
