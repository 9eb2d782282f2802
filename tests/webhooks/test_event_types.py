"""cap.reached and delivery.destination_paused: subscribable, delivered, described in OpenAPI."""

from __future__ import annotations

from typing import Any

from standardwebhooks import Webhook

from tests.delivery.conftest import Outbound
from tests.delivery.receiver import Receiver
from trackpost.events.service import Event, record
from trackpost.webhooks.service import EVENT_TYPES

# As the caps work records it (trackpost/caps): money-like values already text.
CAP_PAYLOAD = {
    "capid": 3,
    "offerid": 12,
    "cap_offerid": 12,
    "advertiserid": None,
    "scope": "affiliate",
    "loginid": 4004,
    "type": "revenue",
    "cap": "500.00",
    "usage": "512.50",
    "duration": "day",
    "window_start": "2026-12-07T00:00:00Z",
    "reached_at": "2026-12-07T08:01:02Z",
    "overflow": "reject",
}


def _check(schema: dict[str, Any], value: Any) -> None:
    """The little of JSON Schema these messages use: types, const, enum, required, nesting."""
    if "const" in schema:
        assert value == schema["const"], (value, schema)
    if "enum" in schema:
        assert value in schema["enum"], (value, schema)
    kinds = schema.get("type")
    if kinds is not None:
        names = {"string": str, "integer": int, "object": dict, "array": list, "null": type(None)}
        allowed = tuple(names[k] for k in ([kinds] if isinstance(kinds, str) else kinds))
        assert isinstance(value, allowed), (value, schema)
    if isinstance(value, dict):
        for key in schema.get("required", []):
            assert key in value, (key, value)
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                _check(sub, value[key])


def test_a_recorded_cap_reached_event_reaches_its_endpoint(
    out: Outbound, receiver: Receiver
) -> None:
    assert "cap.reached" in EVENT_TYPES
    resp = out.api.post(
        "/api/webhook/add_endpoint", {"url": receiver.url("/caps"), "events": "cap.reached"}
    )
    assert resp.status_code == 200, resp.text
    secret = resp.json()["message"]["secret"]
    others = out.api.post(
        "/api/webhook/add_endpoint",
        {"url": receiver.url("/locks"), "events": "customer.locked"},
    )
    assert others.status_code == 200
    with out.built.services.db.transaction(write=True) as conn:
        record(conn, Event("cap.reached", CAP_PAYLOAD))
    out.deliver()
    (got,) = receiver.wait_for(1, "/caps")
    message = Webhook(secret).verify(got.body, got.headers)
    assert message["type"] == "cap.reached"
    assert message["data"] == {"customer_id": None, **CAP_PAYLOAD}
    assert receiver.to("/locks") == []
    doc = out.api.client.get("/openapi.json").json()
    _check(
        doc["webhooks"]["cap.reached"]["post"]["requestBody"]["content"]["application/json"][
            "schema"
        ],
        message,
    )
    (logged,) = out.deliveries(kind="webhook", event="cap.reached")
    assert logged["status"] == "done"


def test_openapi_describes_every_event_types_message(out: Outbound) -> None:
    doc = out.api.client.get("/openapi.json").json()
    hooks = doc["webhooks"]
    assert set(EVENT_TYPES) | {"webhook.test"} == set(hooks)
    for name in ("cap.reached", "delivery.destination_paused"):
        schema = hooks[name]["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert schema["properties"]["type"] == {"const": name}
        data = schema["properties"]["data"]
        assert "reached_at" in data["properties"] or "failing_since" in data["properties"]
    paused = hooks["delivery.destination_paused"]["post"]["requestBody"]["content"]
    sample = {
        "type": "delivery.destination_paused",
        "id": "evt_1",
        "timestamp": "2026-12-07T08:00:00Z",
        "version": 1,
        "data": {
            "customer_id": None,
            "kind": "postback",
            "subscription_id": 4,
            "failing_since": "2026-12-06T08:00:00Z",
            "last_error": "HTTP 500",
        },
    }
    _check(paused["application/json"]["schema"], sample)
