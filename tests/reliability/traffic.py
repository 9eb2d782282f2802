"""Traffic for the reliability tests: a small network built over HTTP, the requests that race, and
the audit trail they must leave behind.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson
import requests
from sqlalchemy import select

from trackpost.core.db import Database
from trackpost.models.tables import customer_audit, customers, transactions

PIXEL = "/signup/process_pixel.php"
_seq = itertools.count(1)
_local = threading.local()


def session() -> requests.Session:
    """One keep-alive session per client thread."""
    if not hasattr(_local, "session"):
        _local.session = requests.Session()
    s: requests.Session = _local.session
    return s


def _created(resp: requests.Response, key: str) -> int:
    assert resp.status_code == 200, resp.text
    return int(resp.json()[0]["message"][key])


@dataclass
class Network:
    """An advertiser's offer and landing page and an affiliate's link, made through the API."""

    url: str
    headers: dict[str, str]
    link: str = ""

    def api(self, method: str, path: str, data: Mapping[str, Any]) -> requests.Response:
        return session().request(
            method, self.url + path, data=data, headers=self.headers, timeout=30
        )

    def build(self) -> Network:
        adv = _created(
            self.api(
                "POST",
                "/api/advertiser/add_advertiser",
                {"username": "rel_adv", "password": "Rel-pass-1234", "email": "rel@example.com"},
            ),
            "loginid",
        )
        offer = _created(
            self.api("POST", "/api/offer/add_offer", {"name": "Rel offer", "advertiserid": adv}),
            "offerid",
        )
        page = {
            "name": "Rel page",
            "offerid": offer,
            "url": "https://lp.example.com/?ch=%%click_hash%%",
        }
        _created(self.api("POST", "/api/offer/add_landing_page", page), "landing_pageid")
        aff = {
            "username": "rel_aff",
            "password": "Rel-pass-1234",
            "email": "aff@example.com",
            "payvia": 1,
        }
        loginid = _created(self.api("POST", "/api/affiliate/add_affiliate", aff), "loginid")
        link = session().get(
            self.url + "/api/affiliate/get_single_link",
            params={"loginid": loginid, "offerid": offer},
            headers=self.headers,
            timeout=30,
        )
        assert link.status_code == 200, link.text
        self.link = urlsplit(link.json()["message"]).path
        return self

    def click(self) -> str:
        resp = session().get(self.url + self.link, allow_redirects=False, timeout=30)
        assert resp.status_code == 302, resp.text
        return str(parse_qs(urlsplit(resp.headers["location"]).query)["ch"][0])

    def customer(self, subscription_id: str) -> int:
        """A customer as advertisers create them: a conversion postback on a real click."""
        params = {
            "click_hash": self.click(),
            "subscription_id": subscription_id,
            "orderid": f"conv-{subscription_id}",
            "amount": "10.00",
            "custom1": "initial",
        }
        resp = session().get(self.url + PIXEL, params=params, timeout=30)
        assert resp.status_code == 200, resp.text
        return int(resp.json()["customer_id"])


def token(kind: str) -> str:
    return f"{kind}-{next(_seq)}"


@dataclass
class Outcome:
    """One request and what came back (status None: no answer, e.g. the server was killed)."""

    kind: str
    customer: int
    token: str
    status: int | None
    code: str | None = None


def send(url: str, headers: dict[str, str], kind: str, customer: int, sub: str) -> Outcome:
    """One racing request: lock, unlock, an admin edit of custom1, or a postback setting custom1."""
    tok = token(kind)
    try:
        if kind == "postback":
            params = {
                "type": "continuity",
                "subscription_id": sub,
                "orderid": tok,
                "amount": "1.00",
                "custom1": tok,
            }
            resp = session().get(url + PIXEL, params=params, timeout=60)
        else:
            path = {"lock": "lock", "unlock": "unlock", "edit": "set_customer_details"}[kind]
            data = {"customer_id": str(customer)}
            if kind == "edit":
                data["custom1"] = tok
            resp = session().patch(
                f"{url}/api/customer/{path}", data=data, headers=headers, timeout=60
            )
    except requests.ConnectionError:
        return Outcome(kind, customer, tok, None)
    code = None
    if resp.status_code >= 400 and resp.headers.get("content-type", "").startswith(
        "application/json"
    ):
        code = resp.json().get("code")
    return Outcome(kind, customer, tok, resp.status_code, code)


def audit_trail(db: Database, customer_id: int) -> list[dict[str, Any]]:
    stmt = (
        select(customer_audit)
        .where(customer_audit.c.customer_id == customer_id)
        .order_by(customer_audit.c.auditid)
    )
    with db.transaction(write=False) as conn:
        return [
            {**r, "changes": orjson.loads(r["changes"] or "{}")}
            for r in conn.execute(stmt).mappings()
        ]


def customer_row(db: Database, customer_id: int) -> dict[str, Any]:
    with db.transaction(write=False) as conn:
        stmt = select(customers).where(customers.c.customer_id == customer_id)
        return dict(conn.execute(stmt).mappings().one())


def orderid_counts(db: Database) -> dict[str, int]:
    out: dict[str, int] = {}
    with db.transaction(write=False) as conn:
        for (orderid,) in conn.execute(select(transactions.c.orderid)):
            if orderid is not None:
                out[orderid] = out.get(orderid, 0) + 1
    return out


def check_trail(db: Database, customer_id: int) -> tuple[list[str], dict[str, int]]:
    """Replay a customer's audit trail: (problems, how often each custom1 value was written).

    The rules: no admin edit while locked; the row's final custom1 and lock state are what the
    last audited change left.
    """
    problems: list[str] = []
    written: dict[str, int] = {}
    locked = False
    custom1: Any = None
    for row in audit_trail(db, customer_id):
        action, changes = row["action"], row["changes"]
        if action == "lock":
            locked = True
        elif action == "unlock":
            locked = False
        elif action == "set_details" and locked:
            problems.append(f"customer {customer_id}: audit {row['auditid']} edited while locked")
        if "locked" in changes:
            locked = bool(changes["locked"]["after"])
        if "custom1" in changes:
            custom1 = changes["custom1"]["after"]
            written[str(custom1)] = written.get(str(custom1), 0) + 1
    final = customer_row(db, customer_id)
    if final["custom1"] != custom1:
        problems.append(f"customer {customer_id}: custom1 {final['custom1']!r}, trail {custom1!r}")
    if bool(final["locked"]) != locked:
        problems.append(f"customer {customer_id}: locked {final['locked']}, trail says {locked}")
    return problems, written
