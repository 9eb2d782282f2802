"""The advertisers' posts as they send them: one model per endpoint parses and documents them.

Names these models do not know are ignored: advertisers' integrations send their own extras, and
refusing them would drop real conversions. Known names are checked strictly; a blank value means
"not sent". Each check raises the API's own sentence (pydantic lets a TrackpostError through).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Annotated, Any, Self

import orjson
from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from trackpost.core.errors import InvalidParameter, MissingParameter
from trackpost.core.fields import is_true, parse_id
from trackpost.core.validation import to_bad_request
from trackpost.transactions.ledger import CUSTOM_FIELDS
from trackpost.transactions.money import decimal_cents

# type=... and its synonyms -> the postback kind.
KINDS = {
    "conversion": "conversion",
    "initial": "conversion",
    "sale": "conversion",
    "continuity": "continuity",
    "rebill": "continuity",
    "refund": "refund",
    "cancel": "cancel",
    "expire": "expire",
}
# The kind -> the ledger row's trans_type.
TRANS_TYPES = {
    "conversion": "initial",
    "continuity": "continuity",
    "refund": "refund",
    "cancel": "cancel",
    "expire": "expire",
}
# The names of one parameter, canonical first: pydantic reads them as the field's aliases.
SYNONYMS = {
    "click_hash": ("click_hash", "transid", "transaction_hash"),
    "amount": ("amount", "gross", "revenue"),
}
CUSTOMER_FIELDS = (
    "firstname",
    "lastname",
    "email",
    "username",
    "password",
    "address1",
    "address2",
    "city",
    "state",
    "country",
    "zip",
    "phone",
    "custom1",
    "custom2",
    "custom3",
    "custom4",
    "custom5",
)
MAX_KEY = 255
MAX_HASH = 64
_LIMITS = {"click_hash": MAX_HASH, "amount": 32}
_ALIASES = frozenset(name for names in SYNONYMS.values() for name in names[1:])
_CUSTOMER_NAMES = frozenset(CUSTOMER_FIELDS)
_CUSTOM_NAMES = frozenset(CUSTOM_FIELDS)


def text(name: str, value: object, limit: int) -> str | None:
    """A single value, or None when absent or blank (advertisers send blanks for 'not sent')."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # a JSON body's whole number
    elif isinstance(value, float):
        raise InvalidParameter(
            f"Parameter '{name}' is a JSON number with a fraction; send it as a string such as "
            '"9.95", so that no float rounding can touch it.'
        )
    elif not isinstance(value, str):
        raise InvalidParameter(f"Parameter '{name}' must be a single value, not a list or group.")
    if value == "":
        return None
    if len(value) > limit:
        raise InvalidParameter(
            f"Parameter '{name}' is too long: {len(value)} characters, at most {limit}."
        )
    return value


def _name(info: ValidationInfo) -> str:
    return info.field_name or "parameter"


def _text(limit: int) -> BeforeValidator:
    return BeforeValidator(lambda value, info: text(_name(info), value, limit))


def _amount(value: object) -> int | None:
    found = text("amount", value, 32)
    return None if found is None else decimal_cents("amount", found)


def _id(value: object, info: ValidationInfo) -> int | None:
    name = _name(info)
    found = text(name, value, 32)
    return None if found is None else parse_id(name, found)


def _kind(value: object) -> str:
    raw = text("type", value, 32)
    if raw is None:
        return "conversion"
    kind = KINDS.get(raw.strip().lower())
    if kind is None:
        raise InvalidParameter(f"Parameter 'type' must be one of {', '.join(KINDS)}; got {raw!r}.")
    return kind


def _ip(value: object) -> str | None:
    found = text("ip", value, 64)
    if found is None:
        return None
    try:
        return str(ipaddress.ip_address(found.strip()))
    except ValueError:
        raise InvalidParameter(
            f"Parameter 'ip' must be the customer's IPv4 or IPv6 address, got {found[:64]!r}."
        ) from None


def _custom(value: object, info: ValidationInfo) -> str | None:
    name = _name(info)
    found = text(name, value, MAX_KEY)
    if found == "-1":
        raise InvalidParameter(f"Parameter '{name}' cannot be -1: that value is reserved.")
    return found


def _flag(value: object, info: ValidationInfo) -> bool:
    return is_true(text(_name(info), value, 32) or "")


def _string(limit: int) -> WithJsonSchema:
    return WithJsonSchema({"anyOf": [{"type": "string", "maxLength": limit}, {"type": "null"}]})


Hash = Annotated[str | None, _text(MAX_HASH), _string(MAX_HASH)]
Key = Annotated[str | None, _text(MAX_KEY), _string(MAX_KEY)]
Detail = Annotated[str | None, _text(1024), _string(1024)]
Amount = Annotated[int | None, BeforeValidator(_amount), _string(32)]
Kind = Annotated[str, BeforeValidator(_kind), WithJsonSchema({"type": "string", "enum": [*KINDS]})]
IdParam = Annotated[
    int | None,
    BeforeValidator(_id),
    WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 1}, {"type": "null"}]}),
]
Ip = Annotated[str | None, BeforeValidator(_ip), _string(64)]
TransCustom = Annotated[str | None, BeforeValidator(_custom), _string(MAX_KEY)]
Switch = Annotated[bool, BeforeValidator(_flag), _string(32)]


def _document_synonyms(schema: dict[str, Any]) -> None:
    """List each synonym right after its parameter, and say that other names are accepted."""
    props: dict[str, Any] = {}
    for name, prop in schema["properties"].items():
        props[name] = prop
        for synonym in SYNONYMS.get(name, ())[1:]:
            title = synonym.replace("_", " ").title()
            props[synonym] = {**prop, "title": title, "description": f"synonym of {name}"}
    schema["properties"] = props
    schema["additionalProperties"] = True


class Post(BaseModel):
    """What every advertiser endpoint shares: unknown names ignored, each value checked."""

    model_config = ConfigDict(
        extra="ignore",
        frozen=True,
        hide_input_in_errors=True,
        json_schema_extra=_document_synonyms,
    )

    @classmethod
    def parse(cls, params: Mapping[str, Any]) -> Self:
        """The post, or the 400 its first bad parameter earns."""
        try:
            return cls.model_validate(params)
        except ValidationError as exc:
            raise to_bad_request(exc) from None


class PixelParams(Post):
    """What /signup/process_pixel reads; names it does not know are ignored."""

    type: Kind = Field("conversion", description="the event; synonyms: initial, sale, rebill")
    click_hash: Hash = Field(
        None,
        validation_alias=AliasChoices(*SYNONYMS["click_hash"]),
        description="the click hash (also transid, transaction_hash)",
    )
    ocode: Annotated[str | None, _text(400), _string(400)] = Field(
        None, description="the linkcode, when no click hash is known"
    )
    subscription_id: Key = Field(None, description="the advertiser's id for the customer")
    orderid: Key = Field(None, description="the event's unique id; makes retries safe")
    original_orderid: Key = Field(None, description="for a refund: the sale it refunds")
    amount: Amount = Field(
        None,
        validation_alias=AliasChoices(*SYNONYMS["amount"]),
        description="decimal in the base currency, e.g. 9.95",
    )
    advertiserid: IdParam = Field(None, description="narrows a subscription_id to one advertiser")
    landing_pageid: IdParam = Field(None, description="the landing page the post arrives for")
    firstname: Detail = None
    lastname: Detail = None
    email: Detail = None
    username: Detail = None
    password: Detail = None
    address1: Detail = None
    address2: Detail = None
    city: Detail = None
    state: Detail = None
    country: Detail = None
    zip: Detail = None
    phone: Detail = None
    custom1: Detail = None
    custom2: Detail = None
    custom3: Detail = None
    custom4: Detail = None
    custom5: Detail = None
    ip: Ip = None
    trans_custom1: TransCustom = None
    trans_custom2: TransCustom = None
    trans_custom3: TransCustom = None
    trans_custom4: TransCustom = None
    trans_custom5: TransCustom = None

    @model_validator(mode="before")
    @classmethod
    def _one_value_each(cls, data: Any) -> Any:
        """Synonyms must agree: pydantic would take the first alias sent, even a blank one."""
        if not isinstance(data, Mapping) or _ALIASES.isdisjoint(data):
            return data
        merged = dict(data)
        for canonical, names in SYNONYMS.items():
            found: tuple[str, str] | None = None
            for name in names:
                if name not in data:
                    continue
                value = text(name, merged.pop(name), _LIMITS[canonical])
                if value is None:
                    continue
                if found is not None and found[1] != value:
                    raise InvalidParameter(
                        f"Parameters '{found[0]}' and '{name}' are the same thing but differ; "
                        "send one."
                    )
                found = (name, value)
            if found is not None:
                merged[canonical] = found[1]
        return merged

    @property
    def kind(self) -> str:
        return self.type

    @property
    def trans_type(self) -> str:
        return TRANS_TYPES[self.type]

    def fields(self) -> dict[str, str]:
        """The customer fields sent (blank ones are not sent)."""
        sent = self.model_fields_set
        if _CUSTOMER_NAMES.isdisjoint(sent):
            return {}
        return {n: v for n in CUSTOMER_FIELDS if n in sent and (v := getattr(self, n)) is not None}

    def customer_fields(self, status: str | None = None) -> dict[str, str | None]:
        """The customer fields to write, with the status the post's kind implies."""
        fields: dict[str, str | None] = dict(self.fields())
        if status is not None:
            fields["status"] = status
        return fields

    def custom(self) -> dict[str, str]:
        """The trans_custom values sent, for the ledger row."""
        sent = self.model_fields_set
        if _CUSTOM_NAMES.isdisjoint(sent):
            return {}
        return {n: v for n in CUSTOM_FIELDS if n in sent and (v := getattr(self, n)) is not None}

    def canonical(self) -> bytes:
        """The content a replay must repeat exactly, in a stable encoding."""
        return orjson.dumps(
            {
                "kind": self.type,
                "click_hash": self.click_hash,
                "ocode": self.ocode,
                "subscription_id": self.subscription_id,
                "orderid": self.orderid,
                "amount": self.amount,
                "fields": self.fields(),
                "ip": self.ip,
                "custom": self.custom(),
                "advertiserid": self.advertiserid,
                "landing_pageid": self.landing_pageid,
                "original_orderid": self.original_orderid,
            },
            option=orjson.OPT_SORT_KEYS,
        )


def parse_postback(params: Mapping[str, Any], cookie_hash: str | None) -> PixelParams:
    """Read a post; the click cookie stands in for click_hash when no key names the click."""
    post = PixelParams.parse(params)
    if cookie_hash and post.click_hash is None and post.ocode is None:
        post = post.model_copy(update={"click_hash": cookie_hash[:MAX_HASH]})
    return post


def _orderid(value: object) -> str:
    found = text("orderid", value, MAX_KEY)
    if found is None:
        raise MissingParameter("Missing required parameter 'orderid'.")
    return found


def _void_kind(value: object) -> str:
    kind = (text("type", value, 32) or "void").strip().lower()
    if kind not in ("void", "chargeback"):
        raise InvalidParameter(f"Parameter 'type' must be void or chargeback, got {kind[:32]!r}.")
    return kind


def _cost(value: object) -> int | None:
    found = text("cost", value, 32)
    return decimal_cents("cost", found) if found else None


class RemoteVoidParams(Post):
    """What /signup/process_void.php reads; names it does not know are ignored."""

    orderid: Annotated[str, BeforeValidator(_orderid), WithJsonSchema({"type": "string"})] = Field(
        description="the orderid of the transaction to void or charge back"
    )
    type: Annotated[
        str,
        BeforeValidator(_void_kind),
        WithJsonSchema({"type": "string", "enum": ["void", "chargeback"]}),
    ] = "void"
    cost: Annotated[int | None, BeforeValidator(_cost), _string(32)] = Field(
        None, description="chargeback fee charged to the affiliate"
    )
    reverse: Switch = Field(False, description="1 undoes the newest void or chargeback")
    approved: Switch = Field(False, description="1 voids only an approved sale")
    # Read like the API's, though the vendor's page for this script does not list them.
    trans_custom1: SkipJsonSchema[TransCustom] = None
    trans_custom2: SkipJsonSchema[TransCustom] = None
    trans_custom3: SkipJsonSchema[TransCustom] = None
    trans_custom4: SkipJsonSchema[TransCustom] = None
    trans_custom5: SkipJsonSchema[TransCustom] = None

    def custom(self) -> dict[str, str]:
        """The trans_custom values sent, for the ledger row."""
        return {n: v for n in CUSTOM_FIELDS if (v := getattr(self, n)) is not None}
