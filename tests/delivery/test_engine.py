"""The delivery engine: retries with backoff, 410, timeouts, SSRF refusals, pause, log, retry."""

from __future__ import annotations

import itertools
import random
import threading
from typing import Any

import pytest

from tests.conftest import BuildApp
from tests.delivery.conftest import Outbound, make_outbound
from tests.delivery.receiver import Receiver, running_receiver
from tests.support import assert_error
from trackpost import __version__
from trackpost.cli.background import delivery_plan
from trackpost.delivery.service import Policy
from trackpost.delivery.worker import Worker


def postback(out: Outbound, url: str, event: str = "conversion") -> str:
    resp = out.api.post(
        "/api/affiliate/add_postback", {"loginid": out.net.affiliate, "event": event, "url": url}
    )
    assert resp.status_code == 200, resp.text
    return str(resp.json()["message"]["postbackid"])


def only(out: Outbound, **filters: Any) -> dict[str, Any]:
    (found,) = out.deliveries(**filters)
    return found


def test_default_schedule_is_eight_attempts_over_about_a_day() -> None:
    policy = Policy()
    rng = random.Random(7)
    delays = [policy.delay(n, rng) for n in range(1, policy.max_attempts)]
    assert all(b > a for a, b in itertools.pairwise(delays))
    assert 0.8 * 86400 < sum(delays) < 1.2 * 86400
    no_jitter = Policy(jitter=0)
    assert [no_jitter.delay(n) for n in (1, 2)] == [60.0, 60.0 * 3.15]


def test_a_failing_receiver_gets_retries_until_it_answers(
    out: Outbound, receiver: Receiver
) -> None:
    receiver.plan["/flaky"] = [500, 502, 503, 200]
    postback(out, receiver.url("/flaky?t=%%transid%%&token=s3cret"))
    out.net.convert()
    out.settle(lambda: len(receiver.to("/flaky")) == 4)
    d = only(out)
    assert d["status"] == "done"
    assert d["attempts"] == 4
    log = d["attempt_log"]
    assert [a["status"] for a in log] == [500, 502, 503, 200]
    assert [a["attempt"] for a in log] == [1, 2, 3, 4]
    assert log[0]["response"] == "answer 500"
    assert log[0]["error"] is None  # an answer came: its status says what went wrong
    # The log masks secret-looking values; the receiver got the real one each time.
    assert "token=%2A%2A%2A" in log[0]["url"]
    assert "s3cret" not in log[0]["url"]
    assert all("token=s3cret" in r.target for r in receiver.to("/flaky"))
    # One delivery id on every attempt: receivers drop repeats by it.
    assert {r.headers["Trackpost-Delivery-Id"] for r in receiver.to("/flaky")} == {d["deliveryid"]}
    # Receivers allow trackpost's deliveries by their User-Agent, which names the version.
    assert {r.headers["User-Agent"] for r in receiver.to("/flaky")} == {
        f"trackpost-delivery/{__version__}"
    }


def test_attempts_run_out_and_the_delivery_fails(build_app: BuildApp, receiver: Receiver) -> None:
    out = make_outbound(build_app, delivery_max_attempts=3)
    receiver.plan["/down"] = [500]
    postback(out, receiver.url("/down"))
    out.net.convert()
    out.settle(lambda: only(out)["status"] == "failed")
    assert len(receiver.to("/down")) == 3
    # Retrying by hand starts a fresh schedule.
    receiver.plan["/down"] = [200]
    d = only(out)
    resp = out.api.post("/api/delivery/retry", {"deliveryid": d["deliveryid"]})
    assert resp.json() == {"result": "Success", "message": {"deliveryid": [d["deliveryid"]]}}
    out.settle(lambda: only(out)["status"] == "done")
    assert len(receiver.to("/down")) == 4


def test_gone_stops_the_subscription(out: Outbound, receiver: Receiver) -> None:
    receiver.plan["/gone"] = [410]
    pid = postback(out, receiver.url("/gone"))
    out.net.convert()
    out.deliver()
    assert only(out)["status"] == "gone"
    listed = out.api.get("/api/affiliate/get_postbacks", {"loginid": out.net.affiliate}).json()
    assert listed["message"][0]["delivery_state"] == "gone"
    out.net.convert()
    out.deliver()
    assert len(receiver.to("/gone")) == 1  # nothing more is written for it
    assert len(out.deliveries()) == 1
    # Turned on again by the admin, it fires for later events.
    receiver.plan["/gone"] = [200]
    assert (
        out.api.patch(
            "/api/affiliate/edit_postback", {"postbackid": pid, "active": "1"}
        ).status_code
        == 200
    )
    out.net.convert()
    out.deliver()
    assert len(receiver.to("/gone")) == 2


def test_a_timeout_is_an_attempt_that_failed(build_app: BuildApp, receiver: Receiver) -> None:
    out = make_outbound(build_app, delivery_timeout_seconds=0.3, delivery_max_attempts=1)
    receiver.hang["/slow"] = 1.0
    postback(out, receiver.url("/slow"))
    out.net.convert()
    out.deliver()
    d = only(out)
    assert d["status"] == "failed"
    assert d["attempt_log"][0]["status"] is None
    assert d["attempt_log"][0]["error"] == "timed out after 0.3 s"


def test_redirects_are_not_followed(out: Outbound, receiver: Receiver) -> None:
    receiver.plan["/moved"] = [302, 200]
    postback(out, receiver.url("/moved"))
    out.net.convert()
    out.settle(lambda: only(out)["status"] == "done")
    first = only(out)["attempt_log"][0]
    assert first["status"] == 302
    assert first["error"] == "redirect to http://example.com/elsewhere?token=%2A%2A%2A not followed"
    assert len(receiver.to("/moved")) == 2


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.2:9/x",
        "http://127.1.2.3:9/x",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/x",
        "http://[::1]:9/x",
        "http://[::ffff:127.0.0.2]:9/x",
        "http://0.0.0.0:9/x",
    ],
)
def test_private_destinations_are_refused(build_app: BuildApp, url: str) -> None:
    # The allow list holds 127.0.0.1/32 only.
    out = make_outbound(build_app)
    postback(out, url)
    out.net.convert()
    out.deliver()
    d = only(out)
    assert d["status"] == "failed"
    assert d["attempts"] == 1
    error = d["attempt_log"][0]["error"]
    assert "private, loopback, link-local or reserved address" in error, error


def test_without_the_allow_list_even_the_local_receiver_is_refused(
    build_app: BuildApp, receiver: Receiver
) -> None:
    out = make_outbound(build_app, outbound_allow_private="")
    postback(out, receiver.url("/x"))
    postback(out, f"http://localhost:{receiver.port}/by-name")
    out.net.convert()
    out.deliver()
    assert {d["status"] for d in out.deliveries()} == {"failed"}
    assert receiver.requests == []


def test_a_destination_failing_long_enough_is_paused(
    build_app: BuildApp, receiver: Receiver
) -> None:
    out = make_outbound(build_app, delivery_pause_after_seconds=0.05, delivery_max_attempts=50)
    admin_hook = out.api.post(
        "/api/webhook/add_endpoint",
        {"url": receiver.url("/admins"), "events": "delivery.destination_paused"},
    )
    assert admin_hook.status_code == 200, admin_hook.text
    receiver.plan["/broken"] = [500]
    pid = postback(out, receiver.url("/broken"))
    out.net.convert()
    out.settle(lambda: only(out, kind="postback")["status"] == "paused")
    out.settle(lambda: len(receiver.to("/admins")) == 1)
    told = receiver.to("/admins")[0]
    import json

    body = json.loads(told.body)
    assert body["type"] == "delivery.destination_paused"
    assert body["data"]["kind"] == "postback"
    assert body["data"]["subscription_id"] == int(pid)
    listed = out.api.get("/api/affiliate/get_postbacks", {"loginid": out.net.affiliate}).json()
    assert listed["message"][0]["delivery_state"] == "paused"
    # Paused, new events wait for it instead of being lost.
    tried = len(receiver.to("/broken"))
    out.net.convert()
    out.deliver()
    assert len(receiver.to("/broken")) == tried
    assert {d["status"] for d in out.deliveries(kind="postback")} == {"paused"}
    receiver.plan["/broken"] = [200]
    assert (
        out.api.patch(
            "/api/affiliate/edit_postback", {"postbackid": pid, "active": "1"}
        ).status_code
        == 200
    )
    out.settle(lambda: {d["status"] for d in out.deliveries(kind="postback")} == {"done"})


def test_search_filters_and_retry_errors(out: Outbound, receiver: Receiver) -> None:
    postback(out, receiver.url("/a"))
    postback(out, receiver.url("/r"), event="refund")
    out.net.convert(subscription_id="S", orderid="O-1")
    out.net.post(subscription_id="S", type="refund", original_orderid="O-1")
    out.deliver()
    assert len(out.deliveries()) == 2
    assert [d["event"] for d in out.deliveries(event="refund")] == ["refund"]
    assert len(out.deliveries(loginid=out.net.affiliate, status="done")) == 2
    assert out.deliveries(status="failed") == []
    assert out.deliveries(start_date="2999-01-01") == []
    ids = ",".join(d["deliveryid"] for d in out.deliveries())
    resp = out.api.post("/api/delivery/retry", {"deliveryid": ids})
    assert resp.status_code == 200
    out.deliver()
    assert len(receiver.requests) == 4
    assert_error(
        out.api.post("/api/delivery/retry", {"deliveryid": "999999"}),
        404,
        "delivery_not_found",
        "999999",
    )
    assert_error(
        out.api.get("/api/delivery/search", {"status": "nope"}), 400, "invalid_parameter", "status"
    )


def test_a_hanging_receiver_does_not_hold_the_others(build_app: BuildApp) -> None:
    out = make_outbound(
        build_app,
        delivery_host_concurrency=2,
        delivery_timeout_seconds=5.0,
        delivery_max_attempts=1,
    )
    with running_receiver() as slow, running_receiver() as fast:
        slow.hang["/hang"] = 3.0
        postback(out, slow.url("/hang"))
        postback(out, fast.url("/fast"))
        for _ in range(10):
            out.net.convert()
        worker = Worker(out.built.settings, delivery_plan()).start()
        try:
            fast.wait_for(10, "/fast", timeout=20)
            # Every fast delivery went out while the slow host held its two slots.
            assert len(slow.requests) <= 2
        finally:
            worker.stop()
    assert threading.active_count() < 50


def test_serve_and_deliver_wire_the_same_plan() -> None:
    from trackpost.cli.background import delivery_plan as delivered
    from trackpost.cli.background import delivery_plan as served

    assert served() == delivered()
