"""The optional referral signup bonus: a flat amount to the referrer, once, booked as a referral
payout row (tier 0) on the referred affiliate's first conversion."""

from __future__ import annotations

from typing import Any

import pytest

from tests.commissions.conftest import Money
from tests.conftest import Admin, BuildApp
from tests.postbacks.network import Network, build_network
from tests.support import ApiClient

VOID = "/api/transaction/process_void"
REVERSAL = "/api/transaction/process_reversal"


@pytest.fixture
def bonus_money(build_app: BuildApp, admin: Admin) -> Money:
    """A network whose referrers earn 7.50 per referred affiliate, and 10% tier 1."""
    built = build_app(referral_signup_bonus="7.50")
    api = ApiClient(built.client(), admin.headers)
    net = build_network(api, built.services, conversion="20.00")
    money = Money(net)
    money.patch("/api/offer/set_referral_payouts", offerid=0, tier1="10")
    return money


def _sale(money: Money, link: str, **params: Any) -> int:
    body = money.net.convert(click_hash=money.click(link), amount="20.00", **params)
    return int(body["transactionid"])


def test_the_bonus_is_paid_once_on_the_first_conversion(bonus_money: Money) -> None:
    money = bonus_money
    top = money.affiliate("sb_top")
    new = money.affiliate("sb_new", ref=str(top))
    alone = money.affiliate("sb_alone")
    link = money.link_for(new)
    preview = money.preview(money.click(link), amount="20.00")
    assert [(p["type"], p["tier"], p["amount"], p["of"]) for p in preview["payouts"]] == [
        ("affiliate", None, "5.00", "revenue"),
        ("referral", 1, "0.50", "payout"),
        ("referral", None, "7.50", "signup"),
    ]
    first = _sale(money, link)
    assert money.payouts(first) == [
        (new, "affiliate", 0, 500),
        (top, "referral", 1, 50),
        (top, "referral", 0, 750),
    ]
    # Preview and booking agree: the next conversion is no longer the first.
    again = money.preview(money.click(link), amount="20.00")
    assert [p["amount"] for p in again["payouts"]] == ["5.00", "0.50"]
    second = _sale(money, link)
    assert money.payouts(second) == [(new, "affiliate", 0, 500), (top, "referral", 1, 50)]
    # An affiliate nobody referred earns no one a bonus; rebills never pay one.
    lone = _sale(money, money.link_for(alone))
    assert money.payouts(lone) == [(alone, "affiliate", 0, 500)]


def test_a_void_takes_the_bonus_back_and_a_refund_leaves_it(bonus_money: Money) -> None:
    money = bonus_money
    net: Network = money.net
    top = money.affiliate("sv_top")
    new = money.affiliate("sv_new", ref=str(top))
    link = money.link_for(new)
    sale = _sale(money, link, orderid="SB-1", subscription_id="SB-S1")
    refund = net.post(subscription_id="SB-S1", type="refund", amount="20.00", orderid="SB-R1")
    assert refund.status_code == 200, refund.text
    rows = {
        r["trans_type"]: r for r in net.rows() if r["customer_id"] == net.rows()[-1]["customer_id"]
    }
    refunded = money.payouts(int(rows["refund"]["transactionid"]))
    assert refunded == [(new, "affiliate", 0, -500), (top, "referral", 1, -50)]
    # A second referred affiliate's first sale, voided: every row comes off, the bonus too.
    other = money.affiliate("sv_other", ref=str(top))
    voided = _sale(money, money.link_for(other), orderid="SB-2")
    assert net.api.post(VOID, {"orderid": "SB-2"}).status_code == 200
    void_row = net.rows()[-1]
    assert money.payouts(int(void_row["transactionid"])) == [
        (other, "affiliate", 0, -500),
        (top, "referral", 1, -50),
        (top, "referral", 0, -750),
    ]
    assert net.api.post(REVERSAL, {"orderid": "SB-2", "reverse": "TRUE"}).status_code == 200
    assert sum(a for *_, a in money.payouts(int(net.rows()[-1]["transactionid"]))) == 1300
    assert sale != voided


def test_no_bonus_by_default(money: Money) -> None:
    top = money.affiliate("nb_top")
    new = money.affiliate("nb_new", ref=str(top))
    money.patch("/api/offer/set_referral_payouts", offerid=0, tier1="10")
    first = _sale(money, money.link_for(new))
    assert money.payouts(first) == [(new, "affiliate", 0, 500), (top, "referral", 1, 50)]
