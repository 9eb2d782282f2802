"""Extra payees: referral tiers, managers and partners, each its own payout row."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.commissions.conftest import Money
from tests.postbacks.network import Network, ledger

REPORT = "/api/report/transaction"


def _team(money: Money) -> dict[str, int]:
    """top refers mid, mid refers leaf; boss manages leaf; a partner shares the offer."""
    top = money.affiliate("top1")
    mid = money.affiliate("mid1", ref=str(top))
    leaf = money.affiliate("leaf1", ref=str(mid))
    boss = money.affiliate("boss1")
    partner = money.affiliate("partner1")
    money.patch("/api/affiliate/edit_affiliate", loginid=leaf, affiliate_manager_loginid=boss)
    return {"top": top, "mid": mid, "leaf": leaf, "boss": boss, "partner": partner}


def _convert(money: Money, link: str, **params: Any) -> int:
    body = money.net.convert(click_hash=money.click(link), amount="20.00", **params)
    return int(body["transactionid"])


def test_every_payee_gets_its_own_row(money: Money, net: Network) -> None:
    team = _team(money)
    offer = net.offer
    money.patch("/api/offer/set_referral_payouts", offerid=offer, tier1="10", tier2="2")
    money.patch(
        "/api/affiliate/set_manager_commission",
        loginid=team["boss"],
        percentage_of_revenue="5",
        flat_amount_per_sale="0.25",
        start_after_sales="1",
    )
    money.patch(
        "/api/offer/set_offer_partner",
        offerid=offer,
        loginid=team["partner"],
        percentage_of_revenue="1",
        flat_amount_per_transaction="0.10",
    )
    link = money.link_for(team["leaf"])
    first = _convert(money, link)
    # Affiliate 5.00; tier 1: 10% of it; tier 2: 2% of it; the manager waits for a 2nd sale.
    assert money.payouts(first) == [
        (team["leaf"], "affiliate", 0, 500),
        (team["mid"], "referral", 1, 50),
        (team["top"], "referral", 2, 10),
        (team["partner"], "partner", 0, 30),
    ]
    second = _convert(money, link)
    assert (team["boss"], "manager", 0, 125) in money.payouts(second)
    row = next(r for r in net.rows() if r["transactionid"] == second)
    assert (row["affiliate_payout"], row["total_payout"]) == (500, 500 + 50 + 10 + 125 + 30)
    report = net.api.get(REPORT, {"period": 7, "filter_transaction_hash": row["click_hash"]})
    entry = report.json()[str(second)]
    assert entry["total_payout"] == "7.15"
    assert [(p["type"], p["loginid"], p["amount"]) for p in entry["payouts"]] == [
        ("affiliate", team["leaf"], "5.00"),
        ("referral", team["mid"], "0.50"),
        ("referral", team["top"], "0.10"),
        ("manager", team["boss"], "1.25"),
        ("partner", team["partner"], "0.30"),
    ]
    assert entry["payouts"][1]["username"] == "mid1"
    assert entry["payouts"][1]["tier"] == 1
    assert sum(Decimal(p["amount"]) for p in entry["payouts"]) == Decimal(entry["total_payout"])


def test_referral_tiers_can_be_of_revenue_and_network_wide(money: Money, net: Network) -> None:
    team = _team(money)
    money.patch("/api/offer/set_referral_payouts", offerid="0", tier1="3", base="revenue")
    tid = _convert(money, money.link_for(team["leaf"]))
    assert money.payouts(tid) == [
        (team["leaf"], "affiliate", 0, 500),
        (team["mid"], "referral", 1, 60),
    ]


def _reversal_setup(money: Money, net: Network) -> tuple[dict[str, int], int]:
    team = _team(money)
    money.patch("/api/offer/set_referral_payouts", offerid=net.offer, tier1="10", tier2="2")
    money.patch(
        "/api/offer/set_offer_partner",
        offerid=net.offer,
        loginid=team["partner"],
        percentage_of_revenue="10",
    )
    money.patch("/api/offer/set_money_rules", offerid=net.offer, chargeback_fee_cap="none")
    tid = _convert(money, money.link_for(team["leaf"]), orderid="O-1", subscription_id="S-1")
    return team, tid


def _payee_sums(money: Money, net: Network) -> dict[tuple[int, str], int]:
    """Each payee's net over every counted ledger row."""
    sums: dict[tuple[int, str], int] = {}
    for row in net.rows():
        if row["status"] in ("pending", "denied"):
            continue
        for loginid, kind, _tier, amount in money.payouts(row["transactionid"]):
            sums[(loginid, kind)] = sums.get((loginid, kind), 0) + amount
    return sums


def test_void_and_reversal_act_on_every_payee(money: Money, net: Network) -> None:
    team, _tid = _reversal_setup(money, net)
    before = _payee_sums(money, net)
    assert before[(team["partner"], "partner")] == 200
    assert net.api.post("/api/transaction/process_void", {"orderid": "O-1"}).status_code == 200
    assert all(v == 0 for v in _payee_sums(money, net).values())
    assert ledger(net.rows()) == (0, 0)
    resp = net.api.post("/api/transaction/process_reversal", {"orderid": "O-1", "reverse": "1"})
    assert resp.status_code == 200
    assert _payee_sums(money, net) == before


def test_chargeback_takes_every_payee_back_and_charges_the_fee_to_the_affiliate(
    money: Money, net: Network
) -> None:
    team, _tid = _reversal_setup(money, net)
    cb = {"orderid": "O-1", "type": "chargeback", "cost": "15.00"}
    assert net.api.post("/api/transaction/process_chargeback", cb).status_code == 200
    sums = _payee_sums(money, net)
    assert sums[(team["leaf"], "affiliate")] == -1500
    assert sums[(team["mid"], "referral")] == 0
    assert sums[(team["partner"], "partner")] == 0
    rows = net.rows()
    assert rows[-1]["total_payout"] == sum(a for *_x, a in money.payouts(rows[-1]["transactionid"]))


def test_refunds_take_each_payees_share(money: Money, net: Network) -> None:
    team, _tid = _reversal_setup(money, net)
    refund = {"subscription_id": "S-1", "type": "refund", "amount": "5.00"}
    assert net.post(**refund, orderid="RF-1").status_code == 200
    sums = _payee_sums(money, net)
    # A quarter of the sale: each payee gives back a quarter of its row, the clawback rounded
    # half up once (0.125 of 0.50 is 0.13; 0.025 of 0.10 is 0.03).
    assert sums[(team["leaf"], "affiliate")] == 375
    assert sums[(team["mid"], "referral")] == 37
    assert sums[(team["top"], "referral")] == 7
    assert sums[(team["partner"], "partner")] == 150
    assert net.post(subscription_id="S-1", type="refund", orderid="RF-2").status_code == 200
    assert all(v == 0 for v in _payee_sums(money, net).values())


def test_referral_tiers_reach_eight_levels_and_skip_the_banned(money: Money, net: Network) -> None:
    chain = [money.affiliate("t_root")]
    for n in range(9):  # nine referrers above the seller: only eight are paid
        chain.append(money.affiliate(f"t_{n}", ref=str(chain[-1])))
    seller = chain[-1]
    tiers = {f"tier{t}": str(t) for t in range(1, 9)}  # tier t pays t % of the payout
    money.patch("/api/offer/set_referral_payouts", offerid=net.offer, **tiers)
    link = money.link_for(seller)
    first = _convert(money, link)
    paid = money.payouts(first)
    assert paid[0] == (seller, "affiliate", 0, 500)
    expected = [(chain[-1 - t], "referral", t, 5 * t) for t in range(1, 9)]
    assert paid[1:] == expected  # tier t: t % of 5.00, the ninth referrer gets nothing
    # A banned referrer's tier pays no one; the chain goes on above it.
    banned = chain[-3]  # tier 2
    assert (
        net.api.patch(
            "/api/affiliate/edit_affiliate", {"loginid": banned, "status": "2"}
        ).status_code
        == 200
    )
    second = _convert(money, link)
    tiers_paid = [tier for _, kind, tier, _ in money.payouts(second) if kind == "referral"]
    assert tiers_paid == [1, 3, 4, 5, 6, 7, 8]


def test_a_payees_net_counts_every_row_it_holds_in_the_period(money: Money, net: Network) -> None:
    team = _team(money)
    money.patch("/api/offer/set_referral_payouts", offerid=net.offer, tier1="10", tier2="2")
    link = money.link_for(team["leaf"])
    _convert(money, link)
    _convert(money, link)
    # A sale held for review is not counted until approved.
    money.patch("/api/offer/set_money_rules", offerid=net.offer, max_transaction_amount="10.00")
    _convert(money, link)

    def net_of(loginid: int, **period: str) -> str:
        params = {"period": "7", **period, "filter_loginid": str(loginid)}
        answer = net.api.get(REPORT, params)
        assert answer.status_code == 200, answer.text
        return str(answer.headers["x-affiliate-net"])

    # The seller's own rows, and each referrer's: tier 1 10% and tier 2 2% of 5.00, twice.
    assert net_of(team["leaf"]) == "10.00"
    assert net_of(team["mid"]) == "1.00"
    assert net_of(team["top"]) == "0.20"
    assert net_of(team["boss"]) == "0.00"
    # Rows outside the period are not its net.
    assert net_of(team["mid"], period="8", start="2020-01-01", end="2020-01-31") == "0.00"


def test_identical_sales_follow_a_new_referrer_and_a_ban(money: Money, net: Network) -> None:
    # Each worker keeps the payee rows of a sale it has already priced; a change of the
    # referral graph or of an affiliate's status must reach the next identical sale.
    top = money.affiliate("top2")
    seller = money.affiliate("seller2")
    money.patch("/api/offer/set_referral_payouts", offerid=net.offer, tier1="10")
    link = money.link_for(seller)
    first = _convert(money, link)
    assert money.payouts(first) == [(seller, "affiliate", 0, 500)]
    assert money.payouts(_convert(money, link)) == [(seller, "affiliate", 0, 500)]
    money.patch("/api/affiliate/edit_affiliate", loginid=seller, ref=str(top))
    third = _convert(money, link)
    assert money.payouts(third) == [(seller, "affiliate", 0, 500), (top, "referral", 1, 50)]
    money.patch("/api/affiliate/edit_affiliate", loginid=top, status="2")  # banned
    assert money.payouts(_convert(money, link)) == [(seller, "affiliate", 0, 500)]
