"""The postback endpoints with every documented parameter, sent as the vendor's clients send them.

PHP's http_build_query sends every field it was given, blanks included (`address2=`), spaces as
`+` and brackets escaped; Python's requests sends a form dict. Each documented parameter of
process_pixel (trackfinity-api.md 5.3, and the WordPress plugins' extras) and process_void must
be accepted and do what the reference says; a blank means "not sent". Self-contained: the shared
compatibility framework is built separately (tests/compat of issue 21, part A).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote_plus

import pytest

from tests.postbacks.network import PIXEL, VOID, Network, build_network
from tests.support import ApiClient
from trackpost.core.http import Services

VOIDER = "203.0.113.44"


@pytest.fixture
def net(api: ApiClient, services: Services) -> Network:
    return build_network(api, services)


def http_build_query(params: dict[str, Any]) -> str:
    """PHP's http_build_query (PHP_QUERY_RFC1738): every pair, blanks too, spaces as '+'."""
    pairs: list[str] = []
    for name, value in params.items():
        if isinstance(value, list):
            for i, item in enumerate(value):
                pairs.append(f"{quote_plus(f'{name}[{i}]')}={quote_plus(str(item))}")
        elif value is None:
            continue  # PHP drops NULL
        elif isinstance(value, bool):
            pairs.append(f"{quote_plus(name)}={'1' if value else '0'}")  # true -> 1, false -> 0
        else:
            pairs.append(f"{quote_plus(name)}={quote_plus(str(value))}")
    return "&".join(pairs)


def _conversion(click: str) -> dict[str, Any]:
    """A conversion with every documented process_pixel parameter, blanks included."""
    return {
        "click_hash": click,
        "subscription_id": "PHP-SUB-1",
        "orderid": "PHP-ORD-1",
        "amount": "10.000",
        "type": "",
        "transid": "",
        "gross": "",
        "ocode": "",
        "firstname": "Jean Luc",
        "lastname": "Picard",
        "address1": "1 Rue de la Paix",
        "address2": "",
        "city": "La Barre",
        "state": "",
        "zip": "75002",
        "country": "FR",
        "email": "jl@example.com",
        "phone": "+33 1 23 45 67 89",
        "username": "",
        "password": "",
        "custom1": "c1",
        "custom2": "",
        "custom3": "",
        "custom4": "",
        "custom5": "",
        "ip": "198.51.100.23",
        "trans_custom1": "t1",
        "trans_custom2": "",
        "trans_custom3": "",
        "trans_custom4": "",
        "trans_custom5": "",
        "advertiserid": "",
        "landing_pageid": "",
        "goal_id": "",
        "subaff": "",
        "affiliate_specific_extra": "ignored",
    }


def _check_conversion(net: Network, body: dict[str, Any], click: str) -> None:
    assert "warnings" not in body
    customer = net.customer(body["customer_id"])
    assert (customer["subscription_id"], customer["firstname"], customer["address2"]) == (
        "PHP-SUB-1",
        "Jean Luc",
        None,
    )
    assert (customer["phone"], customer["join_ip"], customer["password_hash"]) == (
        "+33 1 23 45 67 89",
        "198.51.100.23",
        None,
    )
    (row,) = net.rows(body["customer_id"])
    assert (row["trans_type"], row["amount"], row["amount_raw"]) == ("initial", 1000, "10.000")
    assert (row["orderid"], row["click_hash"], row["trans_custom1"]) == ("PHP-ORD-1", click, "t1")
    assert row["trans_custom2"] is None


def test_php_get_with_every_documented_parameter(net: Network) -> None:
    click = net.click()
    resp = net.http.get(f"{PIXEL}?{http_build_query(_conversion(click))}")
    assert resp.status_code == 200, resp.text
    _check_conversion(net, resp.json(), click)


def test_php_post_form_with_every_documented_parameter(net: Network) -> None:
    click = net.click()
    resp = net.http.post(
        PIXEL,
        content=http_build_query(_conversion(click)),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert resp.status_code == 200, resp.text
    _check_conversion(net, resp.json(), click)
    # The plugin retries the same post: a replay, nothing written twice.
    again = net.http.get(f"{PIXEL}?{http_build_query(_conversion(click))}")
    assert again.json() == resp.json()
    assert len(net.rows()) == 1


def test_python_requests_style_form_dict(net: Network) -> None:
    click = net.click()
    resp = net.http.post(PIXEL, data=_conversion(click))
    assert resp.status_code == 200, resp.text
    _check_conversion(net, resp.json(), click)


@pytest.mark.parametrize(
    ("extra", "trans_type"),
    [({"type": "trial"}, "trial"), ({"type": "sale"}, "initial"), ({"goal_id": "0"}, "initial")],
)
def test_types_the_reference_names(net: Network, extra: dict[str, str], trans_type: str) -> None:
    params = {**_conversion(net.click()), **extra}
    resp = net.http.get(f"{PIXEL}?{http_build_query(params)}")
    assert resp.status_code == 200, resp.text
    assert net.rows()[-1]["trans_type"] == trans_type


def test_follow_up_posts_php_style(net: Network) -> None:
    click = net.click()
    net.http.get(f"{PIXEL}?{http_build_query(_conversion(click))}")
    blanks = dict.fromkeys(("email", "address2", "amount", "orderid", "trans_custom1", "ip"), "")
    for post in (
        {"type": "rebill", "subscription_id": "PHP-SUB-1", **blanks, "amount": "19.9500"},
        {"type": "continuity", "click_hash": click, **blanks, "orderid": "PHP-R-2"},
        {"type": "refund", "subscription_id": "PHP-SUB-1", **blanks, "amount": "1.005"},
        {"type": "cancel", "subscription_id": "PHP-SUB-1", **blanks},
        {"type": "expire", "subscription_id": "PHP-SUB-1", **blanks},
    ):
        resp = net.http.get(f"{PIXEL}?{http_build_query(post)}")
        assert resp.status_code == 200, (post, resp.text)
    kinds = [(r["trans_type"], r["amount"]) for r in net.rows()]
    assert kinds == [
        ("initial", 1000),
        ("continuity", 1995),
        ("continuity", 0),  # the offer has no continuity default
        ("refund", -101),
        ("cancel", 0),
        ("expire", 0),
    ]


def test_remote_void_php_style(net: Network) -> None:
    assert net.api.post("/api/config/add_global_void_ip", {"ip": VOIDER}).status_code == 200
    click = net.click()
    net.http.get(f"{PIXEL}?{http_build_query(_conversion(click))}")
    client = net.from_ip(VOIDER)
    chargeback = {
        "orderid": "PHP-ORD-1",
        "type": "chargeback",
        "cost": "2.5000",
        "reverse": "",
        "approved": "",
        "trans_custom1": "",
    }
    resp = client.get(f"{VOID}?{http_build_query(chargeback)}")
    assert resp.status_code == 200, resp.text
    reverse = {"orderid": "PHP-ORD-1", "type": "", "cost": "", "reverse": True, "approved": ""}
    assert client.get(f"{VOID}?{http_build_query(reverse)}").status_code == 200
    void = {"orderid": "PHP-ORD-1", "type": "void", "cost": "", "approved": click}
    resp = client.post(
        VOID,
        content=http_build_query(void),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert resp.status_code == 200, resp.text
    rows = [(r["trans_type"], r["chargeback_cost"]) for r in net.rows()]
    assert rows == [("initial", 0), ("chargeback", 250), ("reversal", -250), ("void", 0)]
