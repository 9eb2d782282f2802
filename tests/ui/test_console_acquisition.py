"""A customer's acquisition block: what its click recorded, read by one lookup (both backends)."""

from __future__ import annotations

import base64
import html

from sqlalchemy import update
from starlette.testclient import TestClient

from tests.customers.factory import add_customer
from tests.postbacks.network import build_network
from tests.support import ApiClient
from tests.ui.support import console_admin, sign_in
from trackpost.core.http import Services
from trackpost.models.tables import customers
from trackpost.tracking import service as tracking


def test_details_show_the_click_the_customer_came_from(
    http: TestClient, api: ApiClient, services: Services
) -> None:
    net = build_network(api, services)
    resp = http.get(
        net.link,
        params={"subaff": "s-one", "subaff3": "s-three", "_ocid": "oc9", "cust_var": "cv <1>"},
        headers={"Referer": "https://publisher.example/review?id=7"},
        follow_redirects=False,
    )
    assert resp.status_code == 302, resp.text
    http.cookies.clear()
    click_hash = resp.headers["location"].split("ch=", 1)[1]
    body = net.convert(click_hash=click_hash, subscription_id="SUB-A1")
    cid = body["customer_id"]

    console_admin(services.db, "boss")
    sign_in(http, "boss")
    page = http.get(f"/admin/customers/{cid}")
    assert page.status_code == 200
    text = html.unescape(page.text)
    acquisition = text.split('id="acquisition"', 1)[1].split("</section>", 1)[0]
    code = base64.b64encode(
        f"{net.affiliate}.0.{net.offer}.{net.landing_page}.0.0.0.0.0.0.0.0".encode()
    ).decode()
    assert f"<code>{code}</code>" in acquisition
    assert f"<code>{click_hash}</code>" in acquisition
    assert "subaff1: <code>s-one</code>" in acquisition
    assert "subaff3: <code>s-three</code>" in acquisition
    assert "_ocid: <code>oc9</code>" in acquisition
    assert "https://publisher.example/review?id=7" in acquisition
    assert "cust_var: <code>cv <1></code>" in acquisition
    assert "testclient" in acquisition  # the click's user agent (the device)
    # The pass-through value is escaped on the page, never markup.
    assert "cv &lt;1&gt;" in page.text


def test_the_click_read_by_id_or_hash_and_a_customer_without_one(
    http: TestClient, api: ApiClient, services: Services
) -> None:
    net = build_network(api, services)
    click_hash = net.click(subaff2="two")
    cid = net.convert(click_hash=click_hash)["customer_id"]
    row = net.customer(cid)
    with services.db.transaction(write=False) as conn:
        by_id = tracking.click_view(conn, clickid=row["clickid"])
        by_hash = tracking.click_view(conn, click_hash=click_hash)
        assert tracking.click_view(conn, clickid=10**12, click_hash="no-such-hash") is None
        assert tracking.click_view(conn) is None
    assert by_id is not None
    assert by_id == by_hash
    assert by_id.click_hash == click_hash
    assert by_id.subs == {"subaff2": "two"}
    assert by_id.extras == {}

    # A customer whose click id is gone still finds its click by the initial sale's hash.
    with services.db.transaction(write=True) as conn:
        conn.execute(update(customers).where(customers.c.customer_id == cid).values(clickid=None))
    console_admin(services.db, "boss")
    sign_in(http, "boss")
    page = http.get(f"/admin/customers/{cid}")
    assert "subaff2: <code>two</code>" in page.text

    # A customer made without a click (by hand): the block shows no click's rows.
    lone = add_customer(services.db, net.advertiser, "NO-CLICK", username="lone")
    text = http.get(f"/admin/customers/{lone}").text
    block = text.split('id="acquisition"', 1)[1].split("</section>", 1)[0]
    assert "Linkcode" not in block
    assert "Click hash</dt><dd>none" in block
