"""Custom pass-through link parameters fill the landing page's macros; subaff is subaff1 (issue 21)."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import orjson
import pytest
from starlette.testclient import TestClient

from tests.support import ApiClient, assert_error
from tests.tracking.support import click_rows, code_of, network
from trackpost.core.http import Services
from trackpost.tracking import service as tracking

URL = "https://adv.example/land?ch=%%click_hash%%&cv=%%cust_var%%&s=%%subaff%%&none=%%nothing%%"


def _track(http: TestClient, code: str, method: str = "GET", **params: str) -> httpx.Response:
    resp: httpx.Response = http.request(
        method, f"/track/{code}", params=params, follow_redirects=False
    )
    return resp


@pytest.fixture
def code(api: ApiClient) -> str:
    net = network(api, URL)
    return code_of(api, loginid=net["loginid"], offerid=net["offerid"])


def test_cust_var_fills_its_macro_and_is_kept_on_the_click(
    http: TestClient, services: Services, code: str
) -> None:
    resp = _track(http, code, cust_var="xyz 1", other="o")
    assert resp.status_code == 302, resp.text
    query = urlsplit(resp.headers["location"]).query
    assert "&cv=xyz%201&" in f"&{query}&"
    assert query.endswith("&none=")  # a macro with no value becomes empty, never %%nothing%%
    assert "%%" not in resp.headers["location"]
    (row,) = click_rows(services)
    assert orjson.loads(row["extra"]) == {"cust_var": "xyz 1", "other": "o"}
    with services.db.transaction(write=False) as conn:
        assert tracking.click_extras(conn, row["click_hash"]) == {
            "cust_var": "xyz 1",
            "other": "o",
        }
        assert tracking.click_extras(conn, "no-such-click") == {}


def test_a_click_without_pass_throughs_stores_none(
    http: TestClient, services: Services, code: str
) -> None:
    resp = _track(http, code)
    assert resp.status_code == 302
    assert resp.headers["location"].endswith("&cv=&s=&none=")
    (row,) = click_rows(services)
    assert row["extra"] is None


def test_a_pass_through_cannot_override_a_built_in_macro(
    http: TestClient, services: Services, code: str
) -> None:
    resp = _track(http, code, click_hash="forged", cust_var="v")
    location = resp.headers["location"]
    (row,) = click_rows(services)
    assert f"ch={row['click_hash']}&" in location
    assert orjson.loads(row["extra"]) == {"cust_var": "v"}


def test_names_no_macro_can_carry_are_not_kept(
    http: TestClient, services: Services, code: str
) -> None:
    resp = _track(http, code, **{"a-b": "1", "x" * 33: "2", "ok_1": "3"})
    assert resp.status_code == 302
    (row,) = click_rows(services)
    assert orjson.loads(row["extra"]) == {"ok_1": "3"}


@pytest.mark.parametrize(
    "params", [{"subaff": "a"}, {"subaff1": "a"}, {"subaff": "a", "subaff1": "a"}]
)
def test_subaff_and_subaff1_are_one_parameter(
    http: TestClient, services: Services, code: str, params: dict[str, str]
) -> None:
    resp = _track(http, code, **params)
    assert resp.status_code == 302, resp.text
    assert "&s=a&" in resp.headers["location"]
    (row,) = click_rows(services)
    assert row["subaff1"] == "a"


def test_subaff_and_subaff1_differing_is_400_naming_both(
    http: TestClient, services: Services, code: str
) -> None:
    resp = _track(http, code, subaff="a", subaff1="b")
    assert_error(resp, 400, "invalid_parameter", "'subaff'", "'subaff1'")
    assert click_rows(services) == []
    # A blank one is not sent.
    assert _track(http, code, subaff="", subaff1="b").status_code == 302


def test_get_single_link_applies_the_same_rule(api: ApiClient) -> None:
    net = network(api, URL)
    base = {"loginid": net["loginid"], "offerid": net["offerid"]}
    resp = api.get("/api/affiliate/get_single_link", {**base, "subaff1": "s"})
    assert resp.json()["message"].endswith("?subaff=s")
    resp = api.get("/api/affiliate/get_single_link", {**base, "subaff": "s", "subaff1": "s"})
    assert resp.json()["message"].endswith("?subaff=s")
    resp = api.get("/api/affiliate/get_single_link", {**base, "subaff": "s", "subaff1": "t"})
    assert_error(resp, 400, "invalid_parameter", "'subaff'", "'subaff1'")
