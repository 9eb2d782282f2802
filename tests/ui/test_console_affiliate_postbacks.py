"""An affiliate's postbacks on its console page, over HTTP on both backends."""

from __future__ import annotations

import html

from starlette.testclient import TestClient

from tests.postbacks.network import build_network
from tests.support import ApiClient
from tests.ui.support import console_admin, sign_in
from trackpost.core.http import Services

URL = "https://tracker.example.com/pb?click=%%subid1%%&amount=%%amount%%"


def _postbacks(api: ApiClient, loginid: int) -> list[dict[str, object]]:
    answer = api.get("/api/affiliate/get_postbacks", {"loginid": loginid})
    assert answer.status_code == 200, answer.text
    found: list[dict[str, object]] = answer.json()["message"]
    return found


def test_add_edit_test_and_remove_a_postback(
    http: TestClient, api: ApiClient, services: Services
) -> None:
    aff = build_network(api, services).affiliate
    page = f"/admin/affiliates/{aff}"
    console_admin(services.db, "boss")
    csrf = sign_in(http, "boss")
    assert "No postback yet." in http.get(page).text

    added = http.post(
        f"{page}/postbacks",
        data={"csrf_token": csrf, "event": "conversion", "type": "postback", "url": URL},
        follow_redirects=False,
    )
    assert added.status_code == 303
    (pb,) = _postbacks(api, aff)
    assert (pb["event"], pb["url"], pb["method"]) == ("conversion", URL, "GET")
    pid = pb["postbackid"]
    assert f"Postback {pid}: conversion" in http.get(page).text

    edited = http.post(
        f"{page}/postbacks/{pid}/edit",
        data={"csrf_token": csrf, "event": "refund", "url": URL + "&r=1", "method": "GET"},
        follow_redirects=False,
    )
    assert edited.status_code == 303
    (pb,) = _postbacks(api, aff)
    assert (pb["event"], pb["url"], pb["active"]) == ("refund", URL + "&r=1", False)

    tested = http.post(f"{page}/postbacks/{pid}/test", data={"csrf_token": csrf})
    assert tested.status_code == 200
    log = api.get("/api/delivery/search", {"kind": "postback"}).json()["deliveries"]
    assert [d["subscription_id"] for d in log] == [pid]

    removed = http.post(f"{page}/postbacks/{pid}/remove", data={"csrf_token": csrf})
    assert removed.status_code == 200
    assert _postbacks(api, aff) == []


def test_refusals_keep_what_was_typed_and_stay_on_the_affiliate(
    http: TestClient, api: ApiClient, services: Services
) -> None:
    net = build_network(api, services)
    page = f"/admin/affiliates/{net.affiliate}"
    console_admin(services.db, "boss")
    csrf = sign_in(http, "boss")
    bad = http.post(
        f"{page}/postbacks",
        data={
            "csrf_token": csrf,
            "event": "conversion",
            "url": "https://x.example/?a=%%amount|bogus%%",
        },
    )
    assert bad.status_code == 400
    assert "bogus" in html.unescape(bad.text)
    assert 'value="https://x.example/?a=%%amount|bogus%%"' in bad.text
    other = http.post(
        f"/admin/affiliates/{net.affiliate}/postbacks/424242/remove", data={"csrf_token": csrf}
    )
    assert other.status_code == 404
    advertiser = http.post(
        f"/admin/affiliates/{net.advertiser}/postbacks",
        data={"csrf_token": csrf, "event": "conversion", "url": URL},
    )
    assert advertiser.status_code == 404


def test_support_cannot_touch_postbacks(http: TestClient, services: Services) -> None:
    console_admin(services.db, "helper", role="support")
    csrf = sign_in(http, "helper")
    for action in ("postbacks", "postbacks/1/edit", "postbacks/1/remove", "postbacks/1/test"):
        refused = http.post(f"/admin/affiliates/1/{action}", data={"csrf_token": csrf})
        assert refused.status_code == 403, action
