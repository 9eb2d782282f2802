"""Delivery guarantees: a replay writes nothing, a reused orderid is 409, racing duplicates
produce one transaction (the database's unique index decides, not a read-then-write check)."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import pytest
from sqlalchemy import insert

from tests.postbacks.network import PIXEL, Network
from tests.support import assert_error
from trackpost.core.db import utcnow
from trackpost.models.tables import transactions
from trackpost.postbacks.params import parse_postback


def test_a_replay_answers_the_original_success_and_writes_nothing(net: Network) -> None:
    params = {"click_hash": net.click(), "subscription_id": "S", "orderid": "O-1", "amount": "9.95"}
    first = net.post(**params)
    assert first.status_code == 200, first.text
    before = net.counts()
    again = net.post(**params)
    assert again.status_code == 200, again.text
    assert again.json() == first.json()
    assert again.headers["x-trackpost-replayed"] == "true"
    assert net.counts() == before


def test_a_replay_with_a_password_writes_nothing(net: Network) -> None:
    params = {"click_hash": net.click(), "subscription_id": "S", "orderid": "O-1", "password": "pw"}
    assert net.post(**params).status_code == 200
    follow = {"subscription_id": "S", "orderid": "R-1", "type": "rebill", "password": "pw2"}
    first = net.post(**follow)
    assert first.status_code == 200, first.text
    before = net.counts()
    assert net.post(**follow).json() == first.json()
    assert net.counts() == before


def test_same_orderid_with_other_content_is_409(net: Network) -> None:
    click = net.click()
    assert net.post(click_hash=click, orderid="O-1", amount="9.95").status_code == 200
    before = net.counts()
    resp = net.post(click_hash=click, orderid="O-1", amount="9.96")
    assert_error(resp, 409, "duplicate_orderid", "O-1")
    resp = net.post(click_hash=net.click(), orderid="O-1", amount="9.95")
    assert_error(resp, 409, "duplicate_orderid", "O-1")
    resp = net.post(subscription_id="S", orderid="O-1", type="rebill")
    assert resp.status_code in (404, 409)
    assert net.counts() == before


def test_an_orderid_is_unique_across_kinds(net: Network) -> None:
    net.convert(subscription_id="S", orderid="O-1")
    before = net.counts()
    resp = net.post(subscription_id="S", orderid="O-1", type="rebill", amount="4.95")
    assert_error(resp, 409, "duplicate_orderid", "O-1")
    assert net.counts() == before


def test_a_click_converts_once(net: Network) -> None:
    click = net.click()
    first = net.post(click_hash=click, subscription_id="S")
    assert first.status_code == 200
    # Without an orderid, the click itself makes the retry recognisable.
    again = net.post(click_hash=click, subscription_id="S")
    assert again.json() == first.json()
    before = net.counts()
    resp = net.post(click_hash=click, subscription_id="S", orderid="NEW")
    assert_error(resp, 409, "click_already_converted", "continuity")
    assert net.counts() == before


def _race(net: Network, bodies: list[dict[str, Any]]) -> list[httpx.Response]:
    """Send every body at once from its own thread (each request has its own connection)."""
    barrier = threading.Barrier(len(bodies))
    results: list[httpx.Response | None] = [None] * len(bodies)

    def send(i: int) -> None:
        barrier.wait()
        results[i] = net.post("POST", **bodies[i])

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(r is not None for r in results)
    return [r for r in results if r is not None]


def test_concurrent_duplicates_produce_exactly_one_transaction(net: Network) -> None:
    click = net.click()
    same = {"click_hash": click, "subscription_id": "RACE", "orderid": "RACE-1", "amount": "9.95"}
    other = {**same, "amount": "1.00"}
    responses = _race(net, [same] * 6 + [other] * 2)
    rows = net.rows()
    assert len(rows) == 1
    winner = rows[0]
    ok = [r for r in responses if r.status_code == 200]
    conflicts = [r for r in responses if r.status_code == 409]
    assert len(ok) + len(conflicts) == len(responses), [r.text for r in responses]
    assert {r.json()["transactionid"] for r in ok} == {winner["transactionid"]}
    if winner["amount"] == 995:
        assert len(ok) == 6
        assert {r.json()["code"] for r in conflicts} == {"duplicate_orderid"}
    else:
        assert len(ok) == 2
    assert len(net.audit(winner["customer_id"])) == 1


def test_concurrent_rebills_with_one_orderid_record_one(net: Network) -> None:
    net.convert(subscription_id="RB")
    body = {"subscription_id": "RB", "type": "rebill", "orderid": "RB-2", "amount": "4.95"}
    responses = _race(net, [body] * 6)
    assert [r.status_code for r in responses] == [200] * 6
    assert len({r.json()["transactionid"] for r in responses}) == 1
    assert [r["trans_type"] for r in net.rows()] == ["initial", "continuity"]


def test_a_duplicate_committed_while_the_post_waits_turns_into_the_replay(net: Network) -> None:
    """The unique-index path: a concurrent writer holds the orderid, uncommitted, while the post
    runs; when it commits, the post must answer the replay (same content), never a 500."""
    click = net.click()
    params = {"click_hash": click, "subscription_id": "W", "orderid": "WAIT-1", "amount": "2.00"}
    original = net.convert(click_hash=net.click(), subscription_id="OWNER")
    post = parse_postback(params, None)
    fingerprint = net.services.auth.hasher.hash(post.canonical().decode())
    holder = net.services.db.transaction(write=True)
    conn = holder.__enter__()
    try:
        now = utcnow()
        result = conn.execute(
            insert(transactions).values(
                customer_id=original["customer_id"],
                advertiserid=net.advertiser,
                orderid="WAIT-1",
                trans_type="continuity",
                status="approved",
                amount=200,
                fingerprint=fingerprint,
                source="advertiser",
                created_at=now,
                updated_at=now,
            )
        )
        held_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        done: list[httpx.Response] = []
        thread = threading.Thread(target=lambda: done.append(net.post(**params)))
        thread.start()
        time.sleep(0.5)
        assert thread.is_alive(), done and done[0].text  # it waits for the holder's decision
    finally:
        holder.__exit__(None, None, None)
    thread.join(30)
    (resp,) = done
    assert resp.status_code == 200, resp.text
    assert resp.json() == {
        "result": "success",
        "customer_id": original["customer_id"],
        "transactionid": held_id,
    }
    assert [r["orderid"] for r in net.rows()] == [None, "WAIT-1"]
    assert net.counts()[0] == 1  # the waiting post's new customer was rolled back with it
    # Same situation, other content: a 409, still never a 500.
    resp = net.post(**{**params, "amount": "3.00"})
    assert_error(resp, 409, "duplicate_orderid")


def test_replays_are_checked_before_anything_is_written_even_over_post(net: Network) -> None:
    params = {"click_hash": net.click(), "orderid": "F-1", "firstname": "Ann"}
    first = net.http.post(PIXEL, data=params)
    again = net.http.post(PIXEL, data=params)
    assert again.json() == first.json()


@pytest.mark.parametrize("padded", ["F1-C1 ", " F1-C1", "F1-C1\t"])
def test_a_padded_orderid_is_the_same_order(net: Network, padded: str) -> None:
    """A retry whose orderid gained spaces is a replay, not a second rebill."""
    first = net.convert(subscription_id="s-1", orderid="F1-C0")
    rebill = {"type": "rebill", "subscription_id": "s-1", "amount": "9.95"}
    original = net.post(**rebill, orderid="F1-C1")
    assert original.status_code == 200, original.text
    before = net.counts()
    again = net.post(**rebill, orderid=padded)
    assert again.json() == original.json()
    assert net.counts() == before
    assert [r["orderid"] for r in net.rows(first["customer_id"])] == ["F1-C0", "F1-C1"]
    # The admin API finds the order by the same trimmed id.
    found = net.api.post("/api/transaction/process_void", {"orderid": padded})
    assert found.status_code == 200, found.text
