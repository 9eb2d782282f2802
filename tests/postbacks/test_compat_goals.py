"""A goal post never becomes the click's conversion; trial posts are (issue 21)."""

from __future__ import annotations

import pytest

from tests.postbacks.network import Network
from tests.support import assert_error


@pytest.mark.parametrize(
    ("extra", "status", "code"),
    [
        ({"goal_id": "3"}, 404, "goal_not_enabled"),
        ({"goalid": "7"}, 404, "goal_not_enabled"),
        ({"offer_goal_id": "48"}, 404, "goal_not_enabled"),
        ({"type": "goal"}, 400, "missing_parameter"),
        ({"type": "GOAL"}, 400, "missing_parameter"),
    ],
)
def test_a_goal_the_offer_lacks_is_refused_and_writes_nothing(
    net: Network, extra: dict[str, str], status: int, code: str
) -> None:
    """Booking it as the click's conversion would make the real sale that follows a 409."""
    click = net.click()
    before = net.counts()
    resp = net.post(click_hash=click, orderid="G-1", amount="1.00", **extra)
    assert_error(resp, status, code, "goal")
    assert net.counts() == before
    assert net.post(click_hash=click, orderid="SALE-1").status_code == 200


@pytest.mark.parametrize("goal", ["0", ""])
def test_goal_zero_or_blank_is_the_main_offer(net: Network, goal: str) -> None:
    resp = net.post(click_hash=net.click(), goal_id=goal)
    assert resp.status_code == 200, resp.text
    assert net.rows()[-1]["trans_type"] == "initial"


def test_a_trial_is_the_clicks_conversion_typed_trial(net: Network) -> None:
    click = net.click()
    resp = net.post(click_hash=click, type="trial", subscription_id="T-1", amount="1.00")
    assert resp.status_code == 200, resp.text
    (row,) = net.rows()
    assert (row["trans_type"], row["amount"], row["click_hash"]) == ("trial", 100, click)
    # A click converts once, a trial included; later charges are continuity.
    assert_error(net.post(click_hash=click, orderid="X"), 409, "click_already_converted")
    rebill = net.post(type="rebill", subscription_id="T-1", amount="19.95")
    assert rebill.status_code == 200, rebill.text
    assert [r["trans_type"] for r in net.rows()] == ["trial", "continuity"]


def test_trials_are_their_own_type_in_the_report(net: Network) -> None:
    net.convert(type="trial", amount="1.00")
    net.convert(amount="9.95")
    resp = net.api.get("/api/report/transaction", {"period": 7, "trans_type": "trial"})
    assert resp.status_code == 200, resp.text
    rows = list(resp.json().values()) if isinstance(resp.json(), dict) else resp.json()
    assert [r["trans_type"] for r in rows] == ["advertiser_trial"]


def test_a_trial_can_be_voided_by_its_click_hash(net: Network) -> None:
    click = net.click()
    net.post(click_hash=click, type="trial", amount="1.00")
    resp = net.api.post(
        "/api/transaction/process_void", {"transaction_hash": click, "type": "void"}
    )
    assert resp.status_code == 200, resp.text
