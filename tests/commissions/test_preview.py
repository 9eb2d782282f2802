"""transaction_payout_preview: every payee and its deciding rule, equal to what booking books."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.commissions.conftest import Money
from tests.conftest import Admin, BuildApp
from tests.postbacks.network import Network, build_network
from tests.support import ApiClient, assert_error

PREVIEW = "/api/transaction/transaction_payout_preview"


def test_preview_names_every_payee_and_its_rule(money: Money, net: Network) -> None:
    change = money.change(type="standard", subaff="vip", percentage_of_customer_conversion="30")
    click = net.click(subaff1="vip")
    found = money.preview(click, amount="50.00")
    assert (found["amount"], found["total_payout"]) == ("50.00", "15.00")
    (row,) = found["payouts"]
    assert (row["type"], row["loginid"], row["amount"], row["changeid"]) == (
        "affiliate",
        net.affiliate,
        "15.00",
        change,
    )
    assert row["percentage"] == "30.00"
    # No amount: percentages are computed on 100.00.
    assert money.preview(click)["total_payout"] == "30.00"
    plain = money.preview(net.click())
    assert (plain["payouts"][0]["changeid"], plain["payouts"][0]["rule"]) == (
        0,
        "offer default: flat",
    )
    rebill = money.preview(net.click(), transaction_type="continuity", amount="10.00")
    assert rebill["payouts"][0]["amount"] == "2.00"
    assert_error(net.api.get(PREVIEW, {"transaction_hash": "nope"}), 400, "invalid_parameter")
    resp = net.api.get(PREVIEW, {"transaction_hash": click, "transaction_type": "goal"})
    assert_error(resp, 400, "invalid_parameter", "goal_id")


_CHANGE = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["standard", "disable", "tiered"]),
        "subaff": st.sampled_from([None, "a", "b"]),
        "countries": st.sampled_from([None, "US", "CA,US"]),
        "flat": st.sampled_from([None, "0.00", "1.25", "7.00"]),
        "pct": st.sampled_from([None, "2.5", "33.33", "50"]),
        "after": st.integers(0, 2),
        "mine": st.booleans(),
    }
)
_WORLD = st.fixed_dictionaries(
    {
        "changes": st.lists(_CHANGE, max_size=4),
        "tiers": st.lists(st.sampled_from(["0", "1.5", "10", "25"]), max_size=3),
        "tier_base": st.sampled_from(["payout", "revenue"]),
        "partner": st.sampled_from([None, ("1.25", "0.00"), ("0", "0.35")]),
        "manager": st.sampled_from([None, ("5", "0.10", "0"), ("2.5", "0", "1")]),
        "sales": st.lists(
            st.tuples(
                st.sampled_from(["a", "b", ""]),
                st.sampled_from(["", "US", "CA"]),
                st.sampled_from(["0.99", "19.95", "120.00"]),
            ),
            min_size=1,
            max_size=3,
        ),
    }
)


def _build(money: Money, world: dict[str, Any]) -> str:
    """The rules of one random world on a fresh offer; returns the selling affiliate's link."""
    top = money.affiliate(f"t{money.net.offer}")
    seller = money.affiliate(f"s{money.net.offer}", ref=str(top))
    for ch in world["changes"]:
        params: dict[str, Any] = {"type": ch["type"]}
        if ch["type"] == "tiered":
            params["after_sales"] = str(ch["after"])
        for key, value in (("subaff", ch["subaff"]), ("countries", ch["countries"])):
            if value:
                params[key] = value
        if ch["flat"]:
            params["flat_amount_per_conversion"] = ch["flat"]
        if ch["pct"]:
            params["percentage_of_customer_conversion"] = ch["pct"]
        if ch["mine"]:
            params["loginid"] = str(seller)
        money.change(**params)
    tiers = {f"tier{i + 1}": rate for i, rate in enumerate(world["tiers"])}
    offer = money.net.offer
    money.patch("/api/offer/set_referral_payouts", offerid=offer, base=world["tier_base"], **tiers)
    if world["partner"]:
        rate, flat = world["partner"]
        money.patch(
            "/api/offer/set_offer_partner",
            offerid=offer,
            loginid=top,
            percentage_of_revenue=rate,
            flat_amount_per_transaction=flat,
        )
    if world["manager"]:
        boss = money.affiliate(f"m{offer}")
        money.patch("/api/affiliate/edit_affiliate", loginid=seller, affiliate_manager_loginid=boss)
        rate, flat, start = world["manager"]
        money.patch(
            "/api/affiliate/set_manager_commission",
            loginid=boss,
            percentage_of_revenue=rate,
            flat_amount_per_sale=flat,
            start_after_sales=start,
        )
    return money.link_for(seller)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=_WORLD)
def test_preview_equals_booking_over_random_rules(
    build_app: BuildApp, admin: Admin, world: dict[str, Any]
) -> None:
    # With a referral signup bonus: the seller's first sale pays its referrer one, later ones not.
    built = build_app(referral_signup_bonus="2.50")
    api = ApiClient(built.client(), admin.headers)
    money = Money(build_network(api, built.services, conversion="20.00"))
    link = _build(money, world)
    for n, (subaff, country, amount) in enumerate(world["sales"]):
        click = money.click(link, **({"subaff1": subaff} if subaff else {}))
        extra = {"country": country} if country else {}
        preview = money.preview(click, amount=amount, **extra)
        body = money.net.convert(click_hash=click, amount=amount, **extra)
        booked = money.payouts(int(body["transactionid"]))
        shown = [(p["loginid"], p["type"], p["tier"] or 0, p["amount"]) for p in preview["payouts"]]
        assert shown == [(a, k, t, _text(v)) for a, k, t, v in booked]
        bonus = [v for _a, k, t, v in booked if (k, t) == ("referral", 0)]
        assert bonus == ([250] if n == 0 else [])
        row = money.net.rows()[-1]
        assert preview["total_payout"] == _text(row["total_payout"])
        assert row["total_payout"] == sum(v for *_x, v in booked)


def _text(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"
