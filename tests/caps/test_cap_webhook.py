"""A reached cap reaches the webhook endpoints subscribed to cap.reached, signed."""

from __future__ import annotations

from standardwebhooks import Webhook

from tests.caps.support import add_cap, overflowed, visit
from tests.delivery.conftest import Outbound, out, receiver
from tests.delivery.receiver import Receiver

__all__ = ["out", "receiver"]


def test_cap_reached_is_delivered_to_its_subscribers(out: Outbound, receiver: Receiver) -> None:
    resp = out.api.post(
        "/api/webhook/add_endpoint", {"url": receiver.url("/caps"), "events": "cap.reached"}
    )
    assert resp.status_code == 200, resp.text
    secret = resp.json()["message"]["secret"]
    net = out.net
    capid = add_cap(net, cap="2", type="Clicks", duration="Day", loginid="each")
    assert [overflowed(visit(net)) for _ in range(3)] == [False, False, True]
    out.deliver()
    [got] = receiver.wait_for(1, "/caps")
    message = Webhook(secret).verify(got.body, got.headers)
    assert message["type"] == "cap.reached"
    data = message["data"]
    assert data["customer_id"] is None
    assert (data["capid"], data["offerid"], data["loginid"]) == (capid, net.offer, net.affiliate)
    assert (data["type"], data["cap"], data["usage"], data["duration"]) == (
        "clicks",
        "2",
        "2",
        "day",
    )
    assert data["scope"] == "each"
    assert data["overflow"] == "url"
    assert data["window_start"].endswith("T00:00:00+00:00")
