"""Test data for the customer tests: advertisers, customers and transactions, written directly.

Customers are normally created by conversion postbacks; here they are created through the same
service function (`create_customer`) the postbacks use, inside a committed transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select

from trackpost.core.db import Database, utcnow
from trackpost.core.origin import Origin
from trackpost.customers import service
from trackpost.models.tables import customers, logins, transactions


def add_advertiser(db: Database, username: str) -> int:
    """An advertiser login (the tracking domain owns their API; tests only need the row)."""
    now = utcnow()
    with db.transaction(write=True) as conn:
        result = conn.execute(
            insert(logins).values(
                type="advertiser",
                username=username,
                email=f"{username}@example.com",
                api_allow_ips="",
                disabled=False,
                status=0,
                inhouse=False,
                created_at=now,
                updated_at=now,
            )
        )
        pk = result.inserted_primary_key
        assert pk is not None
        return int(pk[0])


def add_customer(
    db: Database,
    advertiserid: int,
    subscription_id: str | None = None,
    **fields: str | None,
) -> int:
    """A customer as a conversion postback would create it."""
    with db.transaction(write=True) as conn:
        return service.create_customer(
            conn,
            advertiserid=advertiserid,
            subscription_id=subscription_id,
            fields=fields,
            join_ip="198.51.100.7",
            loginid=None,
            offerid=None,
            landing_pageid=None,
            clickid=None,
            origin=Origin("conversion-test", "postback"),
        )


def add_transaction(db: Database, customer_id: int, orderid: str, amount: int = 995) -> int:
    """A transaction row owned by the customer (the postbacks domain creates these for real)."""
    with db.transaction(write=True) as conn:
        owner = select(customers.c.advertiserid).where(customers.c.customer_id == customer_id)
        result = conn.execute(
            insert(transactions).values(
                customer_id=customer_id,
                advertiserid=conn.execute(owner).scalar_one(),
                orderid=orderid,
                trans_type="initial",
                status="approved",
                amount=amount,
            )
        )
        pk = result.inserted_primary_key
        assert pk is not None
        return int(pk[0])


def customer_row(db: Database, customer_id: int) -> dict[str, Any]:
    with db.transaction(write=False) as conn:
        row = (
            conn.execute(select(customers).where(customers.c.customer_id == customer_id))
            .mappings()
            .one()
        )
        return dict(row)


def in_transaction(db: Database) -> Any:
    """A write transaction, for calling the service interface as another domain would."""
    return db.transaction(write=True)
