"""Offer goals: defined once, enabled per offer, booked by goal postbacks with their own money."""

from __future__ import annotations

from typing import Any

from tests.commissions.conftest import Money
from tests.postbacks.network import Network, created
from tests.support import assert_error


def _goal(money: Money, name: str = "Free signup", **extra: str) -> int:
    resp = money.api.post("/api/offer/add_goal", {"name": name, **extra})
    return created(resp, "goal_id")


def _enable(money: Money, goal: int, **fields: str) -> dict[str, Any]:
    params = {"offerid": str(money.net.offer)}
    for key, value in {"goal_id": str(goal), **fields}.items():
        params[f"goal_vars[0][{key}]"] = value
    return money.patch("/api/offer/set_offer_goals", **params)


def test_goals_are_defined_once_and_enabled_per_offer(money: Money, net: Network) -> None:
    signup = _goal(money)
    assert_error(money.api.post("/api/offer/add_goal", {"name": "free SIGNUP"}), 409, "goal_exists")
    goals = money.api.get("/api/offer/get_goals").json()["message"]["goals"]
    assert goals == [{"goal_id": signup, "name": "Free signup", "allow_repeat": False}]
    body = _enable(
        money,
        signup,
        commission_type="flat",
        amount="1.50",
        revenue_type="conversion",
        revenue_amount="2.00",
        aff_referral_payout="1",
    )
    (entry,) = body["message"]["goals"]
    assert entry["goal_id"] == signup
    assert (entry["amount"], entry["revenue_amount"], entry["aff_referral_payout"]) == (
        "1.50",
        "2.00",
        True,
    )
    changes = money.api.get("/api/offer/get_commission_changes", {"offerid": net.offer}).json()[
        "message"
    ]["changes"]
    goal_default = changes[-1]
    assert (goal_default["Change Id"], goal_default["offer_goal_id"]) == (0, signup)
    assert goal_default["Flat Conversion Payout"] == "1.50"
    assert goal_default["Pay Referring Affiliates"] is True


def test_a_goal_post_books_its_own_revenue_and_commission(money: Money, net: Network) -> None:
    signup = _goal(money)
    _enable(
        money,
        signup,
        commission_type="percentage",
        amount="50",
        revenue_type="sale",
        revenue_amount="10",
    )
    click = net.click()
    # Before the conversion: the customer is made as a conversion would make it.
    resp = net.post(click_hash=click, goal_id=str(signup), amount="30.00", subscription_id="G")
    assert resp.status_code == 200, resp.text
    goal_row = net.rows()[-1]
    # Revenue: 10% of the posted 30.00; commission: 50% of that revenue.
    assert (goal_row["trans_type"], goal_row["goalid"]) == ("goal", signup)
    assert (goal_row["amount"], goal_row["affiliate_payout"]) == (300, 150)
    conv = net.post(click_hash=click, subscription_id="G", orderid="C-1")
    assert conv.json()["customer_id"] == resp.json()["customer_id"]
    # The same goal twice for one customer is refused; a goal allowing repeats is not.
    again = net.post(subscription_id="G", goalid=str(signup), amount="30.00")
    assert_error(again, 409, "goal_already_reached", str(signup))
    repeat = _goal(money, "Level up", allow_repeat="1")
    _enable(money, repeat, commission_type="flat", amount="0.50")
    for _ in range(2):
        assert net.post(subscription_id="G", type="goal", goal_id=str(repeat)).status_code == 200
    assert [r["affiliate_payout"] for r in net.rows()[-2:]] == [50, 50]


def test_goal_changes_and_refusals(money: Money, net: Network) -> None:
    signup = _goal(money)
    _enable(money, signup, commission_type="flat", amount="1.00")
    money.change(type="standard", goalid=str(signup), flat_amount_per_conversion="4.00")
    assert net.post(click_hash=net.click(), offer_goal_id="999").status_code == 404
    resp = net.post(click_hash=net.click(), goal_id=str(signup))
    assert resp.status_code == 200, resp.text
    assert net.rows()[-1]["affiliate_payout"] == 400
    other = _goal(money, "Not here")
    assert_error(net.post(click_hash=net.click(), goal_id=str(other)), 404, "goal_not_enabled")
    assert_error(net.post(goal_id=str(signup)), 400, "missing_parameter", "click_hash")
    # goal_id 0 is the vendor's "main offer": an ordinary conversion.
    main = net.post(click_hash=net.click(), goal_id="0", orderid="MAIN-1")
    assert main.status_code == 200, main.text
    assert net.rows()[-1]["trans_type"] == "initial"
    # A goal voids like a sale.
    net.post(click_hash=net.click(), goal_id=str(signup), orderid="G-9")
    assert net.api.post("/api/transaction/process_void", {"orderid": "G-9"}).status_code == 200
