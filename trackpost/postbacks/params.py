"""The advertisers' posts as they send them: one model per endpoint parses and documents them.

Names these models do not know are ignored: advertisers' integrations send their own extras, and
refusing them would drop real conversions. Known names are checked strictly; a blank value means
"not sent". Each check raises the API's own sentence (pydantic lets a TrackpostError through).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Annotated, Any, NamedTuple, Self

import orjson
from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
)

from trackpost.core.errors import InvalidParameter
from trackpost.core.fields import parse_id
from trackpost.core.validation import to_bad_request
from trackpost.transactions.ledger import CUSTOM_FIELDS
from trackpost.transactions.money import decimal_cents

# type=... and its synonyms -> the postback kind.
KINDS = {
    "conversion": "conversion",
    "initial": "conversion",
    "sale": "conversion",
    "trial": "trial",
    "continuity": "continuity",
    "rebill": "continuity",
    "refund": "refund",
    "cancel": "cancel",
    "expire": "expire",
    "goal": "goal",
}
# The kinds that are a click's conversion (its customer's first transaction).
CONVERSIONS = frozenset({"conversion", "trial"})
# The kind -> the ledger row's trans_type.
TRANS_TYPES = {
    "conversion": "initial",
    "trial": "trial",
    "continuity": "continuity",
    "refund": "refund",
    "cancel": "cancel",
    "expire": "expire",
    "goal": "goal",
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


# Each check first tries the common case (a non-blank string within the limit) and only then
# the full reading, which names the parameter: every post is parsed on the hot path.
def _text(limit: int, name: str | None = None) -> BeforeValidator:
    """A text parameter; a `name` known here spares pydantic a ValidationInfo per value."""
    if name is not None:
        known: str = name

        def named(value: object) -> str | None:
            if isinstance(value, str) and 0 < len(value) <= limit:
                return value
            return text(known, value, limit)

        return BeforeValidator(named)

    def check(value: object, info: ValidationInfo) -> str | None:
        if isinstance(value, str) and 0 < len(value) <= limit:
            return value
        return text(_name(info), value, limit)

    return BeforeValidator(check)


def _trimmed(value: str | None) -> str | None:
    # An orderid is compared as an id: "F1-C1 " is the order "F1-C1", as an amount's spaces are
    # not part of the amount, so a padded retry is a replay, not a second sale.
    if value is None:
        return None
    return value.strip() or None


Trimmed = AfterValidator(_trimmed)


class Posted(NamedTuple):
    """A posted amount: its cents (rounded half up once) and the text as sent."""

    cents: int
    raw: str


def _amount(value: object) -> Posted | None:
    found = value if isinstance(value, str) and 0 < len(value) <= 32 else text("amount", value, 32)
    return None if found is None else Posted(decimal_cents("amount", found), found)


def _id(value: object, info: ValidationInfo) -> int | None:
    name = _name(info)
    found = text(name, value, 32)
    return None if found is None else parse_id(name, found)


def _goal(value: object, info: ValidationInfo) -> int | None:
    """A goal id; 0 is the vendor's "main offer", i.e. no goal (an ordinary post)."""
    name = _name(info)
    found = text(name, value, 32)
    if found is None or found.strip() == "0":
        return None
    return parse_id(name, found)


def _kind(value: object) -> str:
    if isinstance(value, str) and (kind := KINDS.get(value)) is not None:
        return kind
    raw = text("type", value, 32)
    if raw is None:
        return "conversion"
    kind = KINDS.get(raw.strip().lower())
    if kind is None:
        raise InvalidParameter(f"Parameter 'type' must be one of {', '.join(KINDS)}; got {raw!r}.")
    return kind


def _ip(value: object) -> str | None:
    found = text("ip", value, MAX_FIELD)
    if found is None:
        return None
    # Normalised when it is an address; kept as sent otherwise, to be set aside, not refused.
    return _address(found) or found


def _address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def _custom(value: object, info: ValidationInfo) -> str | None:
    name = _name(info)
    found = text(name, value, MAX_KEY)
    if found == "-1":
        raise InvalidParameter(f"Parameter '{name}' cannot be -1: that value is reserved.")
    return found


def string_doc(limit: int) -> WithJsonSchema:
    return WithJsonSchema({"anyOf": [{"type": "string", "maxLength": limit}, {"type": "null"}]})


def _merged(params: Mapping[str, Any]) -> dict[str, Any]:
    """Each synonym's value under its canonical name; two different values are a 400."""
    # pydantic alone would take the first alias sent, even a blank one.
    merged = dict(params)
    for canonical, names in SYNONYMS.items():
        found: tuple[str, str] | None = None
        for name in names:
            if name not in params:
                continue
            value = text(name, merged.pop(name), _LIMITS[canonical])
            if value is None:
                continue
            if found is not None and found[1] != value:
                raise InvalidParameter(
                    f"Parameters '{found[0]}' and '{name}' are the same thing but differ; send one."
                )
            found = (name, value)
        if found is not None:
            merged[canonical] = found[1]
    return merged


Key = Annotated[str | None, _text(MAX_KEY), string_doc(MAX_KEY)]
# Customer fields: any length is read, and what the customer record cannot hold is set aside
# (customers/aside.py) rather than refused. The body's own cap bounds them.
MAX_FIELD = 1 << 20
Detail = Annotated[str | None, _text(MAX_FIELD), string_doc(1024)]
Amount = Annotated[Posted | None, BeforeValidator(_amount), string_doc(32)]
Kind = Annotated[str, BeforeValidator(_kind), WithJsonSchema({"type": "string", "enum": [*KINDS]})]
IdParam = Annotated[
    int | None,
    BeforeValidator(_id),
    WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 1}, {"type": "null"}]}),
]
GoalParam = Annotated[
    int | None,
    BeforeValidator(_goal),
    WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 0}, {"type": "null"}]}),
]
Ip = Annotated[str | None, BeforeValidator(_ip), string_doc(64)]
TransCustom = Annotated[str | None, BeforeValidator(_custom), string_doc(MAX_KEY)]


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

    kind: Kind = Field(
        "conversion",
        validation_alias="type",
        description="the event; synonyms: initial, sale, rebill; trial is a conversion booked "
        "as the vendor's trial type; goal (or a goal_id) records an offer goal",
    )
    click_hash: Annotated[str | None, _text(MAX_HASH, "click_hash"), string_doc(MAX_HASH)] = Field(
        None,
        validation_alias=AliasChoices(*SYNONYMS["click_hash"]),
        description="the click hash (also transid, transaction_hash)",
    )
    ocode: Annotated[str | None, _text(400, "ocode"), string_doc(400)] = Field(
        None, description="the linkcode, when no click hash is known"
    )
    subscription_id: Annotated[
        str | None, _text(MAX_KEY, "subscription_id"), string_doc(MAX_KEY)
    ] = Field(None, description="the advertiser's id for the customer")
    orderid: Annotated[str | None, _text(MAX_KEY, "orderid"), Trimmed, string_doc(MAX_KEY)] = Field(
        None, description="the event's unique id, surrounding spaces ignored; makes retries safe"
    )
    original_orderid: Annotated[Key, Trimmed] = Field(
        None, description="for a refund: the sale it refunds"
    )
    posted_amount: Amount = Field(
        None,
        validation_alias=AliasChoices(*SYNONYMS["amount"]),
        description="decimal in the base currency, e.g. 9.95; more decimals are rounded half "
        "up to the cent (the text as sent is kept on the transaction as amount_raw)",
    )
    goal_id: GoalParam = Field(
        None,
        validation_alias=AliasChoices("goal_id", "goalid"),
        description="a goal post (also goalid): the offer goal reached; 0 is the main offer",
    )
    offer_goal_id: GoalParam = Field(
        None, description="a goal post naming the offer's goal row; 0 is the main offer"
    )
    advertiserid: IdParam = Field(None, description="narrows a subscription_id to one advertiser")
    landing_pageid: IdParam = Field(None, description="the landing page the post arrives for")
    firstname: Detail = None
    lastname: Detail = None
    email: Detail = None
    username: Detail = None
    # Hashed before the transaction, so its length is checked here: a 400 past 1024 characters.
    password: Annotated[str | None, _text(1024, "password"), string_doc(1024)] = None
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

    @property
    def trans_type(self) -> str:
        return TRANS_TYPES[self.kind]

    @property
    def amount(self) -> int | None:
        """The posted amount in cents, or None when none was sent."""
        posted = self.posted_amount
        return None if posted is None else posted.cents

    @property
    def amount_raw(self) -> str | None:
        posted = self.posted_amount
        return None if posted is None else posted.raw

    def fields(self) -> dict[str, str | None]:
        """The customer fields sent (blank ones are not sent; None never occurs)."""
        sent = self.__pydantic_fields_set__
        if _CUSTOMER_NAMES.isdisjoint(sent):
            return {}
        return {n: v for n in CUSTOMER_FIELDS if n in sent and (v := getattr(self, n)) is not None}

    def customer_fields(self, status: str | None = None) -> dict[str, str | None]:
        """The customer fields to write, with the status the post's kind implies."""
        fields = self.fields()
        if status is not None:
            fields["status"] = status
        return fields

    def join_ip(self) -> tuple[str | None, tuple[str, str] | None]:
        """The customer's IP address, or None and the (raw, problem) that sets it aside."""
        ip = self.ip
        if ip is None or _address(ip) == ip:
            return ip, None
        return None, (ip, f"Parameter 'ip' is not an IPv4 or IPv6 address: {ip[:64]!r}.")

    def custom(self) -> dict[str, str]:
        """The trans_custom values sent, for the ledger row."""
        sent = self.__pydantic_fields_set__
        if _CUSTOM_NAMES.isdisjoint(sent):
            return {}
        return {n: v for n in CUSTOM_FIELDS if n in sent and (v := getattr(self, n)) is not None}

    def canonical(self) -> bytes:
        """The content a replay must repeat exactly, in a stable encoding."""
        sent = self.__pydantic_fields_set__
        fields = {} if _CUSTOMER_NAMES.isdisjoint(sent) else self.fields()
        custom = {} if _CUSTOM_NAMES.isdisjoint(sent) else self.custom()
        v = self.__dict__  # plain lookups: every post's fingerprint is computed from these
        return orjson.dumps(
            {
                "kind": v["kind"],
                "click_hash": v["click_hash"],
                "ocode": v["ocode"],
                "subscription_id": v["subscription_id"],
                "orderid": v["orderid"],
                "amount": None if v["posted_amount"] is None else v["posted_amount"].cents,
                "fields": fields,
                "ip": v["ip"],
                "custom": custom,
                "advertiserid": v["advertiserid"],
                "landing_pageid": v["landing_pageid"],
                "original_orderid": v["original_orderid"],
                "goal": [v["goal_id"], v["offer_goal_id"]],
            },
            option=orjson.OPT_SORT_KEYS,
        )


_GOAL_NAMES = ("goal_id", "goalid")


def _main_offer(value: Any) -> bool:
    return isinstance(value, str) and value.strip() == "0"


def parse_postback(params: Mapping[str, Any], cookie_hash: str | None) -> PixelParams:
    """Read a post; the click cookie stands in for click_hash when no key names the click."""
    if _main_offer(params.get("goal_id")) or _main_offer(params.get("goalid")):
        # The vendor's goal 0 is the main offer: an ordinary conversion or rebill.
        params = {k: v for k, v in params.items() if not (k in _GOAL_NAMES and _main_offer(v))}
    try:
        post = PixelParams.model_validate(
            params if _ALIASES.isdisjoint(params) else _merged(params)
        )
    except ValidationError as exc:
        raise to_bad_request(exc) from None
    if cookie_hash and post.click_hash is None and post.ocode is None:
        post = post.model_copy(update={"click_hash": cookie_hash[:MAX_HASH]})
    if post.kind != "goal" and (post.goal_id is not None or post.offer_goal_id is not None):
        if "type" in params and post.kind != "conversion":
            raise InvalidParameter(
                f"Parameter 'goal_id' names a goal, but type is {post.kind}; send type=goal "
                "or no type."
            )
        post = post.model_copy(update={"kind": "goal"})
    return post
