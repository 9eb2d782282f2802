"""add_offer, edit_offer, get_details, activate_offer and pause_offer."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from tests.support import ApiClient, assert_error
from tests.tracking.support import (
    add_advertiser,
    add_affiliate,
    add_landing_page,
    add_offer,
    ok,
)
from trackpost.core.http import Services
from trackpost.models.tables import offers

ADD = "/api/offer/add_offer"


def details(api: ApiClient, **params: str) -> dict[str, dict[str, Any]]:
    body = ok(api.get("/api/offer/get_details", params))
    assert body["result"] == "Success"
    message: dict[str, dict[str, Any]] = body["message"]
    return message


def offer_row(services: Services, offerid: str) -> Any:
    with services.db.transaction(write=False) as conn:
        return conn.execute(select(offers).where(offers.c.offerid == int(offerid))).mappings().one()


def test_add_offer_body_and_money_in_cents(api: ApiClient, services: Services) -> None:
    adv = add_advertiser(api)
    resp = api.post(
        ADD,
        {
            "name": "Dating",
            "advertiserid": adv,
            "conversion": "29.95",
            "continuity": "9.9",
            "flat_amount_per_conversion": "5",
            "percentage_of_customer_continuity": "12.5",
            "pending_conversions": "1",
        },
    )
    body = ok(resp)
    offerid = body[0]["message"]["offerid"]
    assert body == [{"result": "Success", "message": {"offerid": offerid}}]
    row = offer_row(services, offerid)
    assert (row["conversion_revenue"], row["continuity_revenue"]) == (2995, 990)
    assert (row["conversion_payout_type"], row["conversion_payout"]) == ("flat", 500)
    assert (row["continuity_payout_type"], row["continuity_payout"]) == ("percent", 1250)
    assert row["pending_conversions"] is True
    shown = details(api, offerid=offerid)[offerid]
    assert shown["conversion"] == "29.95"
    assert shown["continuity"] == "9.90"
    assert shown["flat_amount_per_conversion"] == "5.00"
    assert shown["percentage_of_customer_conversion"] is None
    assert shown["percentage_of_customer_continuity"] == "12.50"
    assert shown["commission"] == "5.00 per conversion, 12.5% per continuity"
    assert shown["pending_conversions"] == "1"
    assert (shown["advertiserid"], shown["status"], shown["active"]) == (adv, "active", "1")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("conversion", "1e3"),
        ("conversion", "1,23"),
        ("conversion", "-1"),
        ("conversion", "12,50"),
        ("percentage_of_customer_conversion", "100.01"),
        ("percentage_of_customer_conversion", "abc"),
        ("date_live", "next tuesday"),
        ("expire_url", "javascript:alert(1)"),
        ("hidden", "maybe"),
        ("ip_uniqueness_seconds", "-1"),
    ],
)
def test_bad_values_are_400_and_write_nothing(api: ApiClient, name: str, value: str) -> None:
    adv = add_advertiser(api)
    resp = api.post(ADD, {"name": "X", "advertiserid": adv, name: value})
    assert_error(resp, 400, "invalid_parameter", name)
    assert details(api, advertiserid=adv) == {}


def test_advertiser_must_exist_and_be_an_advertiser(api: ApiClient) -> None:
    assert_error(
        api.post(ADD, {"name": "X", "advertiserid": "999"}), 404, "advertiser_not_found", "999"
    )
    aff = add_affiliate(api)
    assert_error(api.post(ADD, {"name": "X", "advertiserid": aff}), 404, "advertiser_not_found")


def test_flat_and_percentage_for_one_payout_conflict(api: ApiClient) -> None:
    adv = add_advertiser(api)
    data = {
        "name": "X",
        "advertiserid": adv,
        "flat_amount_per_conversion": "1",
        "percentage_of_customer_conversion": "10",
    }
    assert_error(
        api.post(ADD, data),
        400,
        "conflicting_parameters",
        "flat_amount_per_conversion",
    )


def test_edit_offer_changes_only_what_is_sent(api: ApiClient, services: Services) -> None:
    adv = add_advertiser(api)
    offerid = add_offer(api, adv, conversion="10", flat_amount_per_conversion="2")
    resp = api.patch(
        "/api/offer/edit_offer",
        {"offerid": offerid, "name": "Renamed", "percentage_of_customer_conversion": "30"},
    )
    assert ok(resp) == [{"result": "Success"}]
    row = offer_row(services, offerid)
    assert row["name"] == "Renamed"
    assert row["conversion_revenue"] == 1000
    assert (row["conversion_payout_type"], row["conversion_payout"]) == ("percent", 3000)
    ok(api.patch("/api/offer/edit_offer", {"offerid": offerid, "pending_conversions": "1"}))
    assert offer_row(services, offerid)["pending_conversions"] is True
    assert_error(
        api.patch("/api/offer/edit_offer", {"offerid": "999", "name": "x"}),
        404,
        "offer_not_found",
    )
    bad_dates = {"offerid": offerid, "date_live": "2030-01-02", "date_expire": "2030/01/01"}
    assert_error(
        api.patch("/api/offer/edit_offer", bad_dates), 400, "invalid_parameter", "date_expire"
    )


def test_dates_accept_vendor_forms_and_return_iso_utc(api: ApiClient) -> None:
    adv = add_advertiser(api)
    offerid = add_offer(api, adv, date_live="2030/03/20", date_expire="1924991999")
    shown = details(api, offerid=offerid)[offerid]
    assert shown["date_live"] == "2030-03-20T00:00:00+00:00"
    assert shown["date_expire"] == "2030-12-31T23:59:59+00:00"
    assert shown["status"] == "scheduled"
    # Blank is "not given"; REMOVE clears.
    ok(api.patch("/api/offer/edit_offer", {"offerid": offerid, "date_live": ""}))
    assert details(api, offerid=offerid)[offerid]["date_live"] == "2030-03-20T00:00:00+00:00"
    ok(api.patch("/api/offer/edit_offer", {"offerid": offerid, "date_live": "REMOVE"}))
    assert details(api, offerid=offerid)[offerid]["date_live"] is None


def test_get_details_selectors_in_the_vendors_order(api: ApiClient) -> None:
    adv1 = add_advertiser(api, username="first_adv")
    adv2 = add_advertiser(api)
    a = add_offer(api, adv1, name="Summer Sale")
    b = add_offer(api, adv1, name="Winter Sale")
    c = add_offer(api, adv2, name="Summer Camp")
    assert list(details(api, offerid=f"{c},{a}")) == [a, c]
    assert list(details(api, name="Winter Sale")) == [b]
    assert list(details(api, name_like="summer")) == [a, c]
    assert list(details(api, name_like="_")) == []
    assert list(details(api, advertiserid=adv1)) == [a, b]
    assert list(details(api, advertiser_username="FIRST_ADV")) == [a, b]
    # The first selector present wins: offerid over name.
    assert list(details(api, offerid=c, name="Winter Sale")) == [c]
    assert list(details(api, advertiserid=adv1, start="1", count="1")) == [b]
    # No selector: nothing, as the vendor documents (not every offer, not an error).
    assert ok(api.get("/api/offer/get_details", {})) == {"result": "Success", "message": {}}
    assert details(api, offerid="", name="", return_columns="") == {}
    assert_error(
        api.get("/api/offer/get_details", {"offerid": "1,x"}), 400, "invalid_parameter", "offerid"
    )


def test_get_details_return_columns(api: ApiClient) -> None:
    offerid = add_offer(api, add_advertiser(api), name="Cols", conversion="1")
    lp = add_landing_page(api, offerid, "https://adv.example/")
    shown = details(api, offerid=offerid, return_columns="name,conversion,landing_pages")
    assert shown == {
        offerid: {
            "offerid": offerid,
            "name": "Cols",
            "conversion": "1.00",
            "landing_pages": {
                lp: {
                    "landing_pageid": lp,
                    "name": shown[offerid]["landing_pages"][lp]["name"],
                    "url": "https://adv.example/",
                    "private": "0",
                    "conversion_type": "post",
                }
            },
        }
    }
    assert_error(
        api.get("/api/offer/get_details", {"offerid": offerid, "return_columns": "name,secret"}),
        400,
        "invalid_parameter",
        "secret",
    )


def test_pause_and_activate(api: ApiClient, services: Services) -> None:
    adv = add_advertiser(api)
    offerid = add_offer(api, adv)
    other = add_offer(api, adv)
    fallback_lp = add_landing_page(api, other, "https://other.example/")
    resp = api.patch(
        "/api/offer/pause_offer",
        {"offerid": offerid, "expiration_landing_page_id": fallback_lp},
    )
    assert ok(resp) == {"result": "success", "message": "Offer expired."}
    row = offer_row(services, offerid)
    assert row["active"] is False
    assert row["expire_landing_pageid"] == int(fallback_lp)
    assert details(api, offerid=offerid)[offerid]["status"] == "paused"
    resp = api.patch("/api/offer/activate_offer", {"offerid": offerid})
    assert ok(resp) == {"result": "success", "message": "Offer activated."}
    row = offer_row(services, offerid)
    assert (row["active"], row["date_expire"]) == (True, None)
    # The vendor's examples put these PATCH parameters in the query string.
    resp = api.request(
        "PATCH",
        "/api/offer/pause_offer",
        params={
            "offerid": offerid,
            "date_expire": "2099-01-01",
            "expire_url": "https://x.example/",
        },
    )
    assert ok(resp)["message"] == "Offer expired."
    row = offer_row(services, offerid)
    assert row["active"] is True  # scheduled, not yet expired
    assert (row["expire_url"], row["expire_landing_pageid"]) == ("https://x.example/", None)
    assert_error(
        api.patch(
            "/api/offer/pause_offer", {"offerid": offerid, "expiration_landing_page_id": "9"}
        ),
        404,
        "landing_page_not_found",
    )
    assert_error(api.patch("/api/offer/activate_offer", {"offerid": "999"}), 404, "offer_not_found")


def test_an_offer_without_advertiser_belongs_to_the_house_advertiser(api: ApiClient) -> None:
    first = ok(api.post(ADD, {"name": "Network offer", "advertiserid": ""}))
    second = ok(api.post(ADD, {"name": "Another"}))
    a, b = first[0]["message"]["offerid"], second[0]["message"]["offerid"]
    shown = details(api, offerid=f"{a},{b}", return_columns="advertiserid,advertiser_username")
    assert shown[a]["advertiser_username"] == shown[b]["advertiser_username"] == "house"
    assert shown[a]["advertiserid"] == shown[b]["advertiserid"]
    # The account is an advertiser nobody can log in as (it has no password).
    found = ok(api.get("/api/affiliate/search", {"type": "advertiser", "username": "house"}))
    assert list(found) == [shown[a]["advertiserid"]]


def test_vendor_offer_fields_are_stored_and_returned(api: ApiClient) -> None:
    adv = add_advertiser(api)
    offerid = add_offer(
        api,
        adv,
        offer_groups="3,1",
        marketing_types="7",
        subject_lines="Save now\nLast chance",
        from_addresses="deals@adv.example",
        cost_flat="12.50",
        cost_perc="0",
        cost_type="flat",
    )
    cols = "groups,marketing_types,subject_lines,from_addresses,cost_flat,conversion,cost_type"
    shown = details(api, offerid=offerid, return_columns=cols)[offerid]
    assert shown == {
        "offerid": offerid,
        "groups": ["3", "1"],
        "marketing_types": ["7"],
        "subject_lines": ["Save now", "Last chance"],
        "from_addresses": ["deals@adv.example"],
        "conversion": "12.50",
        "cost_flat": "12.50",
        "cost_type": "flat",
    }
    # PHP arrays are accepted too; REMOVE (or 0 for ids) clears.
    edit = "/api/offer/edit_offer"
    ok(
        api.patch(
            edit, {"offerid": offerid, "offer_groups[]": ["4", "5"], "subject_lines": "REMOVE"}
        )
    )
    ok(api.patch(edit, {"offerid": offerid, "marketing_types": "0"}))
    shown = details(api, offerid=offerid, return_columns=cols)[offerid]
    assert (shown["groups"], shown["subject_lines"], shown["marketing_types"]) == (
        ["4", "5"],
        [],
        [],
    )


def test_vendor_revenue_columns_refuse_what_trackpost_cannot_compute(api: ApiClient) -> None:
    adv = add_advertiser(api)
    base = {"name": "X", "advertiserid": adv}
    assert_error(api.post(ADD, {**base, "cost_type": "perc"}), 400, "not_supported", "cost_type")
    assert_error(api.post(ADD, {**base, "cost_perc": "25"}), 400, "not_supported", "cost_perc")
    assert_error(
        api.post(ADD, {**base, "cost_flat": "1.00", "conversion": "2.00"}),
        400,
        "conflicting_parameters",
        "cost_flat",
    )


def test_get_details_accepts_the_vendors_column_names(api: ApiClient) -> None:
    offerid = add_offer(api, add_advertiser(api), conversion="9.95")
    cols = "cookie_duration,cost_type,conversion_cap,authorized_countries,deleted,approved"
    shown = details(api, offerid=offerid, return_columns=cols)[offerid]
    assert shown == {
        "offerid": offerid,
        "cookie_duration": str(30 * 86_400),
        "cost_type": "flat",
        "conversion_cap": None,
        "authorized_countries": ["All"],
        "deleted": "0",
        "approved": "1",
    }
    resp = api.get("/api/offer/get_details", {"offerid": offerid, "return_columns": "nope"})
    assert_error(resp, 400, "invalid_parameter", "nope")
