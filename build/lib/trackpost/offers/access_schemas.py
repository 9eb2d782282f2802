"""Parameters of set_enabled_affiliates and store_offer_ips (the landing page bulk settings)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field

from trackpost.accounts.schemas import success_message
from trackpost.core.fields import Flag, IdList, IpList, Str255
from trackpost.core.validation import ParamModel

ACTIONS = (
    "enable",
    "disable",
    "revert",
    "enable_requestable",
    "disable_requestable",
    "revert_requestable",
)


class SetEnabledAffiliates(ParamModel):
    """Who (loginids or all_users) may use which landers (the first selector sent wins)."""

    action: Literal[
        "enable",
        "disable",
        "revert",
        "enable_requestable",
        "disable_requestable",
        "revert_requestable",
    ] = Field(
        description="enable / disable: the affiliates may (not) use the landers, whatever the "
        "page's private setting; revert: the page's own setting applies again; "
        "enable_requestable / disable_requestable / revert_requestable: the same for whether "
        "a private lander is listed to them as requestable"
    )
    loginids: IdList | None = Field(default=None, description="affiliate ids: one, CSV or array")
    all_users: Flag = Field(default=False, description="1: every affiliate that exists now")
    all_landers: Flag = False
    landing_pageids: IdList | None = None
    offerids: IdList | None = Field(default=None, description="every lander of these offers")
    advertiser_ids: IdList | None = Field(
        default=None, description="every lander of these advertisers' offers"
    )
    offer_name_like: Str255 | None = None
    landing_page_name_like: Str255 | None = None
    url_like: Str255 | None = None


def _csv_lists(value: object) -> object:
    """ips[postback_ips]=a,b or ips[postback_ips][]=a: a group of lists, kept as given."""
    return value


class IpGroups(BaseModel):
    model_config = {"extra": "forbid", "frozen": True}

    postback_ips: IpList | None = None
    void_ips: IpList | None = None
    hostnpost_ips: IpList | None = None


class Targets(BaseModel):
    model_config = {"extra": "forbid", "frozen": True}

    advertiserids: IdList | None = None
    offerids: IdList | None = None
    landing_pageids: IdList | None = None


class StoreOfferIps(ParamModel):
    """ips[postback_ips|void_ips|hostnpost_ips] for targets[advertiserids|offerids|landing_pageids]."""

    ips: Annotated[IpGroups, BeforeValidator(_csv_lists)] = Field(
        description="ips[postback_ips]=203.0.113.7,198.51.100.0/24&ips[void_ips][]=..."
    )
    targets: Targets = Field(description="targets[offerids]=1,2&targets[landing_pageids][]=7")


ACCESS_RESPONSE = success_message(
    {
        "type": "object",
        "required": ["landing_pageids", "loginids"],
        "properties": {
            "landing_pageids": {"type": "array", "items": {"type": "string"}},
            "loginids": {"type": "array", "items": {"type": "string"}},
        },
    }
)
STORE_IPS_RESPONSE: dict[str, Any] = success_message(
    {
        "type": "object",
        "description": "Per landing page: each list written, as {ip: true}.",
        "additionalProperties": {"type": "object"},
    }
)
