"""A sale is never lost over bad customer data: the field is set aside, the answer warns."""

from __future__ import annotations

from typing import Any

from tests.postbacks.network import Network
from tests.support import assert_error


def _details(net: Network, customer_id: int) -> dict[str, Any]:
    resp = net.api.get("/api/customer/get_customer_details", {"customer_id": customer_id})
    assert resp.status_code == 200, resp.text
    customer: dict[str, Any] = resp.json()["customer"]
    return customer


def _history(net: Network, customer_id: int) -> list[dict[str, Any]]:
    resp = net.api.get("/api/customer/history", {"customer_id": customer_id})
    assert resp.status_code == 200, resp.text
    history: list[dict[str, Any]] = resp.json()["history"]
    return history


def test_a_conversion_with_bad_fields_is_booked_and_warns(net: Network) -> None:
    resp = net.post(
        click_hash=net.click(),
        orderid="SA-1",
        amount="10",
        email="john@localhost",
        zip="9" * 33,
        ip="not-an-ip",
        firstname="John",
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert sorted(w["field"] for w in body["warnings"]) == ["email", "ip", "zip"]
    assert all(w["code"] == "field_set_aside" for w in body["warnings"])
    (row,) = net.rows()
    assert (row["orderid"], row["amount"]) == ("SA-1", 1000)
    customer = _details(net, body["customer_id"])
    assert (customer["firstname"], customer["email"], customer["zip"]) == ("John", None, None)
    assert customer["join_ip"] is None
    aside = customer["set_aside"]
    assert aside["email"]["value"] == "john@localhost"
    assert aside["zip"]["value"] == "9" * 33
    assert aside["ip"]["value"] == "not-an-ip"
    assert "too long" in aside["zip"]["problem"]
    (created,) = _history(net, body["customer_id"])
    assert created["changes"]["set_aside"]["after"]["email"]["value"] == "john@localhost"


def test_a_clean_conversion_answers_as_before(net: Network) -> None:
    body = net.convert(email="ok@example.com")
    assert set(body) == {"result", "customer_id", "transactionid"}
    assert _details(net, body["customer_id"])["set_aside"] is None


def test_a_taken_username_is_set_aside_on_a_new_customer(net: Network) -> None:
    net.convert(subscription_id="U-1", username="ada")
    resp = net.post(click_hash=net.click(), subscription_id="U-2", username="ADA")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert [w["field"] for w in body["warnings"]] == ["username"]
    customer = _details(net, body["customer_id"])
    assert customer["username"] is None
    assert customer["set_aside"]["username"]["value"] == "ADA"


def test_a_rebill_with_a_bad_email_is_booked_and_a_later_good_one_clears_it(
    net: Network,
) -> None:
    first = net.convert(subscription_id="R-1", email="a@example.com")
    cid = first["customer_id"]
    resp = net.post(type="rebill", subscription_id="R-1", amount="5", email="not-an-email")
    assert resp.status_code == 200, resp.text
    assert [w["field"] for w in resp.json()["warnings"]] == ["email"]
    customer = _details(net, cid)
    assert customer["email"] == "a@example.com"
    assert customer["set_aside"]["email"]["value"] == "not-an-email"
    assert _history(net, cid)[0]["action"] == "postback:continuity"
    resp = net.post(type="rebill", subscription_id="R-1", amount="5", email="b@example.com")
    assert "warnings" not in resp.json()
    customer = _details(net, cid)
    assert (customer["email"], customer["set_aside"]) == ("b@example.com", None)


def test_a_rebill_taking_another_customers_username_is_booked(net: Network) -> None:
    net.convert(subscription_id="N-1", username="bob")
    net.convert(subscription_id="N-2", username="carol")
    resp = net.post(type="rebill", subscription_id="N-2", amount="5", username="bob")
    assert resp.status_code == 200, resp.text
    assert [w["field"] for w in resp.json()["warnings"]] == ["username"]
    assert len(net.rows()) == 3


def test_what_makes_money_or_attribution_wrong_is_still_refused(net: Network) -> None:
    before = net.counts()
    assert_error(net.post(click_hash="nope", email="bad"), 404, "unknown_click_hash")
    assert_error(net.post(click_hash=net.click(), amount="x"), 400, "invalid_parameter")
    assert net.counts() == before


def test_a_rebill_may_name_its_customer_by_click_hash_alone(net: Network) -> None:
    click = net.click()
    first = net.convert(click_hash=click, subscription_id="C-1")
    resp = net.post(type="rebill", click_hash=click, amount="7.50")
    assert resp.status_code == 200, resp.text
    assert resp.json()["customer_id"] == first["customer_id"]
    assert net.rows()[-1]["trans_type"] == "continuity"
    unconverted = net.click()
    resp = net.post(type="rebill", click_hash=unconverted, amount="7.50")
    assert_error(resp, 404, "click_not_converted", unconverted)


def test_a_later_rebill_makes_a_cancelled_customer_active_again(net: Network) -> None:
    first = net.convert(subscription_id="L-1")
    cid = first["customer_id"]
    assert net.post(type="cancel", subscription_id="L-1").status_code == 200
    assert net.customer(cid)["status"] == "cancelled"
    assert net.post(type="rebill", subscription_id="L-1", amount="5").status_code == 200
    assert net.customer(cid)["status"] == "active"
    assert net.post(type="expire", subscription_id="L-1").status_code == 200
    assert net.post(type="rebill", subscription_id="L-1", amount="5").status_code == 200
    assert net.customer(cid)["status"] == "active"
    statuses = [e["changes"].get("status") for e in _history(net, cid)]
    assert {"before": "expired", "after": "active"} in statuses
