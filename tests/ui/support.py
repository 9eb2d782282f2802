"""Console test helpers: admins with passwords and roles, and signing in over HTTP."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from tests.conftest import SECRET
from trackpost.accounts import console
from trackpost.accounts import service as accounts
from trackpost.core.db import Database
from trackpost.core.security import KeyHasher

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_NONCE = re.compile(r'name="login_token" value="([^"]+)"')


def console_admin(db: Database, username: str, role: str = "admin") -> str:
    """An admin with the console password PASSWORD; returns its API key (admins only)."""
    with db.transaction(write=True) as conn:
        new = accounts.create_admin(conn, KeyHasher(SECRET.encode()), username)
        console.set_password(conn, username, PASSWORD)
        if role != "admin":
            console.set_role(conn, username, role)
    return new.api_key


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def login_nonce(client: TestClient) -> str:
    page = client.get("/admin/login")
    assert page.status_code == 200, page.text
    found = _NONCE.search(page.text)
    assert found
    return found.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Sign in through the form; returns the session's CSRF token."""
    nonce = login_nonce(client)
    answer = client.post(
        "/admin/login",
        data={"login_token": nonce, "username": username, "password": password, "next": "/admin/"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return csrf_of(client.get("/admin/").text)


def add_delivery(
    db: Database,
    *,
    customer_id: int | None = None,
    loginid: int | None = None,
    kind: str = "postback",
    sub: int = 7,
    status: str = "failed",
    answer: str = "nope",
    url: str = "http://127.0.0.1:9/pb?token=s3cret&tid=1",
) -> int:
    """A delivery already tried once (its attempt logged), in the given status; returns its id."""
    from sqlalchemy import insert, select, update

    from trackpost.core.db import utcnow
    from trackpost.delivery import service as delivery
    from trackpost.models.tables import deliveries, delivery_attempts

    item = delivery.NewDelivery(
        kind, sub, None, "transaction.created", "GET", url, customer_id=customer_id, loginid=loginid
    )
    now = utcnow()
    with db.transaction(write=True) as conn:
        delivery.enqueue(conn, [item])
        newest = select(deliveries.c.id).order_by(deliveries.c.id.desc()).limit(1)
        did = int(conn.execute(newest).scalar_one())
        conn.execute(
            update(deliveries)
            .where(deliveries.c.id == did)
            .values(status=status, attempts=1, last_status=500, last_error="HTTP 500")
        )
        conn.execute(
            insert(delivery_attempts),
            {
                "delivery_id": did,
                "attempt": 1,
                "started_at": now,
                "url": url,
                "status_code": 500,
                "latency_ms": 42,
                "response": answer,
                "error": None,
            },
        )
    return did


def pause_destination(db: Database, kind: str, sub: int) -> None:
    """Mark a destination paused, as the health check does after a day of failures."""
    from trackpost.core.db import utcnow
    from trackpost.delivery import repository

    now = utcnow()
    row = {
        "kind": kind,
        "subscription_id": sub,
        "state": "paused",
        "failing_since": now,
        "last_success_at": None,
        "updated_at": now,
    }
    with db.transaction(write=True) as conn:
        repository.save_destinations(conn, [row])
