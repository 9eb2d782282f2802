"""The advertisers' posts as they send them: one model per endpoint parses and documents them.

Names these models do not know are ignored: advertisers' integrations send their own extras, and
refusing them would drop real conversions. Known names are checked strictly; a blank value means
"not sent". How each value is read and checked is in fields.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Self

import orjson
from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
)

from trackpost.core.errors import InvalidParameter
from trackpost.core.validation import to_bad_request
from trackpost.postbacks.fields import (
    MAX_KEY,
    Amount,
    Detail,
    GoalParam,
    IdParam,
    Ip,
    Key,
    Kind,
    TransCustom,
    Trimmed,
    address,
    string_doc,
    text,
    text_param,
)
from trackpost.transactions.ledger import CUSTOM_FIELDS

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
MAX_HASH = 64
_LIMITS = {"click_hash": MAX_HASH, "amount": 32}
_ALIASES = frozenset(name for names in SYNONYMS.values() for name in names[1:])
_CUSTOMER_NAMES = frozenset(CUSTOMER_FIELDS)
_CUSTOM_NAMES = frozenset(CUSTOM_FIELDS)


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
    click_hash: Annotated[str | None, text_param(MAX_HASH, "click_hash"), string_doc(MAX_HASH)] = (
        Field(
            None,
            validation_alias=AliasChoices(*SYNONYMS["click_hash"]),
            description="the click hash (also transid, transaction_hash)",
        )
    )
    ocode: Annotated[str | None, text_param(400, "ocode"), string_doc(400)] = Field(
        None, description="the linkcode, when no click hash is known"
    )
    subscription_id: Annotated[
        str | None, text_param(MAX_KEY, "subscription_id"), string_doc(MAX_KEY)
    ] = Field(None, description="the advertiser's id for the customer")
    orderid: Annotated[str | None, text_param(MAX_KEY, "orderid"), Trimmed, string_doc(MAX_KEY)] = (
        Field(
            None,
            description="the event's unique id, surrounding spaces ignored; makes retries safe",
        )
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
    password: Annotated[str | None, text_param(1024, "password"), string_doc(1024)] = None
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
        if ip is None or address(ip) == ip:
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
