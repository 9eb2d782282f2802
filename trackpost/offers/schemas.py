"""Parameters and responses of the offer, landing page and tracking domain endpoints."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field

from trackpost.accounts.schemas import success_message, success_with
from trackpost.core.errors import InvalidParameter
from trackpost.core.fields import (
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
)
from trackpost.core.validation import ParamModel

Name = Annotated[str, Field(min_length=1, max_length=255)]
OptionalId = Annotated[int, Field(ge=0, le=MAX_ID, description="0 clears it")]
Seconds = Annotated[int, Field(ge=0, le=10 * 365 * 86_400)]


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
    conversion: Money | None = Field(
        default=None, description="Default revenue per conversion, e.g. 29.95"
    )
    continuity: Money | None = Field(
        default=None, description="Default revenue per continuity (rebill) sale"
    )
    flat_amount_per_conversion: Money | None = Field(
        default=None, description="Default affiliate payout per conversion, a flat amount"
    )
    flat_amount_per_continuity: Money | None = Field(
        default=None, description="Default affiliate payout per continuity sale, a flat amount"
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
    advertiserid: Id


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
