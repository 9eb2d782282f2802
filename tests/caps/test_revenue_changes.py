"""Revenue and net-conversion caps follow every later change of a booked sale, in its window.

Each path that changes what the ledger counts (refund, void, chargeback, reversal, approval,
denial, a new amount, a rebill's refund) is checked against a recount from the ledger rows:
revenue as the reports count it (pending and denied rows count nothing), net conversions as
the conversions that still stand.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from tests.caps.support import add_cap, reached_events, status
from tests.postbacks.network import Network, build_network, ledger
from tests.support import ApiClient
from trackpost.caps import service
from trackpost.core.fields import cents_text
from trackpost.core.http import Services
from trackpost.models.tables import cap_usage

VOID = "/api/transaction/process_void"
CHARGEBACK = "/api/transaction/process_chargeback"
REVERSAL = "/api/transaction/process_reversal"
APPROVE = "/api/transaction/approve_pending_transaction"
BY_ORDER = "/api/transaction/transaction_update_revenue_by_orderid"
STANDING = ("initial", "trial")


def _caps(net: Network) -> tuple[int, int]:
    """A revenue cap and a net-conversions cap, all time (one window: no boundary to cross)."""
    revenue = add_cap(
        net, cap="100000.00", type="Dollars", duration="All Time", redirect_type="notify"
    )
    convs = add_cap(
        net, cap="1000", type="Net Conversions", duration="All Time", redirect_type="notify"
    )
    return revenue, convs


def _recount(net: Network) -> tuple[str, str]:
    """Revenue and net conversions from the ledger, as the caps' status spells them."""
    rows = net.rows()
    standing = [
        r
        for r in rows
        if r["trans_type"] in STANDING and r["status"] not in ("voided", "charged_back", "denied")
    ]
    return str(cents_text(ledger(rows)[0])), str(len(standing))


def _check(net: Network, caps: tuple[int, int]) -> tuple[str, str]:
    """The two counters equal the recount; returns them."""
    counters = (status(net, caps[0])["usage"], status(net, caps[1])["usage"])
    assert counters == _recount(net)
    return counters


def _ok(resp: object) -> None:
    assert getattr(resp, "status_code", None) == 200, getattr(resp, "text", resp)


def test_refunds_take_back_revenue(net: Network) -> None:
    caps = _caps(net)
    net.convert(orderid="S-1", subscription_id="SUB-1")
    net.convert(orderid="S-2", subscription_id="SUB-2")
    assert _check(net, caps) == ("19.90", "2")
    refund = {"type": "refund", "subscription_id": "SUB-1", "original_orderid": "S-1"}
    _ok(net.post(**refund, orderid="R-1", amount="2.00"))
    assert _check(net, caps) == ("17.90", "2")  # a refund is no lost conversion
    _ok(net.post(**refund, orderid="R-2"))  # the rest
    assert _check(net, caps) == ("9.95", "2")


def test_a_void_and_its_reversal(net: Network) -> None:
    caps = _caps(net)
    net.convert(orderid="V-1", subscription_id="SUB-V")
    net.convert(orderid="V-2")
    _ok(net.post(type="refund", subscription_id="SUB-V", orderid="VR", amount="1.00"))
    assert _check(net, caps) == ("18.90", "2")
    _ok(net.api.post(VOID, {"orderid": "V-1"}))  # takes what the refund left: 8.95
    assert _check(net, caps) == ("9.95", "1")
    _ok(net.api.post(REVERSAL, {"orderid": "V-1", "reverse": "TRUE"}))
    assert _check(net, caps) == ("18.90", "2")


def test_a_chargeback_and_its_reversal(net: Network) -> None:
    caps = _caps(net)
    net.convert(orderid="C-1")
    _ok(net.api.post(CHARGEBACK, {"orderid": "C-1", "type": "chargeback", "cost": "1.00"}))
    assert _check(net, caps) == ("0.00", "0")  # the fee is the affiliate's, not revenue
    _ok(net.api.post(REVERSAL, {"orderid": "C-1", "reverse": "TRUE"}))
    assert _check(net, caps) == ("9.95", "1")


def test_pending_revenue_counts_on_approval_and_a_denial_never(
    api: ApiClient, services: Services
) -> None:
    net = build_network(api, services, pending_conversions="1")
    caps = _caps(net)
    net.convert(orderid="P-1")
    net.convert(orderid="P-2")
    assert _check(net, caps) == ("0.00", "2")  # booked conversions, no counted money yet
    _ok(api.patch(BY_ORDER, {"orderid": "P-1", "amount": "1500"}))  # pending: still nothing
    assert _check(net, caps) == ("0.00", "2")
    _ok(api.post(APPROVE, {"orderid": "P-1"}))
    assert _check(net, caps) == ("15.00", "2")
    _ok(api.post(VOID, {"orderid": "P-2"}))  # a pending sale voided is denied
    assert _check(net, caps) == ("15.00", "1")
    _ok(api.post(REVERSAL, {"orderid": "P-2", "reverse": "TRUE"}))  # pending again
    assert _check(net, caps) == ("15.00", "2")
    _ok(api.post(APPROVE, {"orderid": "P-2"}))
    assert _check(net, caps) == ("24.95", "2")


def test_a_new_amount_moves_revenue(net: Network) -> None:
    caps = _caps(net)
    net.convert(orderid="U-1", subscription_id="SUB-U")
    _ok(net.api.patch(BY_ORDER, {"orderid": "U-1", "amount": "2500"}))
    assert _check(net, caps) == ("25.00", "1")
    _ok(net.post(type="refund", subscription_id="SUB-U", orderid="UR", amount="5.00"))
    _ok(net.api.patch(BY_ORDER, {"orderid": "U-1", "amount": "700"}))
    assert _check(net, caps) == ("2.00", "1")


def test_rebills_count_and_their_refunds_and_chargebacks_take_back(
    api: ApiClient, services: Services
) -> None:
    net = build_network(api, services, continuity="19.95")
    caps = _caps(net)
    net.convert(orderid="L-0", subscription_id="SUB-L")
    for n in (1, 2):
        _ok(net.post(type="rebill", subscription_id="SUB-L", orderid=f"L-{n}"))
    assert _check(net, caps) == ("49.85", "1")
    refund = {"type": "refund", "subscription_id": "SUB-L", "original_orderid": "L-1"}
    _ok(net.post(**refund, orderid="LR", amount="4.95"))
    _ok(api.post(CHARGEBACK, {"orderid": "L-2", "type": "chargeback"}))
    assert _check(net, caps) == ("24.95", "1")  # a rebill is no conversion to lose


def test_falling_below_the_cap_lets_traffic_flow_and_tells_once(net: Network) -> None:
    capid = add_cap(net, cap="9.95", type="Dollars", redirect_type="notify")
    net.convert(orderid="F-1", subscription_id="SUB-F")
    assert status(net, capid)["reached"] == "1"
    _ok(net.post(type="refund", subscription_id="SUB-F", orderid="FR", amount="0.95"))
    assert (status(net, capid)["usage"], status(net, capid)["reached"]) == ("9.00", "0")
    _ok(net.api.patch(BY_ORDER, {"orderid": "F-1", "amount": "1995"}))
    assert (status(net, capid)["usage"], status(net, capid)["reached"]) == ("19.00", "1")
    assert len(reached_events(net)) == 1  # once per counter per window


def _usage(net: Network, capid: int) -> dict[dt.datetime, int]:
    stmt = select(cap_usage.c.window_start, cap_usage.c.used).where(cap_usage.c.capid == capid)
    with net.services.db.transaction(write=False) as conn:
        return {r[0]: int(r[1]) for r in conn.execute(stmt)}


def test_a_change_moves_the_window_the_sale_counted_in(net: Network) -> None:
    net.convert(orderid="W-1", subscription_id="SUB-W")
    [sale] = net.rows()
    capid = add_cap(net, cap="100.00", type="Dollars", duration="Hour", redirect_type="notify")
    # The sale as counted an hour that has ended (booked before the cap existed, it would not
    # count at all): its refund moves that hour's counter, not the current hour's.
    earlier = dt.datetime(2026, 1, 5, 10, 30, tzinfo=dt.UTC)
    with net.services.db.transaction(write=True) as conn:
        service.count_booking(conn, sale["transactionid"], sale, earlier)
    hour = dt.datetime(2026, 1, 5, 10, 0, tzinfo=dt.UTC)
    assert _usage(net, capid) == {hour: 995}
    _ok(net.post(type="refund", subscription_id="SUB-W", orderid="WR", amount="3.00"))
    assert _usage(net, capid) == {hour: 695}
    assert status(net, capid)["usage"] == "0.00"


def test_a_sale_the_cap_never_counted_moves_nothing(net: Network) -> None:
    net.convert(orderid="N-1")
    caps = _caps(net)  # added after the sale
    _ok(net.api.post(VOID, {"orderid": "N-1"}))
    assert (status(net, caps[0])["usage"], status(net, caps[1])["usage"]) == ("0.00", "0")
    # A new type starts the counter again: earlier sales are no longer the cap's.
    net.convert(orderid="N-2")
    resp = net.api.patch(
        "/api/offer/edit_conversion_cap",
        {"cap_redirect_id": caps[1], "type": "Dollars", "cap": "50.00"},
    )
    _ok(resp)
    _ok(net.api.post(VOID, {"orderid": "N-2"}))
    assert status(net, caps[1])["usage"] == "0.00"
    assert status(net, caps[0])["usage"] == "0.00"  # counted 9.95, voided
