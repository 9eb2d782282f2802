"""The console over HTTP on both backends: sign-in, sessions, CSRF, roles, the lock flow."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from tests.conftest import BuildApp
from tests.customers.factory import add_advertiser, add_customer, add_transaction
from tests.ui.support import PASSWORD, console_admin, csrf_of, login_nonce, sign_in
from trackpost.core.http import Services


def _customer(services: Services) -> tuple[int, int]:
    adv = add_advertiser(services.db, "adv1")
    cid = add_customer(services.db, adv, "SUB-1", username="jdoe", email="j@example.com")
    tid = add_transaction(services.db, cid, "ORDER-1", amount=4900)
    return cid, tid


def test_pages_need_a_session_and_sign_in_opens_one(http: TestClient, services: Services) -> None:
    console_admin(services.db, "boss")
    away = http.get("/admin/customers", follow_redirects=False)
    assert away.status_code == 303
    assert away.headers["location"] == "/admin/login?next=/admin/customers"
    nonce = login_nonce(http)
    bad = http.post(
        "/admin/login",
        data={"login_token": nonce, "username": "boss", "password": "wrong password"},
    )
    assert bad.status_code == 401
    assert "Invalid username or password." in bad.text
    sign_in(http, "boss")
    page = http.get("/admin/customers")
    assert page.status_code == 200
    assert "<h1>Customers</h1>" in page.text


def test_session_cookie_is_httponly_lax_and_scoped(http: TestClient, services: Services) -> None:
    console_admin(services.db, "boss")
    nonce = login_nonce(http)
    answer = http.post(
        "/admin/login",
        data={"login_token": nonce, "username": "boss", "password": PASSWORD},
        follow_redirects=False,
    )
    session = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("tp_session="))
    flags = session.lower()
    assert "httponly" in flags
    assert "samesite=lax" in flags
    assert "path=/admin" in flags
    assert "secure" not in flags  # plain HTTP here; HTTPS adds Secure
    csp = http.get("/admin/login").headers["content-security-policy"]
    assert "script-src 'self';" in csp
    assert "unsafe-inline" not in csp


def test_sign_out_ends_the_session(http: TestClient, services: Services) -> None:
    console_admin(services.db, "boss")
    csrf = sign_in(http, "boss")
    out = http.post("/admin/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert out.status_code == 303
    assert http.get("/admin/", follow_redirects=False).status_code == 303


def test_forms_without_the_csrf_token_are_refused(http: TestClient, services: Services) -> None:
    console_admin(services.db, "boss")
    cid, _ = _customer(services)
    sign_in(http, "boss")
    for token in ("", "forged-token"):
        answer = http.post(
            f"/admin/customers/{cid}/lock", data={"reason": "x", "csrf_token": token}
        )
        assert answer.status_code == 403
        assert "csrf_refused" in answer.text
    # A sign-in form posted without its nonce cookie is refused too.
    fresh = TestClient(http.app)
    answer = fresh.post(
        "/admin/login", data={"login_token": "x", "username": "boss", "password": PASSWORD}
    )
    assert answer.status_code == 403


def test_failed_sign_ins_are_throttled(build_app: BuildApp) -> None:
    built = build_app(auth_fail_limit=3)
    console_admin(built.services.db, "boss")
    client = built.client()
    statuses = []
    for _ in range(4):
        nonce = login_nonce(client)
        answer = client.post(
            "/admin/login", data={"login_token": nonce, "username": "boss", "password": "nope-nope"}
        )
        statuses.append(answer.status_code)
    assert statuses == [401, 401, 401, 429]
    assert "Retry-After" in answer.headers
    # The throttle is the API's: the same address is refused there too.
    assert client.get("/api/service/ping").status_code in (401, 429)


def test_the_global_allowlist_applies(build_app: BuildApp) -> None:
    built = build_app(admin_api_allowed_ips="198.51.100.0/24")
    console_admin(built.services.db, "boss")
    assert built.client("203.0.113.9").get("/admin/login").status_code == 403
    assert built.client("198.51.100.9").get("/admin/login").status_code == 200


def test_lock_from_the_console_blocks_api_edits_and_is_audited(
    http: TestClient, services: Services
) -> None:
    key = console_admin(services.db, "boss")
    cid, _ = _customer(services)
    csrf = sign_in(http, "boss")
    locked = http.post(
        f"/admin/customers/{cid}/lock",
        data={"csrf_token": csrf, "reason": "fraud check", "action": "lock"},
        follow_redirects=False,
    )
    assert locked.status_code == 303
    page = http.get(f"/admin/customers/{cid}").text
    assert "Locked by boss" in page
    assert "fraud check" in page
    assert re.search(r"<fieldset disabled", page)
    headers = {"api-key": key, "api-username": "boss"}
    api = http.patch(
        "/api/customer/set_customer_details",
        data={"customer_id": str(cid), "firstname": "X"},
        headers=headers,
    )
    assert api.status_code == 409
    # An edit from the console while locked: a clear 409 that keeps what was typed.
    edit = http.post(
        f"/admin/customers/{cid}/details",
        data={"csrf_token": csrf, "firstname": "Typed Name"},
    )
    assert edit.status_code == 409
    assert "is locked" in edit.text
    assert 'value="Typed Name"' in edit.text
    http.post(f"/admin/customers/{cid}/unlock", data={"csrf_token": csrf, "reason": "cleared"})
    saved = http.post(
        f"/admin/customers/{cid}/details",
        data={"csrf_token": csrf, "firstname": "Jane", "clear_email": "1"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    history = http.get(
        "/api/customer/history", params={"customer_id": str(cid)}, headers=headers
    ).json()["history"]
    actions = [(h["action"], h["actor"], h["source"]) for h in history[:3]]
    assert actions == [
        ("set_details", "boss", "ui"),
        ("unlock", "boss", "ui"),
        ("lock", "boss", "ui"),
    ]
    assert history[0]["changes"]["email"] == {"before": "j@example.com", "after": None}


def test_support_may_lock_but_not_act_on_money_or_settings(
    http: TestClient, services: Services
) -> None:
    console_admin(services.db, "helper", role="support")
    cid, tid = _customer(services)
    csrf = sign_in(http, "helper")
    page = http.get(f"/admin/customers/{cid}")
    assert page.status_code == 200
    assert "Void" not in page.text
    void = http.post(f"/admin/customers/{cid}/transactions/{tid}/void", data={"csrf_token": csrf})
    assert void.status_code == 403
    assert "forbidden_for_role" in void.text
    for path in ("/admin/offers", "/admin/affiliates", "/admin/settings", "/admin/reports/pnl"):
        assert http.get(path).status_code == 403, path
    lock = http.post(
        f"/admin/customers/{cid}/lock",
        data={"csrf_token": csrf, "reason": "asked by phone"},
        follow_redirects=False,
    )
    assert lock.status_code == 303
    # A support account holds no API key.
    assert (
        http.get("/api/service/ping", headers={"api-username": "helper", "api-key": ""}).status_code
        == 401
    )


def test_void_and_reverse_from_the_console(http: TestClient, services: Services) -> None:
    console_admin(services.db, "boss")
    cid, tid = _customer(services)
    csrf = sign_in(http, "boss")
    voided = http.post(
        f"/admin/customers/{cid}/transactions/{tid}/void",
        data={"csrf_token": csrf},
        follow_redirects=False,
    )
    assert voided.status_code == 303
    again = http.post(f"/admin/customers/{cid}/transactions/{tid}/void", data={"csrf_token": csrf})
    assert again.status_code == 409
    reversed_ = http.post(
        f"/admin/customers/{cid}/transactions/{tid}/reverse",
        data={"csrf_token": csrf},
        follow_redirects=False,
    )
    assert reversed_.status_code == 303
    page = http.get(f"/admin/customers/{cid}").text
    assert "reversal" in page
    assert "void" in page


def test_every_page_answers(http: TestClient, services: Services) -> None:
    console_admin(services.db, "boss")
    cid, _ = _customer(services)
    sign_in(http, "boss")
    for path in (
        "/admin/",
        "/admin/customers",
        f"/admin/customers/{cid}",
        f"/admin/customers?customer_id={cid}",
        "/admin/customers?username=JDOE",
        "/admin/customers?email=j@example.com",
        "/admin/customers?subscription_id=SUB-1",
        "/admin/customers?orderid=ORDER-1",
        "/admin/customers?status=active&locked=no&sort=joined_asc",
        "/admin/offers",
        "/admin/offers/new",
        "/admin/affiliates",
        "/admin/affiliates/new",
        "/admin/advertisers",
        "/admin/reports/transactions",
        "/admin/reports/transactions.csv",
        "/admin/reports/pnl",
        "/admin/reports/pnl.csv",
        "/admin/settings",
    ):
        answer = http.get(path)
        assert answer.status_code == 200, (path, answer.text[-500:])
    found = http.get("/admin/customers?orderid=ORDER-1").text
    assert f'href="/admin/customers/{cid}"' in found
    bad = http.get("/admin/customers?customer_id=abc")
    assert bad.status_code == 400
    assert "customer_id" in bad.text


def test_docs_are_served_from_the_package(http: TestClient) -> None:
    docs = http.get("/docs")
    assert "cdn" not in docs.text.lower()
    assert "<script>" not in docs.text
    for asset in re.findall(r'(?:src|href)="(/admin/static/[^"]+)"', docs.text):
        assert http.get(asset).status_code == 200, asset
    assert csrf_of('<input name="csrf_token" value="x">') == "x"
