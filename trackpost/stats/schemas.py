"""Parameters of the Profit & Loss and statistics reports."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from trackpost.core.errors import InvalidParameter
from trackpost.core.fields import CountryFilter
from trackpost.core.validation import ParamModel

Id = Annotated[int, Field(ge=0, le=2**63 - 1)]
Text = Annotated[str, Field(max_length=255)]


class Filters(ParamModel):
    """The filters both reports take; `params[x]` (the vendor's bracket form) or plain `x`."""

    params: dict[str, Any] | None = Field(
        default=None, description="the vendor's form: params[period]=3 is period=3"
    )
    period: Annotated[int, Field(ge=0, le=8)] | None = Field(
        default=None,
        description="0 current, 1 last month, 2 today, 3 yesterday, 4 this week, 5 this month, "
        "6 this year, 7 all time, 8 free (start/end); default 0, or 8 with start or end",
    )
    start: Annotated[str, Field(max_length=32)] | None = None
    end: Annotated[str, Field(max_length=32)] | None = None
    filter_loginid: Id | None = None
    filter_campaignid: Id | None = None
    filter_offerid: Id | None = None
    filter_landingpageid: Id | None = None
    filter_adtoolid: Id | None = None
    filter_programid: Id | None = None
    filter_advertiserid: Id | None = None
    filter_countryid: CountryFilter | None = Field(
        default=None, description="ISO 3166-1 alpha-2 country code (0: every country)"
    )
    filter_device_type: Text | None = Field(
        default=None, description="0 desktop, 1 mobile, or a device type as recorded"
    )
    filter_device_os: Text | None = None
    filter_device_browser: Text | None = None
    productcode: Text | None = Field(default=None, description="a linkcode: its ids filter")
    limit_inhouse: Annotated[int, Field(ge=0, le=2)] = Field(
        default=0, description="0 all, 1 in-house affiliates only, 2 without them"
    )
    limit_mediabuy: Annotated[int, Field(ge=0, le=2)] = Field(
        default=0, description="only 0: trackpost records no media buys"
    )
    acct_rep: Id | None = Field(default=None, description="only this manager's affiliates")
    format: Literal["json", "csv"] = "json"

    @model_validator(mode="before")
    @classmethod
    def _flatten(cls, data: Any) -> Any:
        """params[x] is x; a name sent both ways must agree."""
        if not isinstance(data, dict) or not isinstance(data.get("params"), dict):
            return data
        out = {k: v for k, v in data.items() if k != "params"}
        for key, value in data["params"].items():
            if key in out and out[key] != value:
                raise InvalidParameter(f"Parameter '{key}' is sent twice with different values.")
            out[key] = value
        return out


class ProfitLoss(Filters):
    view: Text = Field(
        default="period",
        description="period (network days), month, year, landing_page, offer, subid1, subid2, "
        "login, adtool, demographic, device_type, device_os, device_browser, campaign, "
        "advertiser, program",
    )


class Stats(Filters):
    dims: Text = Field(
        default="day",
        description="one or two of hour, day, month, year, offer, landing_page, affiliate, "
        "campaign, adtool, program, advertiser, country, device_type, device_os, "
        "device_browser, subid1..subid5, comma-separated",
    )
    sort: Text | None = Field(
        default=None, description="a figure or dimension; '-' first sorts descending"
    )
    start_row: Annotated[int, Field(ge=0, le=10**9)] = 0
    count: Annotated[int, Field(ge=1, le=10000)] = 1000
