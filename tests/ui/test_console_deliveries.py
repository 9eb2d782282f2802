"""The delivery pages over HTTP on both backends: log, filters, retry, paused, the customer's."""

from __future__ import annotations

import html
import re

from sqlalchemy import select
from starlette.testclient import TestClient

from tests.customers.factory import add_advertiser, add_customer
from tests.ui.support import add_delivery, console_admin, pause_destination, sign_in
from trackpost.core.http import Services
from trackpost.models.tables import deliveries

PAGE = "/admin/deliveries"


def _rows(text: str) -> list[str]:
    return re.findall(r'<tr id="delivery-(\d+)">', text)


def _status(services: Services, did: int) -> str:
    with services.db.transaction(write=False) as conn:
        stmt = select(deliveries.c.status).where(deliveries.c.id == did)
        return str(conn.execute(stmt).scalar_one())


def test_the_log_lists_filters_masks_and_retries(http: TestClient, services: Services) -> None:
    db = services.db
    first = add_delivery(db, loginid=11, answer="x" * 3000)
    second = add_delivery(db, loginid=12, kind="webhook", sub=3, status="done")
    console_admin(db, "boss")
    csrf = sign_in(http, "boss")

    page = http.get(PAGE)
    assert page.status_code == 200
    assert _rows(page.text) == [str(second), str(first)]  # newest first
    text = html.unescape(page.text)
    assert "token=%2A%2A%2A" in text  # the URL's secret is masked
    assert "s3cret" not in text
    assert "HTTP 500 in 42 ms" in text
    assert "x" * 1024 in text  # the answer's first KiB only
    assert "x" * 1025 not in text
    assert _rows(http.get(PAGE, params={"affiliate": "11"}).text) == [str(first)]
    assert _rows(http.get(PAGE, params={"status": "done"}).text) == [str(second)]
    assert _rows(http.get(PAGE, params={"kind": "webhook"}).text) == [str(second)]
    assert _rows(http.get(PAGE, params={"event": "transaction.created"}).text) == [
        str(second),
        str(first),
    ]
    assert _rows(http.get(PAGE, params={"to": "2000-01-01"}).text) == []
    bad = http.get(PAGE, params={"status": "exploded"})
    assert bad.status_code == 400
    assert "status" in bad.text
    bad_day = http.get(PAGE, params={"to": "soon"})
    assert bad_day.status_code == 400
    assert "Parameter &#39;to&#39;" in bad_day.text

    one = http.post(f"{PAGE}/retry", data={"csrf_token": csrf, "retry": str(first)})
    assert one.status_code == 200
    assert f"Queued again: {first}." in one.text
    assert _status(services, first) == "pending"
    picked = http.post(
        f"{PAGE}/retry", data={"csrf_token": csrf, f"pick_{first}": "1", f"pick_{second}": "1"}
    )
    assert picked.status_code == 200
    assert _status(services, second) == "pending"
    nothing = http.post(f"{PAGE}/retry", data={"csrf_token": csrf})
    assert nothing.status_code == 400
    assert "tick at least one delivery" in nothing.text
    unknown = http.post(f"{PAGE}/retry", data={"csrf_token": csrf, "retry": "999999"})
    assert unknown.status_code == 404
    assert "no delivery 999999" in unknown.text


def test_paused_destinations_are_listed_and_resumed(http: TestClient, services: Services) -> None:
    db = services.db
    pause_destination(db, "webhook", 5)
    waiting = add_delivery(db, kind="webhook", sub=5, status="paused")
    console_admin(db, "boss")
    csrf = sign_in(http, "boss")
    page = http.get(f"{PAGE}/paused")
    assert page.status_code == 200
    assert 'aria-label="Resume webhook 5"' in page.text
    dashboard = http.get("/admin/")
    assert "Failing deliveries" in dashboard.text
    assert "1 paused destination" in dashboard.text
    assert f">{waiting}</a>" in dashboard.text
    done = http.post(
        f"{PAGE}/paused/resume",
        data={"csrf_token": csrf, "kind": "webhook", "subscription_id": "5"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert _status(services, waiting) == "pending"
    assert "No destination is paused." in http.get(f"{PAGE}/paused").text
    wrong = http.post(
        f"{PAGE}/paused/resume", data={"csrf_token": csrf, "kind": "fax", "subscription_id": "5"}
    )
    assert wrong.status_code == 400


def test_the_customer_page_lists_its_deliveries(http: TestClient, services: Services) -> None:
    db = services.db
    cid = add_customer(db, add_advertiser(db, "adv-dlv"), "SUB-DLV")
    mine = add_delivery(db, customer_id=cid)
    add_delivery(db, customer_id=cid + 1000)
    console_admin(db, "boss")
    csrf = sign_in(http, "boss")
    page = http.get(f"/admin/customers/{cid}")
    assert page.status_code == 200
    assert "Deliveries" in page.text
    assert _rows(page.text) == [str(mine)]
    back = http.post(
        f"{PAGE}/retry",
        data={"csrf_token": csrf, "retry": str(mine), "back": f"/admin/customers/{cid}"},
        follow_redirects=False,
    )
    assert back.status_code == 303
    assert back.headers["location"] == f"/admin/customers/{cid}?notice=retried"
    # Support staff see the customer's deliveries, without the Retry buttons.
    console_admin(db, "helper", role="support")
    http.cookies.clear()
    sign_in(http, "helper")
    seen = http.get(f"/admin/customers/{cid}")
    assert _rows(seen.text) == [str(mine)]
    assert "Retry delivery" not in seen.text


def test_support_may_neither_read_nor_retry_the_log(http: TestClient, services: Services) -> None:
    console_admin(services.db, "helper", role="support")
    csrf = sign_in(http, "helper")
    home = http.get("/admin/")
    assert "Failing deliveries" not in home.text
    assert f'href="{PAGE}"' not in home.text
    for path in (PAGE, f"{PAGE}/paused"):
        refused = http.get(path)
        assert refused.status_code == 403
        assert "forbidden_for_role" in refused.text
    for path in (f"{PAGE}/retry", f"{PAGE}/paused/resume"):
        refused = http.post(path, data={"csrf_token": csrf, "retry": "1"})
        assert refused.status_code == 403
