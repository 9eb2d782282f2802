"""The network's affiliate signup and account-change postbacks (reference §5.3)."""

from __future__ import annotations

import datetime as dt
import itertools
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from tests.delivery.conftest import Outbound
from tests.delivery.receiver import Receiver
from tests.support import ApiClient, assert_error
from trackpost.models.tables import deliveries

ADD = "/api/affiliate/add_postback"
_seq = itertools.count(1)


def add_affiliate(api: ApiClient, **extra: str) -> str:
    n = next(_seq)
    data = {"username": f"acct{n}", "password": "aff-secret-1", "email": f"acct{n}@example.com"}
    resp = api.post("/api/affiliate/add_affiliate", {**data, "payvia": "1", **extra})
    assert resp.status_code == 200, resp.text
    return str(resp.json()[0]["message"]["loginid"])


def _network_postback(out: Outbound, event: str, url: str, **extra: object) -> str:
    resp = out.api.post(ADD, {"event": event, "url": url, **extra})
    assert resp.status_code == 200, resp.text
    return str(resp.json()["message"]["postbackid"])


def test_signup_and_change_reach_the_networks_urls(out: Outbound, receiver: Receiver) -> None:
    _network_postback(out, "account_signup", receiver.url("/signup") + "?who=%%username%%")
    _network_postback(out, "account_change", receiver.url("/change"), method="POST")
    out.deliver()  # the network built by the fixture: its affiliate's signup went out too
    before = len(receiver.to("/signup"))
    loginid = add_affiliate(out.api, firstname="Ada", city="Paris", minimum_payout="25.00")
    resp = out.api.patch(
        "/api/affiliate/edit_affiliate",
        {"loginid": loginid, "city": "Lyon", "password": "n3w-pw-12"},
    )
    assert resp.status_code == 200, resp.text
    out.deliver()
    signup = receiver.wait_for(before + 1, "/signup")[-1]
    assert signup.method == "GET"
    sent = parse_qs(urlsplit(signup.target).query)
    assert sent["loginid"] == [loginid]
    assert sent["who"] == sent["username"]
    assert sent["firstname"] == ["Ada"]
    assert sent["city"] == ["Paris"]
    assert sent["minimum_payout"] == ["25.00"]
    assert sent["type"] == ["affiliate"]
    assert sent["event"] == ["account_signup"]
    assert "password" not in sent
    assert not any("secret" in v or "n3w-pw" in v for vs in sent.values() for v in vs)
    (change,) = [r for r in receiver.to("/change") if f"loginid={loginid}".encode() in r.body]
    assert change.method == "POST"
    assert change.headers["Content-Type"] == "application/x-www-form-urlencoded"
    form = parse_qs(change.body.decode())
    assert form["city"] == ["Lyon"]
    assert form["changed"] == ["city,password"]
    assert form["event"] == ["account_change"]
    assert b"n3w-pw" not in change.body
    listed = out.api.get("/api/affiliate/get_postbacks", {"event": "account_signup"}).json()
    assert [(p["loginid"], p["delay_hours"]) for p in listed["message"]] == [("0", 0)]


def test_a_delayed_signup_postback_waits(out: Outbound, receiver: Receiver) -> None:
    _network_postback(out, "account_signup", receiver.url("/later"), delay_hours="24")
    loginid = add_affiliate(out.api)
    out.deliver()
    assert receiver.to("/later") == []
    mine = select(deliveries).where(
        deliveries.c.event_type == "account_signup", deliveries.c.loginid == int(loginid)
    )
    with out.built.services.db.transaction(write=False) as conn:
        (row,) = conn.execute(mine).mappings()
    wait = row["next_at"] - row["created_at"]
    assert dt.timedelta(hours=23, minutes=59) < wait <= dt.timedelta(hours=24)
    assert row["status"] == "pending"


def test_the_admin_switch_and_scope_rules(out: Outbound, receiver: Receiver) -> None:
    _network_postback(out, "account_signup", receiver.url("/off"))
    resp = out.api.patch("/api/affiliate/set_postback_events", {"disable": "account_signup"})
    assert resp.status_code == 200, resp.text
    add_affiliate(out.api)
    out.deliver()
    assert receiver.to("/off") == []
    url = receiver.url("/x")
    assert_error(
        out.api.post(ADD, {"event": "account_signup", "url": url, "loginid": out.net.affiliate}),
        400,
        "postback_not_allowed",
        "loginid",
    )
    assert_error(
        out.api.post(ADD, {"event": "account_change", "url": url, "offerid": out.net.offer}),
        400,
        "postback_not_allowed",
        "offerid",
    )
    assert_error(
        out.api.post(ADD, {"event": "account_change", "url": url, "type": "image"}),
        400,
        "postback_not_allowed",
        "type",
    )
    assert_error(
        out.api.post(ADD, {"event": "account_change", "url": url, "delay_hours": "5"}),
        400,
        "invalid_parameter",
        "delay_hours",
    )
    assert_error(
        out.api.post(ADD, {"event": "conversion", "url": url}), 400, "missing_parameter", "loginid"
    )
    assert_error(
        out.api.post(
            ADD,
            {"event": "conversion", "url": url, "loginid": out.net.affiliate, "delay_hours": "12"},
        ),
        400,
        "postback_not_allowed",
        "delay_hours",
    )
