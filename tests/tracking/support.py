"""Helpers that set up a network through the API, as an operator would, for the tracking tests."""

from __future__ import annotations

import itertools
from typing import Any

import httpx
from sqlalchemy import RowMapping, select

from tests.support import ApiClient
from trackpost.core.http import Services
from trackpost.models.tables import clicks, logins

_seq = itertools.count(1)


def ok(resp: httpx.Response) -> Any:
    assert resp.status_code == 200, (resp.status_code, resp.text)
    assert resp.headers["content-type"] == "application/json"
    return resp.json()


def new_id(resp: httpx.Response, key: str) -> str:
    """The id from a vendor-style creation body: [{"result":"Success","message":{key: "12"}}]."""
    body = ok(resp)
    assert body[0]["result"] == "Success"
    value = body[0]["message"][key]
    assert isinstance(value, str)
    assert value.isdigit()
    return value


def add_advertiser(api: ApiClient, **extra: str) -> str:
    n = next(_seq)
    data = {"username": f"adv{n}", "password": "adv-secret-1", "email": f"adv{n}@example.com"}
    return new_id(api.post("/api/advertiser/add_advertiser", {**data, **extra}), "loginid")


def add_affiliate(api: ApiClient, **extra: str) -> str:
    n = next(_seq)
    data = {
        "username": f"aff{n}",
        "password": "aff-secret-1",
        "email": f"aff{n}@example.com",
        "payvia": "1",
    }
    return new_id(api.post("/api/affiliate/add_affiliate", {**data, **extra}), "loginid")


def add_offer(api: ApiClient, advertiserid: str, **extra: str) -> str:
    data = {"name": f"Offer {next(_seq)}", "advertiserid": advertiserid}
    return new_id(api.post("/api/offer/add_offer", {**data, **extra}), "offerid")


def add_landing_page(api: ApiClient, offerid: str, url: str, **extra: str) -> str:
    data = {"name": f"Lander {next(_seq)}", "offerid": offerid, "url": url}
    return new_id(api.post("/api/offer/add_landing_page", {**data, **extra}), "landing_pageid")


def network(
    api: ApiClient, url: str = "https://adv.example/land?ch=%%click_hash%%"
) -> dict[str, str]:
    """An advertiser, an affiliate, an offer and one landing page."""
    adv = add_advertiser(api)
    aff = add_affiliate(api)
    offer = add_offer(api, adv, conversion="29.95", flat_amount_per_conversion="5")
    lp = add_landing_page(api, offer, url)
    return {"advertiserid": adv, "loginid": aff, "offerid": offer, "landing_pageid": lp}


def link(api: ApiClient, **params: str) -> str:
    body = ok(api.get("/api/affiliate/get_single_link", params))
    assert body["result"] == "Success"
    value = body["message"]
    assert isinstance(value, str)
    return value


def code_of(api: ApiClient, **params: str) -> str:
    return link(api, code_only="1", **params)


def click_rows(services: Services) -> list[RowMapping]:
    with services.db.transaction(write=False) as conn:
        return list(conn.execute(select(clicks).order_by(clicks.c.clickid)).mappings())


def login_row(services: Services, loginid: str) -> RowMapping:
    with services.db.transaction(write=False) as conn:
        row = (
            conn.execute(select(logins).where(logins.c.loginid == int(loginid))).mappings().first()
        )
    assert row is not None
    return row
