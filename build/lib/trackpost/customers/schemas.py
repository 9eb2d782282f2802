"""Parameter models and response schemas of the customer endpoints."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from trackpost.core.validation import ParamModel
from trackpost.customers.errors import NoFields
from trackpost.customers.fields import (
    DEFAULT_COUNT,
    DETAIL_FIELDS,
    REMOVE,
    AdvertiserId,
    Count,
    CustomerId,
    JoinEnd,
    JoinStart,
    Locked,
    Reason,
    Start,
    detail,
)
from trackpost.customers.lookup import Lookup


class LookupParams(ParamModel):
    """Which customer: customer_id, subscription_id or orderid, optionally narrowed by advertiser."""

    customer_id: CustomerId = None
    subscription_id: str | None = None
    orderid: str | None = None
    advertiserid: AdvertiserId = None
    advertiser_username: str | None = None

    def lookup(self) -> Lookup:
        """The lookup keys as the service takes them."""
        return Lookup(
            self.customer_id,
            self.subscription_id,
            self.orderid,
            self.advertiserid,
            self.advertiser_username,
        )


class LockParams(LookupParams):
    """lock / unlock: the lookup keys and an optional reason (at most 500 characters)."""

    reason: Reason | None = None


class DetailsParams(LockParams):
    """set_customer_details: the lookup keys, a reason, and the fields to change (REMOVE clears)."""

    firstname: Annotated[str, detail("firstname")] | None = None
    lastname: Annotated[str, detail("lastname")] | None = None
    email: Annotated[str, detail("email")] | None = None
    username: Annotated[str, detail("username")] | None = None
    password: Annotated[str, detail("password")] | None = None
    address1: Annotated[str, detail("address1")] | None = None
    address2: Annotated[str, detail("address2")] | None = None
    city: Annotated[str, detail("city")] | None = None
    state: Annotated[str, detail("state")] | None = None
    country: Annotated[str, detail("country")] | None = None
    zip: Annotated[str, detail("zip")] | None = None
    custom1: Annotated[str, detail("custom1")] | None = None
    custom2: Annotated[str, detail("custom2")] | None = None
    custom3: Annotated[str, detail("custom3")] | None = None
    custom4: Annotated[str, detail("custom4")] | None = None
    custom5: Annotated[str, detail("custom5")] | None = None
    phone: Annotated[str, detail("phone")] | None = None
    status: Annotated[str, detail("status")] | None = Field(
        default=None, description="active, inactive, cancelled or expired (not REMOVE)"
    )

    def changes(self) -> dict[str, str | None]:
        """The fields sent, REMOVE as None (clear); 400 no_fields when there is none."""
        sent = self.__pydantic_fields_set__
        values: dict[str, str | None] = {}
        for name in DETAIL_FIELDS:
            if name in sent and (value := getattr(self, name)) is not None:
                values[name] = None if value == REMOVE else value
        if not values:
            raise NoFields(f"Send at least one field to change: {', '.join(DETAIL_FIELDS)}.")
        return values


class PageParams(LookupParams):
    """history: the lookup keys and paging."""

    start: Start = 0
    count: Count = DEFAULT_COUNT


class SearchParams(ParamModel):
    """search: every filter is optional and they combine with AND."""

    email: str | None = None
    name: str | None = None
    subscription_id: str | None = None
    orderid: str | None = None
    status: str | None = None
    locked: Locked = None
    advertiserid: AdvertiserId = None
    join_start: JoinStart = None
    join_end: JoinEnd = None
    start: Start = 0
    count: Count = DEFAULT_COUNT


TRUE_RESPONSE: dict[str, Any] = {"const": True, "description": "The bare JSON `true`."}

_NULLABLE_STR = {"type": ["string", "null"]}
_NULLABLE_INT = {"type": ["integer", "null"]}
_TIME = {"type": "string", "format": "date-time"}
_NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}

CUSTOMER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "customer_id": {"type": "integer"},
        "advertiserid": {"type": "integer"},
        "subscription_id": _NULLABLE_STR,
        "username": _NULLABLE_STR,
        "has_password": {"type": "boolean"},
        **dict.fromkeys(
            (
                "firstname",
                "lastname",
                "email",
                "phone",
                "address1",
                "address2",
                "city",
                "state",
                "country",
                "zip",
                "custom1",
                "custom2",
                "custom3",
                "custom4",
                "custom5",
                "join_ip",
                "locked_by",
                "lock_reason",
            ),
            _NULLABLE_STR,
        ),
        "status": {"type": "string"},
        "join_date": _TIME,
        "loginid": _NULLABLE_INT,
        "offerid": _NULLABLE_INT,
        "landing_pageid": _NULLABLE_INT,
        "locked": {"type": "boolean"},
        "locked_at": _NULLABLE_TIME,
        "set_aside": {
            "description": "fields an advertiser's post sent that could not be stored, by name: "
            "the raw value (passwords masked), the problem and when; null when none",
            "anyOf": [
                {
                    "type": "object",
                    "additionalProperties": {
                        "type": "object",
                        "properties": {
                            "value": {"type": "string"},
                            "problem": {"type": "string"},
                            "at": {"type": "string"},
                        },
                    },
                },
                {"type": "null"},
            ],
        },
        "created_at": _TIME,
        "updated_at": _TIME,
    },
}

TRANSACTION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "transactionid": {"type": "integer"},
        "orderid": _NULLABLE_STR,
        "trans_type": {"type": "string"},
        "status": {"type": "string"},
        "amount": {"type": "string", "description": "base currency, two decimals ('9.95')"},
        "affiliate_payout": {
            "type": "string",
            "description": "base currency, two decimals ('9.95')",
        },
        "chargeback_cost": {
            "type": "string",
            "description": "base currency, two decimals ('9.95')",
        },
        "click_hash": _NULLABLE_STR,
        "loginid": _NULLABLE_INT,
        "offerid": _NULLABLE_INT,
        "landing_pageid": _NULLABLE_INT,
        "parent_transactionid": _NULLABLE_INT,
        "created_at": _TIME,
    },
}

DETAILS_RESPONSE: dict[str, Any] = {
    "type": "object",
    "required": ["result", "customer", "transactions", "transaction_count"],
    "properties": {
        "result": {"const": "success"},
        "customer": CUSTOMER_SCHEMA,
        "transactions": {"type": "array", "items": TRANSACTION_SCHEMA, "maxItems": 100},
        "transaction_count": {"type": "integer"},
    },
}

SEARCH_RESPONSE: dict[str, Any] = {
    "type": "object",
    "required": ["result", "total", "start", "count", "customers"],
    "properties": {
        "result": {"const": "success"},
        "total": {"type": "integer"},
        "start": {"type": "integer"},
        "count": {"type": "integer"},
        "customers": {"type": "array", "items": CUSTOMER_SCHEMA},
    },
}

AUDIT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "auditid": {"type": "integer"},
        "at": _TIME,
        "actor": {"type": "string"},
        "source": {"enum": ["api", "postback", "cli", "system", "ui"]},
        "source_ip": _NULLABLE_STR,
        "action": {"type": "string"},
        "changes": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "properties": {"before": {}, "after": {}},
            },
        },
        "reason": _NULLABLE_STR,
        "request_id": _NULLABLE_STR,
    },
}

HISTORY_RESPONSE: dict[str, Any] = {
    "type": "object",
    "required": ["result", "customer_id", "total", "start", "count", "history"],
    "properties": {
        "result": {"const": "success"},
        "customer_id": {"type": "integer"},
        "total": {"type": "integer"},
        "start": {"type": "integer"},
        "count": {"type": "integer"},
        "history": {"type": "array", "items": AUDIT_SCHEMA},
    },
}
