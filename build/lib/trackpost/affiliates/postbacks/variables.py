"""The %%variables%% of one affiliate postback or pixel: the event's, its click's, its
customer's, and the click's custom pass-through parameters."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from trackpost.core.fields import cents_text
from trackpost.delivery.templates import CUSTOMER_FIELDS, SUBAFFS

Row = Mapping[Any, Any]  # a row or a dict of one
DEFAULT_CURRENCY = "USD"
# Where a click's custom pass-through parameters will live (h-21b stores the extra parameters
# of /track on the click): the first of these columns found on the click row, as JSON or a
# query string, fills %%name%% for each. Until then the click carries none.
PASS_THROUGH_COLUMNS = ("custom_params", "extra_params", "pass_through", "params")


def _pass_through(click: Row | None) -> dict[str, str]:
    if click is None:
        return {}
    for column in PASS_THROUGH_COLUMNS:
        raw = click.get(column)
        if not raw:
            continue
        if isinstance(raw, str) and raw.lstrip().startswith("{"):
            value = json.loads(raw)
            return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}
        return dict(parse_qsl(str(raw), keep_blank_values=True))
    return {}


def variables(
    name: str,
    payload: Row,
    *,
    event_id: int | None,
    timestamp: int,
    username: str | None,
    click: Row | None,
    customer: Row | None,
) -> dict[str, str | None]:
    """Every %%variable%% of one postback: custom pass-through ones first, standard ones win."""
    ocid = payload.get("ocid") or (click or {}).get("ocid")
    campaign = payload.get("campaignid") or (click or {}).get("campaignid")
    values: dict[str, str | None] = dict(_pass_through(click))

    def text(value: Any) -> str | None:
        return None if value is None else str(value)

    values.update(
        aff_id=text(payload.get("loginid")),
        aff_username=username,
        offer_id=text(payload.get("offerid")),
        landing_page_id=text(payload.get("landing_pageid")),
        aff_campaign=text(campaign or None),
        aff_approved="0" if payload.get("status") == "pending" else "1",
        transid=text(payload.get("transactionid")),
        click_hash=text(payload.get("click_hash")),
        orderid=text(payload.get("orderid")),
        _ocid=text(ocid),
        external_clickid=text(ocid),
        commission=cents_text(payload.get("affiliate_payout")),
        amount=cents_text(payload.get("amount")),
        currency=str(payload.get("currency") or DEFAULT_CURRENCY),
        event=name,
        goal_id=text(payload.get("goal_id")),
        customer_id=text(payload.get("customer_id")),
        event_id=text(event_id),
        timestamp=str(timestamp),
        # The click's country; the customer's (the advertiser's posted one) when it has none.
        country=text((click or {}).get("country") or (customer or {}).get("country")),
        # The vendor's capitalised names: Desktop, Mobile, Tablet, Bot, Other.
        device_type_name=text(((click or {}).get("device_type") or "").capitalize() or None),
    )
    for sub in SUBAFFS:
        values[sub] = text((click or {}).get(sub))
    for field in CUSTOMER_FIELDS:
        values[f"cust_{field}"] = text((customer or {}).get(field))
    return values
