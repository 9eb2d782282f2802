"""Per-click, per-visitor and CPM payouts: the rates the statistics counters multiply by, by the
same change precedence as sales (they accrue as counters, never one ledger row per click)."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.commissions.conftest import Money
from tests.postbacks.network import Network
from trackpost.commissions.change import Event
from trackpost.commissions.click_rates import click_payout, cpm_rate
from trackpost.commissions.service import RulesCache
from trackpost.core.db import utcnow
from trackpost.models.tables import transactions

PAYOUTS = "/api/offer/set_commission_change_payouts"


def _rates(net: Network, loginid: int, subaff: str | None = None) -> tuple[object, ...]:
    """(raw click, unique visitor, CPM) rates with the change that decided each."""
    event = Event(
        "click", net.offer, loginid, 0, utcnow(), subaffs=(subaff, None, None, None, None)
    )
    with net.services.db.transaction(write=False) as conn:
        rules = RulesCache().get(conn)
    return (
        click_payout(rules, event, unique=False),
        click_payout(rules, event, unique=True),
        cpm_rate(rules, event),
    )


def test_click_visitor_and_cpm_rates_follow_the_changes(money: Money, net: Network) -> None:
    other = money.affiliate("cr_other")
    assert _rates(net, net.affiliate) == ((0, 0), (0, 0), (0, 0))
    # Change 0 holds the offer's own click, visitor and CPM rates.
    money.patch(
        PAYOUTS,
        offerid=net.offer,
        changeid=0,
        flat_amount_per_click="0.05",
        flat_amount_per_visitor="0.20",
        cpm="1.50",
    )
    assert _rates(net, net.affiliate) == ((5, 0), (20, 0), (150, 0))
    mine = money.change(type="standard", loginid=net.affiliate, flat_amount_per_click="0.10")
    cpm = money.change(type="standard", subaff="display", cpm="2.25")
    # The affiliate's change decides raw clicks only; visitors and CPM fall through to change 0.
    assert _rates(net, net.affiliate) == ((10, mine), (20, 0), (150, 0))
    assert _rates(net, other) == ((5, 0), (20, 0), (150, 0))
    # The subaff change is on top: it decides CPM for its clicks.
    assert _rates(net, other, "display") == ((5, 0), (20, 0), (225, cpm))
    # A disable change pays nothing per click, visitor or impression.
    off = money.change(type="disable", loginid=other)
    assert _rates(net, other, "display") == ((0, off), (0, off), (0, off))
    # Clicks write no ledger row.
    for _ in range(3):
        money.click()
    with net.services.db.transaction(write=False) as conn:
        assert conn.execute(select(func.count()).select_from(transactions)).scalar_one() == 0
