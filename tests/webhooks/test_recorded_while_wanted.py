"""A type is recorded only while a subscription wants it; an endpoint gets what follows it."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from tests.delivery.conftest import Outbound
from tests.delivery.receiver import Receiver
from trackpost.models.tables import events


def _recorded(out: Outbound) -> dict[str, int]:
    """Rows per type of the customer and transaction events (what a conversion records)."""
    subscribable = events.c.type.like("customer.%") | events.c.type.like("transaction.%")
    stmt = select(events.c.type, func.count()).where(subscribable).group_by(events.c.type)
    with out.built.services.db.transaction(write=False) as conn:
        return {str(t): int(n) for t, n in conn.execute(stmt)}


def _add(out: Outbound, url: str, types: str) -> str:
    resp = out.api.post("/api/webhook/add_endpoint", {"url": url, "events": types})
    assert resp.status_code == 200, resp.text
    return str(resp.json()["message"]["endpointid"])


def test_with_no_subscriber_a_conversion_records_no_event(out: Outbound) -> None:
    before = _recorded(out)
    body = out.net.convert(orderid="QUIET-1")
    assert body["transactionid"]
    assert before == {}
    assert _recorded(out) == {}


def test_an_endpoint_added_through_the_api_gets_the_next_conversion(
    out: Outbound, receiver: Receiver
) -> None:
    out.net.convert(orderid="BEFORE")  # nobody wants it yet: not recorded, never sent
    _add(out, receiver.url("/sales"), "transaction.created")
    body = out.net.convert(orderid="AFTER")
    recorded = _recorded(out)
    assert recorded["transaction.created"] == 1
    assert "customer.created" not in recorded  # still wanted by nobody
    out.deliver()
    (got,) = receiver.wait_for(1, "/sales")
    data = json.loads(got.body)["data"]
    assert (data["orderid"], data["transactionid"]) == ("AFTER", body["transactionid"])


def test_a_disabled_or_removed_endpoint_stops_the_recording(out: Outbound) -> None:
    eid = _add(out, "https://hooks.example.com/a", "customer.created")
    out.net.convert(orderid="ON")
    assert _recorded(out) == {"customer.created": 1}
    off = out.api.patch("/api/webhook/edit_endpoint", {"endpointid": eid, "active": "0"})
    assert off.status_code == 200, off.text
    out.net.convert(orderid="OFF")
    assert _recorded(out) == {"customer.created": 1}
    on = out.api.patch("/api/webhook/edit_endpoint", {"endpointid": eid, "active": "1"})
    assert on.status_code == 200, on.text
    edit = {"endpointid": eid, "events": "transaction.created"}
    assert out.api.patch("/api/webhook/edit_endpoint", edit).status_code == 200
    out.net.convert(orderid="NARROWED")
    assert _recorded(out) == {"customer.created": 1, "transaction.created": 1}
    assert out.api.patch("/api/webhook/remove_endpoint", {"endpointid": eid}).status_code == 200
    out.net.convert(orderid="GONE")
    assert _recorded(out) == {"customer.created": 1, "transaction.created": 1}


def test_an_affiliate_postback_wants_its_events(out: Outbound) -> None:
    net = out.net
    pb = {"loginid": net.affiliate, "event": "conversion", "url": "https://t.example.com/?c=1"}
    resp = out.api.post("/api/affiliate/add_postback", pb)
    assert resp.status_code == 200, resp.text
    net.convert(orderid="PB-1")
    assert _recorded(out) == {"transaction.created": 1}
