"""The issue's yardsticks (bench/yardstick.py) do the real lock work, so comparing with them is fair."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from tests.conftest import SECRET, Admin
from tests.customers.factory import add_advertiser, add_customer, add_transaction, customer_row
from tests.support import ApiClient
from trackpost.core.config import Settings, get_settings
from trackpost.core.http import Services

pytestmark = pytest.mark.usefixtures("sqlite_only")


@pytest.fixture
def sqlite_only(settings: Settings) -> None:
    if not settings.is_sqlite:
        pytest.skip("the yardsticks are the issue's SQLite endpoints")


@pytest.fixture(params=["orm", "raw"])
def yardstick(
    request: pytest.FixtureRequest, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    """One yardstick app on the test's database, configured from the environment as served."""
    from bench import yardstick as ys

    monkeypatch.setenv("TRACKPOST_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("TRACKPOST_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("TRACKPOST_SECRET_KEY", SECRET)
    get_settings.cache_clear()
    app = ys.orm_app() if request.param == "orm" else ys.raw_app()
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
    get_settings.cache_clear()


def test_locks_and_unlocks_by_each_key_with_an_audit_row(
    yardstick: TestClient, services: Services, admin: Admin, api: ApiClient
) -> None:
    db = services.db
    cid = add_customer(db, add_advertiser(db, "acme"), "SUB-9")
    add_transaction(db, cid, "ORD-9")
    for op, key in (("lock", "customer_id"), ("unlock", "subscription_id"), ("lock", "orderid")):
        value = {"customer_id": str(cid), "subscription_id": "SUB-9", "orderid": "ORD-9"}[key]
        resp = yardstick.patch(f"/api/customer/{op}", data={key: value}, headers=admin.headers)
        assert (resp.status_code, resp.json()) == (200, True)
        assert customer_row(db, cid)["locked"] is (op == "lock")
    row = customer_row(db, cid)
    assert row["locked_by"] == admin.username
    assert row["locked_at"] is not None
    # trackpost reads what the yardstick wrote: the same rows, the same lock, the same trail.
    history = api.get("/api/customer/history", {"customer_id": cid}).json()["history"]
    assert [h["action"] for h in history[:3]] == ["lock", "unlock", "lock"]
    assert history[0]["changes"] == {"locked": {"before": False, "after": True}}
    assert (
        api.patch("/api/customer/set_customer_details", {"customer_id": cid, "city": "X"}).json()[
            "code"
        ]
        == "customer_locked"
    )


def test_refuses_a_wrong_key_and_an_unknown_customer(
    yardstick: TestClient, services: Services, admin: Admin
) -> None:
    cid = add_customer(services.db, add_advertiser(services.db, "acme"), "SUB-1")
    bad = {**admin.headers, "api-key": "0" * 32}
    assert (
        yardstick.patch("/api/customer/lock", data={"customer_id": cid}, headers=bad).status_code
        == 401
    )
    missing = yardstick.patch(
        "/api/customer/lock", data={"customer_id": cid + 1}, headers=admin.headers
    )
    assert missing.status_code == 404
    assert customer_row(services.db, cid)["locked"] is False
