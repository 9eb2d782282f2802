"""Parameters and responses of the offer, landing page and tracking domain endpoints."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema

from trackpost.accounts.schemas import success_message, success_with
from trackpost.core.errors import InvalidParameter
from trackpost.core.fields import (
    CLEAR,
    MAX_ID,
    Flag,
    Id,
    IdList,
    IpList,
    Money,
    OptionalUrl,
    Percent,
    Str64,
    Str255,
    Text,
    Url,
    When,
    php_list,
)
from trackpost.core.validation import ParamModel

Name = Annotated[str, Field(min_length=1, max_length=255)]
OptionalId = Annotated[int, Field(ge=0, le=MAX_ID, description="0 clears it")]
Seconds = Annotated[int, Field(ge=0, le=10 * 365 * 86_400)]


def _id_csv(value: object) -> str:
    """Ids as an int, a comma list or a PHP array, stored as '1,2'; 0 or REMOVE clears."""
    value = php_list(value)
    items = value if isinstance(value, list) else str(value).split(",")
    text = [str(i).strip() for i in items if str(i).strip()]
    if text in (["0"], [CLEAR]):
        return ""
    if len(text) > 1000 or not all(t.isascii() and t.isdigit() and len(t) <= 19 for t in text):
        raise ValueError("must be one id, a comma-separated list of ids or an array of ids")
    return ",".join(str(int(t)) for t in text)


def _lines(value: object) -> str:
    """Text lines as a PHP array or one text (one item per line); REMOVE clears."""
    value = php_list(value)
    items = value if isinstance(value, list) else [value]
    if items == [CLEAR]:
        return ""
    if not all(isinstance(i, str) for i in items):
        raise ValueError("must be text or an array of texts")
    return "\n".join(str(i).strip() for i in items if str(i).strip())


IdCsv = Annotated[
    str,
    BeforeValidator(_id_csv),
    WithJsonSchema({"type": "string", "pattern": r"^\d+(,\d+)*$", "examples": ["1,2"]}),
]
Lines = Annotated[
    str,
    BeforeValidator(_lines),
    Field(max_length=65_536),
    WithJsonSchema({"type": "string", "description": "text, one item per line, or an array"}),
]
STORED_ONLY = "Stored and returned by get_details; trackpost has no such concept yet."


def _no_ip_lookup(value: bool) -> bool:
    # The vendor's ip_lookup credits a conversion without a click hash to the newest click from
    # the customer's IP. trackpost books a conversion only on a click hash, cookie or ocode:
    # accepting the setting would store a promise that nothing keeps.
    if value:
        raise InvalidParameter(
            "Parameter 'ip_lookup' is not supported: trackpost matches a conversion by its "
            "click hash, click cookie or ocode, never by IP alone. Send 0 or leave it out.",
            code="not_supported",
        )
    return value


class OfferFields(ParamModel):
    """Everything add_offer and edit_offer share; money is in the base currency (12.50)."""

    offer_description: Text | None = None
    hidden: Flag | None = None
    featured: Flag | None = None
    date_live: When = None
    date_expire: When = None
    expire_url: OptionalUrl | None = None
    expire_landing_pageid: OptionalId | None = None
    no_personal_member_info: Flag | None = None
    ip_lookup: Annotated[Flag, AfterValidator(_no_ip_lookup)] | None = Field(
        None,
        description="only 0 (the default): matching a conversion by IP alone is not supported",
    )
    ip_uniqueness_seconds: Seconds | None = None
    thumb_url: OptionalUrl | None = None
    force_url: OptionalUrl | None = None
    offer_groups: IdCsv | None = Field(default=None, description="Offer group ids. " + STORED_ONLY)
    marketing_types: IdCsv | None = Field(
        default=None, description="Marketing type ids. " + STORED_ONLY
    )
    subject_lines: Lines | None = Field(default=None, description="Email hints. " + STORED_ONLY)
    from_addresses: Lines | None = Field(default=None, description="Email hints. " + STORED_ONLY)
    conversion: Money | None = Field(
        default=None,
        description="Default revenue per conversion in the base currency (29.95); a postback's "
        "amount overrides it",
    )
    cost_flat: Money | None = Field(
        default=None,
        description="The vendor's name for 'conversion' (base currency, 29.95); both sent must "
        "agree",
    )
    cost_perc: Percent | None = Field(
        default=None,
        description="Revenue as a percentage of the sale: only 0 is accepted (400 not_supported "
        "otherwise: send the sale's amount in each postback)",
    )
    cost_type: Literal["flat", "perc", "percent", "percentage"] | None = Field(
        default=None,
        description="flat (the only kind trackpost computes; a percentage type is 400 "
        "not_supported)",
    )
    continuity: Money | None = Field(
        default=None, description="Default revenue per continuity (rebill) sale, base currency"
    )
    flat_amount_per_conversion: Money | None = Field(
        default=None,
        description="Default affiliate payout per conversion, a flat amount in the base currency",
    )
    flat_amount_per_continuity: Money | None = Field(
        default=None,
        description="Default affiliate payout per continuity sale, a flat amount in the base "
        "currency",
    )
    percentage_of_customer_conversion: Percent | None = Field(
        default=None, description="Default affiliate payout per conversion, % of its revenue"
    )
    percentage_of_customer_continuity: Percent | None = Field(
        default=None, description="Default affiliate payout per continuity sale, % of its revenue"
    )
    pending_conversions: Flag | None = Field(
        default=None, description="1: conversions are recorded pending until approved"
    )


class AddOffer(OfferFields):
    name: Name
    advertiserid: Id | None = Field(
        default=None,
        description="The offer's advertiser; without it the offer belongs to the network's own "
        "'house' advertiser account (made on first use, unable to log in)",
    )


class EditOffer(OfferFields):
    offerid: Id
    name: Name | None = None
    advertiserid: Id | None = None


class OfferId(ParamModel):
    offerid: Id


class PauseOffer(ParamModel):
    offerid: Id
    date_expire: When = None
    expiration_landing_page_id: Id | None = None
    expire_url: OptionalUrl | None = None


class OfferDetails(ParamModel):
    offerid: IdList | None = None
    name: Str255 | None = None
    name_like: Str255 | None = None
    advertiserid: Id | None = None
    advertiser_username: Str64 | None = None
    start: Annotated[int, Field(ge=0, le=10**9)] = 0
    count: Annotated[int, Field(ge=1, le=1000)] = 100
    return_columns: Annotated[str, Field(max_length=2000)] | None = None


class LandingPageFields(ParamModel):
    preview_url: OptionalUrl | None = None
    tracking_domain: Str255 | None = None
    description: Text | None = None
    internal_desc: Text | None = None
    thumb_url: OptionalUrl | None = None
    force_url: OptionalUrl | None = None
    language: Annotated[int, Field(ge=0, le=1_000_000)] | None = None
    conversion_type: Literal["iframe", "post", "image"] | None = None
    postback_ips: IpList | None = Field(default=None, description="empty: any IP may post")
    hostnpost_ips: IpList | None = None
    void_ips: IpList | None = Field(default=None, description="empty: no IP may void")
    private: Flag | None = None
    requestable: Flag | None = None
    redirect_hash: Str64 | None = None
    disable_url_sanitization: Flag | None = None
    disable_deep_linking: Flag | None = None


class AddLandingPage(LandingPageFields):
    name: Name
    offerid: Id
    url: Url


class EditLandingPage(LandingPageFields):
    landing_pageid: Id
    name: Name | None = None
    url: Url | None = None


class AddTrackingDomain(ParamModel):
    domain: Url
    redirect_domain: OptionalUrl | None = None
    template_protect: Flag = False


ADD_OFFER_RESPONSE = success_with("offerid")
ADD_LANDING_PAGE_RESPONSE = success_with("landing_pageid")
MESSAGE_RESPONSE: dict[str, Any] = {
    "type": "object",
    "required": ["result", "message"],
    "properties": {"result": {"type": "string"}, "message": {"type": "string"}},
}
DETAILS_RESPONSE = success_message(
    {
        "type": "object",
        "description": "Offers keyed by offerid.",
        "additionalProperties": {
            "type": "object",
            "required": ["offerid"],
            "properties": {"offerid": {"type": "string"}},
        },
    }
)
