"""Parameters and responses of the affiliate endpoints."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema

from trackpost.accounts.schemas import ContactFields, Password, Username
from trackpost.core.fields import Email, Flag, Id, Money, Str64, Str255
from trackpost.core.validation import ParamModel


def _pairs(value: object) -> object:
    """payvia_info as field/value pairs: [{field, value}], {0: {field, value}} or {field: value}."""
    if isinstance(value, dict):
        items = list(value.values())
        if items and all(isinstance(i, dict) for i in items):
            return items
        return [{"field": k, "value": v} for k, v in value.items()]
    return value


Status = Annotated[int, Field(ge=0, le=5)]


class PayviaPair(ParamModel):
    field: Annotated[str, Field(min_length=1, max_length=64)]
    value: Str255


PayviaInfo = Annotated[
    list[PayviaPair],
    BeforeValidator(_pairs),
    Field(max_length=50),
    WithJsonSchema(
        {
            "type": "object",
            "description": "payvia_info[0][field]=Pay To&payvia_info[0][value]=...",
            "additionalProperties": True,
        }
    ),
]


class AffiliateFields(ContactFields):
    """What an affiliate has beyond contact fields: payout method, threshold, status."""

    minimum_payout: Money | None = None
    status: Status | None = None
    tax_id_or_ssn: Str64 | None = None


class AddAffiliate(AffiliateFields):
    username: Username
    password: Password
    email: Email
    payvia: Id
    payvia_info: PayviaInfo | None = None


class EditAffiliate(AffiliateFields):
    loginid: Id
    password: Password | None = None
    email: Email | None = None
    payvia: Id | None = None
    payvia_info: PayviaInfo | None = None
    affiliate_manager_loginid: Id | None = None


class SetPayvia(ParamModel):
    loginid: Id
    payvia_type_id: Id
    payvia_info: PayviaInfo


ORDER_COLUMNS = (
    "loginid",
    "username",
    "email",
    "status",
    "firstname",
    "lastname",
    "company",
    "country",
    "join_date",
)


def _orderby(value: str) -> str:
    parts = value.strip().lower().split()
    if (
        not parts
        or len(parts) > 2
        or parts[0] not in ORDER_COLUMNS
        or (len(parts) == 2 and parts[1] not in ("asc", "desc"))
    ):
        raise ValueError(
            f"must be one of {', '.join(ORDER_COLUMNS)}, optionally followed by asc or desc"
        )
    return " ".join(parts)


class SearchAffiliates(ParamModel):
    loginid: Id | None = None
    username: Str64 | None = None
    email: Str255 | None = None
    status: Status | None = None
    name: Str255 | None = None
    type: Literal["affiliate", "advertiser", "admin"] = "affiliate"
    firstname: Str255 | None = None
    lastname: Str255 | None = None
    company: Str255 | None = None
    city: Str255 | None = None
    state: Str255 | None = None
    country: Str255 | None = None
    inhouse: Flag | None = None
    payvia_type_id: Id | None = None
    refid: Id | None = None
    return_payvia_info: Flag = False
    start: Annotated[int, Field(ge=0, le=10**9)] = 0
    count: Annotated[int, Field(ge=1, le=1000)] = 100
    orderby: Annotated[str, Field(max_length=32), AfterValidator(_orderby)] = "loginid"


SEARCH_RESPONSE: dict[str, Any] = {
    "type": "object",
    "description": "Accounts keyed by loginid; ids and flags are strings, as the vendor's.",
    "additionalProperties": {
        "type": "object",
        "required": ["loginid", "username", "type", "status"],
        "properties": {
            "loginid": {"type": "string"},
            "username": {"type": "string"},
            "type": {"type": "string"},
            "status": {"type": "string"},
        },
    },
}
PAYVIA_RESPONSE: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["field", "result"],
        "properties": {"field": {"type": "string"}, "result": {"type": "string"}},
    },
}
