"""Settings → Webhooks over HTTP on both backends: add, secret once, edit, rotate, test, remove."""

from __future__ import annotations

import html
import re

from starlette.testclient import TestClient

from tests.support import ApiClient
from tests.ui.support import console_admin, sign_in
from trackpost.core.http import Services

PAGE = "/admin/settings/webhooks"
URL = "https://hooks.example.com/trackpost"
_SECRET = re.compile(r'id="new-secret" class="secret" value="(whsec_[^"]+)"')


def _endpoints(api: ApiClient) -> list[dict[str, object]]:
    answer = api.get("/api/webhook/get_endpoints")
    assert answer.status_code == 200, answer.text
    found: list[dict[str, object]] = answer.json()["message"]
    return found


def test_an_endpoint_from_creation_to_removal(
    http: TestClient, api: ApiClient, services: Services
) -> None:
    console_admin(services.db, "boss")
    csrf = sign_in(http, "boss")
    assert "No webhook endpoint yet." in http.get(PAGE).text

    added = http.post(
        f"{PAGE}/new",
        data={
            "csrf_token": csrf,
            "url": URL,
            "description": "CRM",
            "ev_customer.locked": "1",
            "ev_customer.unlocked": "1",
        },
    )
    assert added.status_code == 200
    secret = _SECRET.search(added.text)
    assert secret, "the new secret is shown"
    (ep,) = _endpoints(api)
    assert ep["events"] == ["customer.locked", "customer.unlocked"]
    assert ep["description"] == "CRM"
    eid = ep["endpointid"]
    listed = http.get(PAGE)
    assert secret.group(1) not in listed.text  # shown once, never again
    assert "customer.locked, customer.unlocked" in listed.text

    edited = http.post(
        f"{PAGE}/{eid}/edit",
        data={"csrf_token": csrf, "url": URL + "/v2", "ev_*": "1"},
        follow_redirects=False,
    )
    assert edited.status_code == 303
    (ep,) = _endpoints(api)
    assert (ep["url"], ep["events"], ep["active"]) == (URL + "/v2", ["*"], False)

    rotated = http.post(f"{PAGE}/{eid}/rotate", data={"csrf_token": csrf})
    assert rotated.status_code == 200
    second = _SECRET.search(rotated.text)
    assert second
    assert second.group(1) != secret.group(1)

    tested = http.post(f"{PAGE}/{eid}/test", data={"csrf_token": csrf})
    assert tested.status_code == 200
    log = api.get("/api/delivery/search", {"kind": "webhook"}).json()["deliveries"]
    assert [d["event"] for d in log] == ["webhook.test"]

    removed = http.post(f"{PAGE}/{eid}/remove", data={"csrf_token": csrf})
    assert removed.status_code == 200
    assert _endpoints(api) == []


def test_refusals_keep_what_was_typed(http: TestClient, services: Services) -> None:
    console_admin(services.db, "boss")
    csrf = sign_in(http, "boss")
    no_events = http.post(f"{PAGE}/new", data={"csrf_token": csrf, "url": URL})
    assert no_events.status_code == 400
    text = html.unescape(no_events.text)
    assert "Parameter 'events'" in text
    assert f'value="{URL}"' in no_events.text  # the form keeps the URL
    bad_url = http.post(
        f"{PAGE}/new", data={"csrf_token": csrf, "url": "ftp://x", "ev_customer.locked": "1"}
    )
    assert bad_url.status_code == 400
    assert "url" in bad_url.text
    missing = http.post(f"{PAGE}/424242/rotate", data={"csrf_token": csrf})
    assert missing.status_code == 404
    assert "no webhook endpoint 424242" in missing.text
    forged = http.post(f"{PAGE}/new", data={"csrf_token": "forged", "url": URL})
    assert forged.status_code == 403


def test_webhooks_are_admin_only(http: TestClient, services: Services) -> None:
    console_admin(services.db, "helper", role="support")
    csrf = sign_in(http, "helper")
    assert http.get(PAGE).status_code == 403
    for action in ("new", "1/edit", "1/remove", "1/rotate", "1/test"):
        refused = http.post(f"{PAGE}/{action}", data={"csrf_token": csrf, "url": URL})
        assert refused.status_code == 403, action
        assert "forbidden_for_role" in refused.text
