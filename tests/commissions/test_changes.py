"""Commission changes through the vendor's endpoints: shapes, precedence, types, restrictions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from tests.commissions.conftest import Money
from tests.postbacks.network import Network
from tests.support import assert_error
from trackpost.models.tables import clicks, commission_audit

GET = "/api/offer/get_commission_changes"
PAYOUTS = "/api/offer/set_commission_change_payouts"
PRIORITY = "/api/offer/set_commission_change_priority"


def _sale(money: Money, **params: str) -> tuple[int, int]:
    """A 20.00 conversion on a fresh click: (affiliate payout, transactionid)."""
    body = money.net.convert(amount="20.00", **params)
    (row,) = [r for r in money.net.rows() if r["transactionid"] == body["transactionid"]]
    return int(row["affiliate_payout"]), int(body["transactionid"])


def test_get_commission_changes_keeps_the_vendors_keys(money: Money, net: Network) -> None:
    aff = net.affiliate
    first = money.change(
        type="standard",
        loginid=aff,
        flat_amount_per_conversion="7.50",
        percentage_of_customer_continuity="12.5",
        flat_amount_per_click="0.05",
    )
    second = money.change(type="standard", countries="us,ax", subaff="a", subaff3="c", cpm="7")
    body = net.api.get(GET, {"offerid": net.offer}).json()
    assert body["result"] == "Success"
    changes = body["message"]["changes"]
    assert [c["Change Id"] for c in changes] == [second, first, 0]  # newest on top, default last
    top, mine, default = changes
    assert top["Countries"] == ["AX", "US"]
    assert top["Sub Affiliates"] == {"Subaff": "a", "Subaff3": "c"}
    assert top["CPM Payout"] == "7.00"
    ((loginid, username),) = mine["Affiliates"].items()
    assert loginid == str(aff)
    assert username.startswith("aff")
    assert mine["Flat Conversion Payout"] == "7.50"
    assert mine["Percentage Continuity Payout"] == "12.50"
    assert mine["Page View Payout"] == "0.05"
    assert (mine["Start Time"], mine["End Time"], mine["Countries"]) == ("Never", "Never", ["All"])
    assert default["Flat Conversion Payout"] == "5.00"
    assert default["Percentage Continuity Payout"] == "20.00"


def test_the_first_matching_change_by_priority_wins(money: Money, net: Network) -> None:
    assert _sale(money)[0] == 500  # change 0: the offer's default
    low = money.change(type="standard", flat_amount_per_conversion="6.00")
    assert _sale(money)[0] == 600
    high = money.change(type="standard", flat_amount_per_conversion="7.00")
    assert _sale(money)[0] == 700  # the newer change goes on top
    money.patch(PRIORITY, offerid=net.offer, changeid=low, priority=100)
    assert _sale(money)[0] == 600
    # A change that says nothing of continuity does not decide rebills: change 0 still does.
    listed = net.api.get(GET, {"offerid": net.offer}).json()["message"]["changes"]
    assert [c["Change Id"] for c in listed] == [low, high, 0]
    assert listed[0]["Priority"] == 100


def test_restrictions_must_all_match(money: Money, net: Network) -> None:
    money.change(type="standard", loginid=net.affiliate, subaff="x", flat_amount_per_conversion="9")
    money.change(type="standard", countries="CA", flat_amount_per_conversion="8.00")
    assert _sale(money)[0] == 500
    assert _sale(money, click_hash=net.click(subaff1="x"))[0] == 900
    assert _sale(money, click_hash=net.click(subaff1="y"))[0] == 500
    assert _sale(money, country="CA")[0] == 800
    assert _sale(money, country="CA", click_hash=net.click(subaff1="x"))[0] == 800  # on top


def test_disable_and_temporary_changes(money: Money, net: Network) -> None:
    now = dt.datetime.now(dt.UTC)
    past = {
        "start_time": (now - dt.timedelta(days=3)).isoformat(),
        "end_time": (now - dt.timedelta(days=2)).isoformat(),
    }
    money.change(type="temporary", flat_amount_per_conversion="1.00", **past)
    assert _sale(money)[0] == 500
    live = {
        "start_time": (now - dt.timedelta(hours=1)).isoformat(),
        "end_time": (now + dt.timedelta(hours=1)).isoformat(),
    }
    money.change(type="temporary", flat_amount_per_conversion="2.00", **live)
    assert _sale(money)[0] == 200
    money.change(type="disable")
    assert _sale(money)[0] == 0
    resp = net.api.post(
        "/api/offer/add_commission_change", {"offerid": net.offer, "type": "temporary"}
    )
    assert_error(resp, 400, "invalid_parameter", "start_time")


def test_tiered_and_recurring_changes(money: Money, net: Network) -> None:
    money.change(type="tiered", after_sales="2", flat_amount_per_conversion="6.00")
    assert [_sale(money)[0] for _ in range(4)] == [500, 500, 600, 600]
    now = dt.datetime.now(dt.UTC)
    week_ago = {
        "start_time": (now - dt.timedelta(days=7, hours=1)).isoformat(),
        "end_time": (now - dt.timedelta(days=7) + dt.timedelta(hours=1)).isoformat(),
    }
    money.change(type="recurring", recur="weekly", flat_amount_per_conversion="3.00", **week_ago)
    assert _sale(money)[0] == 300  # last week's window repeats now
    resp = net.api.post(
        "/api/offer/add_commission_change",
        {
            "offerid": net.offer,
            "type": "recurring",
            "recur": "weekly",
            **week_ago,
            "end_time": (now + dt.timedelta(days=30)).isoformat(),
        },
    )
    assert_error(resp, 400, "invalid_parameter", "shorter")


def test_the_applied_commission_is_frozen(money: Money, net: Network) -> None:
    change = money.change(type="standard", percentage_of_customer_conversion="10")
    payout, tid = _sale(money)
    assert payout == 200
    money.patch(PAYOUTS, offerid=net.offer, changeid=change, percentage_of_customer_conversion="50")
    row = next(r for r in net.rows() if r["transactionid"] == tid)
    assert (row["affiliate_payout"], row["changeid"], row["payout_percent"]) == (200, change, 1000)
    assert _sale(money)[0] == 1000
    # Change 0 is the offer's default.
    money.patch(PAYOUTS, offerid=net.offer, changeid=0, flat_amount_per_continuity="1.50")
    listed = net.api.get(GET, {"offerid": net.offer}).json()["message"]["changes"]
    assert listed[-1]["Flat Continuity Payout"] == "1.50"


def test_changes_are_audited(money: Money, net: Network) -> None:
    change = money.change(type="standard", flat_amount_per_conversion="6.00")
    money.patch(PAYOUTS, offerid=net.offer, changeid=change, flat_amount_per_conversion="6.50")
    with net.services.db.transaction(write=False) as conn:
        rows = (
            conn.execute(select(commission_audit).order_by(commission_audit.c.auditid))
            .mappings()
            .all()
        )
    actions = [(r["action"], r["changeid"], r["actor"], r["source"]) for r in rows]
    assert actions == [
        ("add_commission_change", change, "tf_admin", "api"),
        ("set_commission_change_payouts", change, "tf_admin", "api"),
    ]
    assert '"flat_conversion":600' in rows[1]["before"]
    assert '"flat_conversion":650' in rows[1]["after"]


def test_errors_name_the_parameter(money: Money, net: Network) -> None:
    add = "/api/offer/add_commission_change"
    assert_error(net.api.post(add, {"offerid": net.offer}), 400, "missing_parameter", "type")
    assert_error(net.api.post(add, {"offerid": 999, "type": "standard"}), 404, "offer_not_found")
    resp = net.api.post(add, {"offerid": net.offer, "type": "standard", "countries": "USA"})
    assert_error(resp, 400, "invalid_parameter", "countries")
    resp = net.api.post(add, {"offerid": net.offer, "type": "standard", "username": "nobody"})
    assert_error(resp, 404, "affiliate_not_found", "nobody")
    resp = net.api.patch(PAYOUTS, {"offerid": net.offer, "changeid": 12345})
    assert_error(resp, 404, "commission_change_not_found", "12345")
    resp = net.api.post(add, {"offerid": net.offer, "type": "standard", "goalid": 4})
    assert_error(resp, 404, "goal_not_found", "goalid")


def test_country_changes_match_the_clicks_country_before_the_posted_one(
    money: Money, net: Network
) -> None:
    money.change(type="standard", countries="DE", flat_amount_per_conversion="8.00")
    german = net.click()
    with net.services.db.transaction(write=True) as conn:
        # A click recorded with its country (from the trusted proxy's header or GeoIP).
        conn.execute(update(clicks).where(clicks.c.click_hash == german).values(country="DE"))
    assert _sale(money, click_hash=german)[0] == 800
    assert _sale(money, country="de")[0] == 800  # no country on the click: the posted one
    assert money.preview(net.click(), country="de")["payouts"][0]["amount"] == "8.00"
    assert money.preview(german, country="us")["payouts"][0]["amount"] == "8.00"
