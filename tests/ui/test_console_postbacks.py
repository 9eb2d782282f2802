"""The failed-postback page over HTTP on both backends: list, filters, replay, admin role only."""

from __future__ import annotations

import html
import re

from starlette.testclient import TestClient

from tests.postbacks.network import VOID, build_network
from tests.support import ApiClient
from tests.ui.support import console_admin, sign_in
from trackpost.core.http import Services

PAGE = "/admin/postbacks/failed"
ADVERTISER_IP = "203.0.113.10"
STRANGER = "192.0.2.99"


def _rows(text: str) -> list[str]:
    """The failed ids listed, in page order."""
    return re.findall(r'<tr id="failed-(\d+)">', text)


def test_refused_posts_are_listed_filtered_and_replayed(
    http: TestClient, api: ApiClient, services: Services
) -> None:
    net = build_network(api, services)
    assert api.post("/api/config/add_global_post_ip", {"ip": ADVERTISER_IP}).status_code == 200
    click = net.click()
    refused = net.post(click_hash=click, orderid="F-1", amount="12.50", _ip=STRANGER)
    assert refused.status_code == 403
    assert net.post(path=VOID, orderid="nope", _ip=STRANGER).status_code in (403, 404)
    console_admin(services.db, "boss")
    csrf = sign_in(http, "boss")

    page = http.get(PAGE)
    assert page.status_code == 200
    ids = _rows(page.text)
    assert len(ids) == 2
    pixel_id = ids[1]  # newest first: the void came second
    text = html.unescape(page.text)
    assert "postback_ip_not_allowed" in text
    assert "orderid=F-1" in text
    assert STRANGER in text
    # Filters: by endpoint, by code, by the advertiser's username, and by received date.
    assert _rows(http.get(PAGE, params={"endpoint": "pixel"}).text) == [pixel_id]
    assert _rows(http.get(PAGE, params={"code": "postback_ip_not_allowed"}).text)[-1] == pixel_id
    by_name = http.get(PAGE, params={"advertiser": net.advertiser_username, "endpoint": "pixel"})
    assert _rows(by_name.text) == [pixel_id]
    assert _rows(http.get(PAGE, params={"received_to": "2000-01-01"}).text) == []
    unknown = http.get(PAGE, params={"advertiser": "nobody-here"})
    assert unknown.status_code == 400
    assert "no advertiser is named" in html.unescape(unknown.text)
    bad_day = http.get(PAGE, params={"received_to": "yesterday"})
    assert bad_day.status_code == 400
    assert "received_to" in bad_day.text

    # Replayed before the cause is fixed: refused again, nothing booked, the answer kept.
    again = http.post(
        f"{PAGE}/replay", data={"csrf_token": csrf, "replay": pixel_id, "endpoint": "pixel"}
    )
    assert again.status_code == 200
    assert "refused again (postback_ip_not_allowed)" in again.text
    assert _rows(again.text) == [pixel_id]  # the filters stay
    assert net.rows() == []
    # Fixed, then replayed by ticking it: booked once, and marked resolved.
    assert api.post("/api/config/add_global_post_ip", {"ip": STRANGER}).status_code == 200
    done = http.post(f"{PAGE}/replay", data={"csrf_token": csrf, f"pick_{pixel_id}": "1"})
    assert done.status_code == 200
    assert "accepted: customer" in done.text
    (row,) = net.rows()
    assert (row["orderid"], row["amount"], row["click_hash"]) == ("F-1", 1250, click)
    resolved = http.get(PAGE, params={"resolved": "1"})
    assert _rows(resolved.text) == [pixel_id]
    assert "2, last by boss" in resolved.text
    assert f'aria-label="Replay post {pixel_id}"' not in resolved.text


def test_replay_needs_a_pick_and_the_csrf_token(
    http: TestClient, api: ApiClient, services: Services
) -> None:
    console_admin(services.db, "boss")
    csrf = sign_in(http, "boss")
    nothing = http.post(f"{PAGE}/replay", data={"csrf_token": csrf})
    assert nothing.status_code == 400
    assert "tick at least one post" in nothing.text
    missing = http.post(f"{PAGE}/replay", data={"csrf_token": csrf, "replay": "424242"})
    assert missing.status_code == 200
    assert "No failed postback with failedid 424242" in missing.text
    forged = http.post(f"{PAGE}/replay", data={"csrf_token": "forged", "replay": "1"})
    assert forged.status_code == 403
    assert "csrf_refused" in forged.text


def test_the_support_role_can_neither_see_nor_replay(http: TestClient, services: Services) -> None:
    console_admin(services.db, "helper", role="support")
    csrf = sign_in(http, "helper")
    assert "Failed postbacks" not in http.get("/admin/").text
    listed = http.get(PAGE)
    assert listed.status_code == 403
    assert "forbidden_for_role" in listed.text
    replayed = http.post(f"{PAGE}/replay", data={"csrf_token": csrf, "replay": "1"})
    assert replayed.status_code == 403
