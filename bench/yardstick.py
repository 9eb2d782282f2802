"""The issue's two yardsticks for lock/unlock, measured in the same run as trackpost.

The issue calibrates its lock target with two conventional endpoints measured "on this
machine": FastAPI with a sync `def` and the SQLAlchemy ORM (about 0.03 of the ceiling) and
FastAPI with raw sqlite3 inline (about 0.2). Hosts differ by more than any optimisation (see
BENCHMARKS.md), so both are built here and served by granian like the ceiling, on the same
seeded database, so that the table shows what they reach on today's host.

Both do the lock work a user relies on, as a careful conventional app would: FastAPI parses the
two auth headers (`Header()`) and the form (`Form()`), the admin's key is checked against its
keyed hash, the customer is found by whichever key is sent (customer_id, subscription_id or
orderid), the lock columns are changed when they differ, and an audit row is written in the
same transaction, which takes the write lock up front (`BEGIN IMMEDIATE`, as SQLAlchemy's
pysqlite docs advise) so that two processes never meet SQLITE_BUSY on a lock upgrade.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Form, Header, HTTPException, Request
from sqlalchemy import create_engine, event, func, select
from sqlalchemy.orm import Session, sessionmaker

from bench.ceiling import serve
from trackpost.core.config import get_settings
from trackpost.core.db import sqlite_utc_text, utcnow
from trackpost.core.security import KeyHasher, load_secret
from trackpost.models.accounts import Login
from trackpost.models.customers import Customer, CustomerAudit
from trackpost.models.transactions import Transaction

Key = Annotated[str, Header()]
FormInt = Annotated[int | None, Form()]
FormStr = Annotated[str | None, Form()]


def _session(request: Request) -> Iterator[Session]:
    """One ORM session per request, closed after it (FastAPI's usual dependency)."""
    with request.app.state.sessions() as session:
        yield session


Db = Annotated[Session, Depends(_session)]


@dataclass(frozen=True)
class LockForm:
    """What FastAPI parsed: the two auth headers and the lookup keys."""

    api_key: str
    username: str
    by: dict[str, Any]


def _sync_endpoint(set_lock: Callable[[Session, Request, bool, LockForm], bool], lock: bool) -> Any:
    """A sync `def` endpoint taking the headers and form fields as FastAPI parameters."""

    def endpoint(
        request: Request,
        session: Db,
        api_key: Key,
        api_username: Key,
        customer_id: FormInt = None,
        subscription_id: FormStr = None,
        orderid: FormStr = None,
    ) -> bool:
        by = {"customer_id": customer_id, "subscription_id": subscription_id, "orderid": orderid}
        return set_lock(session, request, lock, LockForm(api_key, api_username, by))

    return endpoint


def _async_endpoint(set_lock: Callable[[Request, bool, LockForm], bool], lock: bool) -> Any:
    """The same parameters, for an `async def` endpoint that calls the database inline."""

    async def endpoint(
        request: Request,
        api_key: Key,
        api_username: Key,
        customer_id: FormInt = None,
        subscription_id: FormStr = None,
        orderid: FormStr = None,
    ) -> bool:
        by = {"customer_id": customer_id, "subscription_id": subscription_id, "orderid": orderid}
        return set_lock(request, lock, LockForm(api_key, api_username, by))

    return endpoint


_PRAGMAS = ("PRAGMA busy_timeout=30000", "PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON")


def _changes(lock: bool, changed: bool) -> str:
    return json.dumps({"locked": {"before": not lock, "after": lock}} if changed else {})


def orm_app() -> FastAPI:
    """FastAPI, sync `def` endpoints (run in the thread pool), the SQLAlchemy ORM."""
    settings = get_settings()
    hasher = KeyHasher(load_secret(settings))
    engine = create_engine(settings.database_url, connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # SQLAlchemy's recipe: we emit BEGIN ourselves
        for pragma in _PRAGMAS:
            dbapi_conn.execute(pragma)

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    def set_lock(session: Session, request: Request, lock: bool, form: LockForm) -> bool:
        by = form.by
        login = session.scalars(
            select(Login).where(func.lower(Login.username) == form.username.lower())
        ).first()
        if (
            login is None
            or login.type != "admin"
            or not hasher.verify(form.api_key, login.api_key_hash)
        ):
            raise HTTPException(401, "Invalid API credentials.")
        query = select(Customer)
        if by["customer_id"] is not None:
            query = query.where(Customer.customer_id == by["customer_id"])
        elif by["subscription_id"]:
            query = query.where(Customer.subscription_id == by["subscription_id"])
        elif by["orderid"]:
            query = query.join(Transaction, Transaction.customer_id == Customer.customer_id)
            query = query.where(Transaction.orderid == by["orderid"])
        else:
            raise HTTPException(400, "Send customer_id, subscription_id or orderid.")
        customer = session.scalars(query.limit(1)).first()
        if customer is None:
            raise HTTPException(404, "Customer not found.")
        now = utcnow()
        changed = customer.locked != lock
        if changed:
            customer.locked = lock
            customer.locked_at = now if lock else None
            customer.locked_by = login.username if lock else None
        session.add(
            CustomerAudit(
                customer_id=customer.customer_id,
                at=now,
                actor=login.username,
                source="api",
                source_ip=request.client.host if request.client else None,
                action="lock" if lock else "unlock",
                changes=_changes(lock, changed),
            )
        )
        session.commit()
        return True

    app = FastAPI()
    app.state.sessions = sessionmaker(engine, expire_on_commit=False)

    for op in ("lock", "unlock"):
        app.patch(f"/api/customer/{op}")(_sync_endpoint(set_lock, op == "lock"))

    return _with_health(app)


_FIND = {
    "customer_id": "SELECT customer_id, locked FROM customers WHERE customer_id = ?",
    "subscription_id": "SELECT customer_id, locked FROM customers WHERE subscription_id = ? LIMIT 1",
    "orderid": (
        "SELECT c.customer_id, c.locked FROM customers c"
        " JOIN transactions t ON t.customer_id = c.customer_id WHERE t.orderid = ?"
    ),
}


def raw_app() -> FastAPI:
    """FastAPI, `async def` endpoints calling sqlite3 inline on one connection per worker."""
    settings = get_settings()
    hasher = KeyHasher(load_secret(settings))
    path = settings.database_url.removeprefix("sqlite:///").split("?", 1)[0]
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    for pragma in _PRAGMAS:
        conn.execute(pragma)

    def set_lock(request: Request, lock: bool, form: LockForm) -> bool:
        by = form.by
        login = conn.execute(
            "SELECT username, api_key_hash, type FROM logins WHERE lower(username) = ?",
            (form.username.lower(),),
        ).fetchone()
        if login is None or login[2] != "admin" or not hasher.verify(form.api_key, login[1]):
            raise HTTPException(401, "Invalid API credentials.")
        name = next((k for k in ("customer_id", "subscription_id", "orderid") if by[k]), None)
        if name is None:
            raise HTTPException(400, "Send customer_id, subscription_id or orderid.")
        now = sqlite_utc_text(utcnow())
        conn.execute("BEGIN IMMEDIATE")
        try:
            found = conn.execute(_FIND[name], (by[name],)).fetchone()
            if found is None:
                raise HTTPException(404, "Customer not found.")
            changed = bool(found[1]) != lock
            if changed:
                conn.execute(
                    "UPDATE customers SET locked = ?, locked_at = ?, locked_by = ?, updated_at = ?"
                    " WHERE customer_id = ?",
                    (lock, now if lock else None, login[0] if lock else None, now, found[0]),
                )
            conn.execute(
                "INSERT INTO customer_audit (customer_id, at, actor, source, source_ip, action,"
                " changes) VALUES (?, ?, ?, 'api', ?, ?, ?)",
                (
                    found[0],
                    now,
                    login[0],
                    request.client.host if request.client else None,
                    "lock" if lock else "unlock",
                    _changes(lock, changed),
                ),
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return True

    app = FastAPI()

    for op in ("lock", "unlock"):
        app.patch(f"/api/customer/{op}")(_async_endpoint(set_lock, op == "lock"))

    return _with_health(app)


def _with_health(app: FastAPI) -> FastAPI:
    """GET /healthz, which the harness polls until every worker is up."""

    @app.get("/healthz")
    async def healthz() -> bool:
        return True

    return app


def main() -> None:
    """Serve one yardstick with the settings the ceiling and `trackpost serve` give granian."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("app", choices=("orm", "raw"))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    serve(f"bench.yardstick:{args.app}_app", args.host, args.port, args.workers, factory=True)


if __name__ == "__main__":
    main()
