"""Every refused post is kept; admins list them and replay them once the cause is fixed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from tests.conftest import BuildApp
from tests.postbacks.network import PIXEL, VOID, Network
from tests.support import assert_error

FAILED = "/api/postback/failed"
REPLAY = "/api/postback/replay"
ADVERTISER_IP = "203.0.113.10"
STRANGER = "192.0.2.99"


def _failed(net: Network, **filters: Any) -> dict[str, Any]:
    resp = net.api.get(FAILED, filters)
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def _replay(net: Network, ids: str) -> list[dict[str, Any]]:
    resp = net.api.post(REPLAY, {"failedid": ids})
    assert resp.status_code == 200, resp.text
    results: list[dict[str, Any]] = resp.json()["results"]
    return results


def _allow(net: Network, ip: str, which: str = "post") -> None:
    resp = net.api.post(f"/api/config/add_global_{which}_ip", {"ip": ip})
    assert resp.status_code == 200, resp.text


def test_a_refused_post_is_kept_and_replayed_after_the_fix(net: Network) -> None:
    _allow(net, ADVERTISER_IP)
    click = net.click()
    resp = net.post(
        click_hash=click, orderid="F-1", amount="12.50", password="s3cret-pw", _ip=STRANGER
    )
    assert_error(resp, 403, "postback_ip_not_allowed")
    assert net.rows() == []
    body = _failed(net)
    assert body["total"] == 1
    (kept,) = body["failed"]
    assert (kept["endpoint"], kept["sender_ip"], kept["status"]) == ("pixel", STRANGER, 403)
    assert (kept["code"], kept["advertiserid"], kept["resolved"]) == (
        "postback_ip_not_allowed",
        net.advertiser,
        False,
    )
    assert kept["params"]["password"] == "********"
    assert kept["params"]["amount"] == "12.50"
    assert "s3cret" not in str(body)
    # Still refused: the cause is not fixed yet. Nothing is written; the answer is recorded.
    (again,) = _replay(net, str(kept["failedid"]))
    assert (again["result"], again["code"]) == ("error", "postback_ip_not_allowed")
    assert net.rows() == []
    _allow(net, STRANGER)
    (done,) = _replay(net, str(kept["failedid"]))
    assert done["result"] == "success", done
    assert done["notes"]  # the masked password was not replayed
    (row,) = net.rows()
    assert (row["orderid"], row["amount"], row["click_hash"]) == ("F-1", 1250, click)
    assert net.customer(done["customer_id"])["password_hash"] is None
    (kept,) = _failed(net)["failed"]
    assert (kept["resolved"], kept["replay_count"]) == (True, 2)
    assert kept["replay_answer"]["transactionid"] == row["transactionid"]
    # A resolved one is not run twice.
    (twice,) = _replay(net, str(kept["failedid"]))
    assert twice["already_replayed"] is True
    assert len(net.rows()) == 1


def test_a_replay_of_a_post_that_meanwhile_succeeded_writes_nothing(net: Network) -> None:
    _allow(net, ADVERTISER_IP)
    click = net.click()
    assert net.post(click_hash=click, orderid="M-1", _ip=STRANGER).status_code == 403
    ok = net.post(click_hash=click, orderid="M-1", _ip=ADVERTISER_IP)
    assert ok.status_code == 200
    _allow(net, STRANGER)
    (kept,) = _failed(net)["failed"]
    (done,) = _replay(net, str(kept["failedid"]))
    assert done["result"] == "success"
    assert done["replayed"] is True
    assert done["transactionid"] == ok.json()["transactionid"]
    assert len(net.rows()) == 1


def test_replaying_many_each_has_its_own_answer(net: Network) -> None:
    good = net.click()
    assert net.post(click_hash=good, goal_id="5").status_code == 404
    assert net.post(click_hash="no-such-click").status_code == 404
    ids = [f["failedid"] for f in _failed(net)["failed"]]
    assert len(ids) == 2
    results = _replay(net, ",".join(str(i) for i in [*ids, 999_999]))
    by_id = {r["failedid"]: r for r in results}
    assert {by_id[i]["code"] for i in ids} == {"goal_not_enabled", "unknown_click_hash"}
    assert by_id[999_999]["code"] == "failed_postback_not_found"
    assert net.counts()[1] == 0


def test_filters_and_paging(net: Network) -> None:
    assert net.post(click_hash=net.click(), goal_id="5").status_code == 404
    assert net.post(click_hash="nope").status_code == 404
    assert net.post(click_hash=net.click(), type="upsell").status_code == 400
    assert _failed(net)["total"] == 3
    assert _failed(net, code="goal_not_enabled")["total"] == 1
    assert _failed(net, advertiserid=net.advertiser)["total"] == 2
    assert _failed(net, advertiserid=net.advertiser + 1000)["total"] == 0
    assert _failed(net, endpoint="pixel", resolved="0", code="")["total"] == 3
    assert _failed(net, start_date="2000-01-01", end_date="2999-01-01")["total"] == 3
    assert _failed(net, end_date="2000-01-01")["total"] == 0
    # Blank dates are not given, as every blank filter (PHP clients send them).
    assert _failed(net, start_date="", end_date="")["total"] == 3
    page = _failed(net, start=1, count=1)
    assert (page["total"], page["count"], page["start"]) == (3, 1, 1)
    first, second, third = _failed(net)["failed"]
    assert first["failedid"] > second["failedid"] > third["failedid"]
    assert_error(net.api.get(FAILED, {"count": "0"}), 400, "invalid_parameter", "count")
    assert net.api.post(REPLAY, {}).status_code == 400


def test_an_accepted_post_keeps_nothing_and_a_malformed_one_is_kept(net: Network) -> None:
    assert net.post(click_hash=net.click()).status_code == 200
    assert _failed(net)["total"] == 0
    resp = net.http.get(f"{PIXEL}?click_hash=a&click_hash=b")
    assert_error(resp, 400, "duplicate_parameter")
    (kept,) = _failed(net)["failed"]
    assert kept["code"] == "duplicate_parameter"


def test_a_refused_remote_void_is_kept_and_replayable(net: Network) -> None:
    net.convert(orderid="V-1")
    assert_error(net.post(path=VOID, orderid="V-1", _ip=STRANGER), 403, "void_ip_not_allowed")
    (kept,) = _failed(net, endpoint="void")["failed"]
    assert kept["advertiserid"] == net.advertiser
    _allow(net, STRANGER, "void")
    (done,) = _replay(net, str(kept["failedid"]))
    assert done == {"failedid": kept["failedid"], "result": "success", "message": "*success*"}
    assert [r["trans_type"] for r in net.rows()] == ["initial", "void"]


def test_the_failed_endpoints_need_a_key(net: Network) -> None:
    assert net.http.get(FAILED).status_code == 401
    assert net.http.post(REPLAY, data={"failedid": "1"}).status_code == 401


def test_a_sender_cannot_grow_the_log_at_will(net: Network) -> None:
    """Kept per sender address and minute up to the limit; other senders are still kept."""
    net.services.settings = net.services.settings.replace(failed_postback_limit=3)
    for _ in range(5):
        assert net.post(click_hash="nope", _ip=STRANGER).status_code in (403, 404)
    assert _failed(net)["total"] == 3
    assert net.post(click_hash="nope", _ip="192.0.2.100").status_code in (403, 404)
    assert _failed(net)["total"] == 4


def test_records_older_than_the_retention_are_pruned(net: Network, build_app: BuildApp) -> None:
    assert net.post(click_hash="old").status_code == 404
    with net.services.db.transaction(write=True) as conn:
        conn.execute(text("UPDATE failed_postbacks SET received_at = :t"), {"t": "2001-01-01"})
    # A worker's first kept record (then one in every hundred) prunes what is older than
    # failed_postback_days: a freshly started server here.
    restarted = build_app(failed_postback_days=30).client()
    assert restarted.get(PIXEL, params={"click_hash": "new"}).status_code == 404
    (kept,) = _failed(net)["failed"]
    assert kept["params"]["click_hash"] == "new"
