"""Parameters and responses of the transaction endpoints."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field

from trackpost.core.fields import Flag
from trackpost.core.validation import ParamModel
from trackpost.transactions.ledger import CUSTOM_FIELDS

RESERVED_CUSTOM = "-1"


def _custom(value: str) -> str:
    if value == RESERVED_CUSTOM:
        raise ValueError("the value -1 is reserved and cannot be stored")
    return value


Key = Annotated[str, Field(max_length=255)]
Custom = Annotated[str, Field(max_length=255), AfterValidator(_custom)]
Text32 = Annotated[str, Field(max_length=32)]


class LookupParams(ParamModel):
    """Any one of these names the transaction; several must agree."""

    transaction_hash: Key | None = Field(default=None, description="The click hash of the sale")
    click_hash: Key | None = Field(default=None, description="Alias of transaction_hash")
    orderid: Key | None = Field(default=None, description="The orderid the advertiser sent")
    transactionid: Text32 | None = Field(default=None, description="trackpost's transaction id")


class CustomParams(LookupParams):
    trans_custom1: Custom | None = None
    trans_custom2: Custom | None = None
    trans_custom3: Custom | None = None
    trans_custom4: Custom | None = None
    trans_custom5: Custom | None = None

    def custom(self) -> dict[str, str]:
        """The trans_custom values sent (blank ones are not sent)."""
        return {name: value for name in CUSTOM_FIELDS if (value := getattr(self, name))}


class VoidParams(CustomParams):
    type: Text32 | None = Field(default=None, description="void (optional)")
    approved: Flag = Field(
        default=False, description="1: the sale must be approved (not pending) to be voided"
    )
    remove_payout: Flag = Field(
        default=True, description="0 keeps the affiliate's payout; by default it is removed"
    )


class ChargebackParams(CustomParams):
    type: Text32 | None = Field(default=None, description="chargeback (required)")
    cost: Text32 | None = Field(
        default=None, description="Fee charged to the affiliate, in the base currency (15.00)"
    )
    remove_payout: Flag = Field(
        default=True, description="0 keeps the affiliate's payout (the fee is still charged)"
    )


class ReversalParams(CustomParams):
    reverse: Text32 | None = Field(default=None, description="TRUE (required)")
    type: Text32 | None = Field(
        default=None, description="Accepted and ignored: the newest void or chargeback is undone"
    )


class ApproveParams(LookupParams):
    pass


class RevenueByOrderid(ParamModel):
    orderid: Key
    amount: Text32 = Field(description="The new revenue in cents: 2500 is 25.00")


class RevenueByHash(ParamModel):
    transaction_hash: Key | None = None
    click_hash: Key | None = Field(default=None, description="Alias of transaction_hash")
    amount: Text32 = Field(description="The new revenue in cents: 2500 is 25.00")


class OrderidParams(ParamModel):
    orderid: Key


MESSAGE_RESPONSE: dict[str, Any] = {
    "type": "object",
    "required": ["result", "message"],
    "properties": {"result": {"const": "success"}, "message": {"type": "string"}},
}
RESULT_ONLY: dict[str, Any] = {
    "type": "object",
    "required": ["result"],
    "properties": {"result": {"const": "success"}},
}
EXISTS_RESPONSE: dict[str, Any] = {
    "type": "object",
    "required": ["result", "message"],
    "properties": {"result": {"const": "success"}, "message": {"enum": ["TRUE", "FALSE"]}},
}
