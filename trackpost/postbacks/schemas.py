"""Schemas of the public postback endpoints: responses, and the parameters they read raw."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

PIXEL_RESPONSE: dict[str, Any] = {
    "type": "object",
    "required": ["result", "customer_id", "transactionid"],
    "properties": {
        "result": {"const": "success"},
        "customer_id": {"type": "integer"},
        "transactionid": {"type": "integer"},
    },
}
VOID_RESPONSE: dict[str, Any] = {
    "type": "object",
    "required": ["result", "message"],
    "properties": {"result": {"const": "success"}, "message": {"type": "string"}},
}


class PixelParams(BaseModel):
    """What /signup/process_pixel reads (documentation only: names it does not know are ignored)."""

    model_config = ConfigDict(extra="allow")

    type: Literal[
        "conversion", "initial", "sale", "continuity", "rebill", "refund", "cancel", "expire"
    ] = Field("conversion", description="the event; synonyms: initial, sale, rebill")
    click_hash: str | None = Field(
        None, description="the click hash (also transid, transaction_hash)"
    )
    transid: str | None = None
    transaction_hash: str | None = None
    ocode: str | None = Field(None, description="the linkcode, when no click hash is known")
    subscription_id: str | None = Field(None, description="the advertiser's id for the customer")
    orderid: str | None = Field(None, description="the event's unique id; makes retries safe")
    original_orderid: str | None = Field(None, description="for a refund: the sale it refunds")
    amount: str | None = Field(None, description="decimal in the base currency, e.g. 9.95")
    gross: str | None = None
    revenue: str | None = None
    advertiserid: str | None = Field(
        None, description="narrows a subscription_id to one advertiser"
    )
    landing_pageid: str | None = Field(None, description="the landing page the post arrives for")
    firstname: str | None = None
    lastname: str | None = None
    email: str | None = None
    username: str | None = None
    password: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    state: str | None = None
    country: str | None = None
    zip: str | None = None
    phone: str | None = None
    custom1: str | None = None
    custom2: str | None = None
    custom3: str | None = None
    custom4: str | None = None
    custom5: str | None = None
    ip: str | None = None
    trans_custom1: str | None = None
    trans_custom2: str | None = None
    trans_custom3: str | None = None
    trans_custom4: str | None = None
    trans_custom5: str | None = None


class VoidParams(BaseModel):
    """What /signup/process_void.php reads (documentation only)."""

    model_config = ConfigDict(extra="allow")

    orderid: str = Field(description="the orderid of the transaction to void or charge back")
    type: Literal["void", "chargeback"] = "void"
    cost: str | None = Field(None, description="chargeback fee charged to the affiliate")
    reverse: str | None = Field(None, description="1 undoes the newest void or chargeback")
    approved: str | None = Field(None, description="1 voids only an approved sale")
