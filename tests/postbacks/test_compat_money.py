"""Posted money with any number of decimals is rounded half up to the cent once (issue 21)."""

from __future__ import annotations

import pytest

from tests.postbacks.network import VOID, Network
from tests.support import assert_error

VOIDER = "203.0.113.7"


@pytest.mark.parametrize(
    ("amount", "cents"),
    [("10.000", 1000), ("9.9500", 995), ("9.995", 1000), ("0.004", 0), ("0.005", 1), (".5", 50)],
)
def test_long_decimals_are_rounded_half_up_and_kept_raw(
    net: Network, amount: str, cents: int
) -> None:
    body = net.convert(amount=amount, orderid=f"O-{amount}")
    (row,) = net.rows(body["customer_id"])
    assert (row["amount"], row["amount_raw"]) == (cents, amount)


def test_gross_and_revenue_synonyms_keep_their_raw_text(net: Network) -> None:
    body = net.convert(gross="12.3456")
    (row,) = net.rows(body["customer_id"])
    assert (row["amount"], row["amount_raw"]) == (1235, "12.3456")


def test_a_retry_with_other_formatting_of_the_same_amount_is_a_replay(net: Network) -> None:
    click = net.click()
    first = net.post(click_hash=click, orderid="R-1", amount="10.00")
    again = net.post(click_hash=click, orderid="R-1", amount="10.000")
    assert first.status_code == again.status_code == 200, again.text
    assert again.json() == first.json()
    assert again.headers.get("X-Trackpost-Replayed") == "true"
    assert len(net.rows()) == 1


def test_no_amount_keeps_no_raw_text(net: Network) -> None:
    body = net.convert()
    (row,) = net.rows(body["customer_id"])
    assert (row["amount"], row["amount_raw"]) == (995, None)


def test_continuity_amount_is_rounded_too(net: Network) -> None:
    net.convert(subscription_id="S-MONEY")
    resp = net.post(type="rebill", subscription_id="S-MONEY", amount="4.125")
    assert resp.status_code == 200, resp.text
    row = net.rows()[-1]
    assert (row["trans_type"], row["amount"], row["amount_raw"]) == ("continuity", 413, "4.125")


def test_chargeback_cost_takes_long_decimals(net: Network) -> None:
    resp = net.api.post("/api/config/add_global_void_ip", {"ip": VOIDER})
    assert resp.status_code == 200, resp.text
    net.convert(orderid="CB-1", amount="20")
    resp = net.post(path=VOID, orderid="CB-1", type="chargeback", cost="2.505", _ip=VOIDER)
    assert resp.status_code == 200, resp.text
    assert net.rows()[-1]["chargeback_cost"] == 251


@pytest.mark.parametrize(
    ("amount", "reason"),
    [("ten", "not a number"), ("-1.00", "negative"), ("99999999999999", "too large")],
)
def test_only_what_is_not_an_amount_is_refused(net: Network, amount: str, reason: str) -> None:
    before = net.counts()
    assert_error(net.post(click_hash=net.click(), amount=amount), 400, "invalid_parameter", reason)
    assert net.counts() == before
