"""Parameters and responses of the transaction endpoints."""

from __future__ import annotations

from typing import Annotated, Any, Self

from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema, model_validator
from pydantic_core import PydanticKnownError

from trackpost.core.errors import InvalidParameter, MissingParameter
from trackpost.core.fields import FALSE_WORDS, TRUE_WORDS, Flag, Id, is_true, parse_id
from trackpost.core.validation import ParamModel
from trackpost.transactions.errors import MissingChargebackType, MissingReverseFlag
from trackpost.transactions.ledger import CUSTOM_FIELDS
from trackpost.transactions.lookup import TransactionLookup
from trackpost.transactions.money import decimal_cents, whole_cents

RESERVED_CUSTOM = "-1"
_TEXT32: dict[str, Any] = {"type": "string", "maxLength": 32}


def _custom(value: str) -> str:
    if value == RESERVED_CUSTOM:
        raise ValueError("the value -1 is reserved and cannot be stored")
    return value


def _text32(value: object) -> str:
    """A parameter as a ParamModel reads text of at most 32 characters, with pydantic's errors."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    elif not isinstance(value, str):
        raise PydanticKnownError("string_type")
    if len(value) > 32:
        raise PydanticKnownError("string_too_long", {"max_length": 32})
    return value


def _transactionid(value: object) -> int | None:
    if value is None:
        return None
    text = _text32(value)
    return parse_id("transactionid", text) if text != "" else None


def _cost(value: object) -> int | None:
    text = "" if value is None else _text32(value)
    return decimal_cents("cost", text) if text else None


def _cents(value: object) -> int:
    return whole_cents("amount", _text32(value))


def _expect(kind: str) -> Any:
    def check(value: str) -> str:
        if value and value.strip().lower() != kind:
            raise InvalidParameter(f"Parameter 'type' must be {kind} here, got {value[:32]!r}.")
        return value

    return AfterValidator(check)


# Keys are ids: surrounding spaces are not part of them (an orderid "F1-C1 " is "F1-C1").
Key = Annotated[str, Field(max_length=255), AfterValidator(str.strip)]
Custom = Annotated[str, Field(max_length=255), AfterValidator(_custom)]
Text32 = Annotated[str, Field(max_length=32)]
TransactionId = Annotated[
    int | None,
    BeforeValidator(_transactionid),
    WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 1}, {"type": "null"}]}),
]
Cost = Annotated[
    int | None, BeforeValidator(_cost), WithJsonSchema({"anyOf": [_TEXT32, {"type": "null"}]})
]
Cents = Annotated[int, BeforeValidator(_cents), WithJsonSchema(_TEXT32)]


_ADVERTISER_DOC = (
    "whose transaction it is (a trackpost extension): orderids are unique per advertiser, so an "
    "orderid several advertisers hold needs it (else 409 ambiguous_orderid)"
)
_OFFER_DOC = "the transaction's offer (a trackpost extension): narrows an orderid like advertiserid"


class Narrowing(ParamModel):
    """advertiserid and offerid: whose orderid it is."""

    advertiserid: Id | None = Field(default=None, description=_ADVERTISER_DOC)
    offerid: Id | None = Field(default=None, description=_OFFER_DOC)


class TransactionLookupParams(Narrowing):
    """Any one of these names the transaction; several must agree."""

    transaction_hash: Key | None = Field(default=None, description="The click hash of the sale")
    click_hash: Key | None = Field(default=None, description="Alias of transaction_hash")
    orderid: Key | None = Field(default=None, description="The orderid the advertiser sent")
    transactionid: TransactionId = Field(default=None, description="trackpost's transaction id")

    def lookup(self) -> TransactionLookup:
        """The lookup keys as find_transaction takes them."""
        return self._lookup(None)

    def _lookup(self, approved: str | None) -> TransactionLookup:
        return TransactionLookup(
            self.transaction_hash,
            self.click_hash,
            self.orderid,
            self.transactionid,
            approved,
            self.advertiserid,
            self.offerid,
        )


class CustomParams(TransactionLookupParams):
    trans_custom1: Custom | None = None
    trans_custom2: Custom | None = None
    trans_custom3: Custom | None = None
    trans_custom4: Custom | None = None
    trans_custom5: Custom | None = None

    def custom(self) -> dict[str, str]:
        """The trans_custom values sent (blank ones are not sent)."""
        return {name: value for name in CUSTOM_FIELDS if (value := getattr(self, name))}


class VoidParams(CustomParams):
    type: Annotated[Text32, _expect("void")] | None = Field(
        default=None, description="void (optional)"
    )
    approved: Key | None = Field(
        default=None,
        description="the initial transaction's identifier (its transaction hash or orderid), as "
        "the vendor documents: voids that sale's approval, so it must be approved, not pending; "
        "it may name the sale alone or agree with the other keys. 1/true (0/false) is read as "
        "a flag: the sale named by the other keys must be approved",
    )
    remove_payout: Flag = Field(
        default=True, description="0 keeps the affiliate's payout; by default it is removed"
    )

    def approved_id(self) -> str | None:
        """`approved` when it names the sale; None when it is a flag or not sent."""
        value = self.approved
        if not value or value.lower() in TRUE_WORDS or value.lower() in FALSE_WORDS:
            return None
        return value

    def approved_only(self) -> bool:
        """Whether only an approved sale may be voided (approved is 1, or names the sale)."""
        value = self.approved
        if not value:
            return False
        return self.approved_id() is not None or value.lower() in TRUE_WORDS

    def lookup(self) -> TransactionLookup:
        return self._lookup(self.approved_id())


class ChargebackParams(CustomParams):
    type: Annotated[Text32, _expect("chargeback")] | None = Field(
        default=None, description="chargeback (required)"
    )
    cost: Cost = Field(
        default=None, description="Fee charged to the affiliate, in the base currency (15.00)"
    )
    remove_payout: Flag = Field(
        default=True, description="0 keeps the affiliate's payout (the fee is still charged)"
    )

    @model_validator(mode="after")
    def _type_sent(self) -> Self:
        if not self.type:
            raise MissingChargebackType()
        return self


class ReversalParams(CustomParams):
    reverse: Text32 | None = Field(default=None, description="TRUE (required)")
    type: Text32 | None = Field(
        default=None, description="Accepted and ignored: the newest void or chargeback is undone"
    )

    @model_validator(mode="after")
    def _reverse_sent(self) -> Self:
        if not is_true(self.reverse or ""):
            raise MissingReverseFlag()
        return self


class ApproveParams(TransactionLookupParams):
    pass


class RevenueByOrderid(Narrowing):
    orderid: Key
    amount: Cents = Field(description="The new revenue in cents: 2500 is 25.00")

    def lookup(self) -> TransactionLookup:
        """The orderid's sale, narrowed to the advertiser or offer when sent."""
        return TransactionLookup(
            orderid=self.orderid, advertiserid=self.advertiserid, offerid=self.offerid
        )


class RevenueByHash(ParamModel):
    transaction_hash: Key | None = None
    click_hash: Key | None = Field(default=None, description="Alias of transaction_hash")
    amount: Cents = Field(description="The new revenue in cents: 2500 is 25.00")

    @model_validator(mode="after")
    def _hash_sent(self) -> Self:
        if not (self.transaction_hash or self.click_hash):
            raise MissingParameter("Missing required parameter 'transaction_hash'.")
        return self

    def lookup(self) -> TransactionLookup:
        """The click's conversion, by either name of its hash."""
        return TransactionLookup(transaction_hash=self.transaction_hash, click_hash=self.click_hash)


class OrderidParams(ParamModel):
    orderid: Key
    advertiserid: Id | None = Field(
        default=None,
        description="whether this advertiser holds the orderid (a trackpost extension); without "
        "it, whether any advertiser does (orderids are unique per advertiser)",
    )


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
