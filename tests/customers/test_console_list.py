"""The console's customer list filtered on the lock, in every order, paged by key (both backends)."""

from __future__ import annotations

import pytest

from tests.customers.factory import add_advertiser, add_customer
from trackpost.core.http import Services
from trackpost.core.origin import Origin
from trackpost.customers import console
from trackpost.customers.service import Lookup, lock_customer


def _pages(services: Services, filters: dict[str, object], sort: str) -> list[int]:
    """Every customer the list shows, one per page, following the next-page cursor."""
    seen: list[int] = []
    after = None
    with services.db.transaction(write=False) as conn:
        for _ in range(20):
            page = console.customer_page(conn, filters, sort, after=after, size=1)
            seen += [int(r["customer_id"]) for r in page.rows]
            if page.after is None:
                return seen
            after = page.after
    raise AssertionError(f"the list never ended: {seen}")


@pytest.mark.parametrize("sort", ["newest", "oldest", "joined_desc", "joined_asc"])
def test_locked_yes_and_no_page_through_exactly_their_customers(
    services: Services, sort: str
) -> None:
    adv = add_advertiser(services.db, "adv1")
    ids = [add_customer(services.db, adv, f"SUB-{n}") for n in range(5)]
    with services.db.transaction(write=True) as conn:
        for cid in (ids[1], ids[3]):
            lock_customer(conn, Lookup(cid), Origin("t"), reason="test")
    descending = sort in ("newest", "joined_desc")
    locked = sorted((ids[1], ids[3]), reverse=descending)
    unlocked = sorted((ids[0], ids[2], ids[4]), reverse=descending)
    assert _pages(services, {"locked": True}, sort) == locked
    assert _pages(services, {"locked": False}, sort) == unlocked
    assert _pages(services, {"locked": True, "advertiserid": adv}, sort) == locked
    assert _pages(services, {"locked": True, "advertiserid": adv + 99}, sort) == []
    with services.db.transaction(write=False) as conn:
        newest = console.newest_locks(conn, 10)
    assert {int(r["customer_id"]) for r in newest} == set(locked)
