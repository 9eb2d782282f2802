"""Every /api route, enumerated from the app, refuses anyone without a valid admin key."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import insert
from starlette.testclient import TestClient

from tests.conftest import SECRET, Admin, make_admin
from tests.security.endpoints import (
    PUBLIC_EXACT,
    all_endpoints,
    api_endpoints,
    concrete_path,
    is_public_path,
    label,
    served_routes,
)
from trackpost.accounts import service as accounts
from trackpost.core.http import Endpoint, Services
from trackpost.core.security import KeyHasher, new_api_key
from trackpost.models.tables import logins

API = api_endpoints()


def _send(http: TestClient, ep: Endpoint, headers: Any, **kw: Any) -> httpx.Response:
    resp: httpx.Response = http.request(ep.method, concrete_path(ep.path), headers=headers, **kw)
    return resp


def _affiliate_with_key(services: Services) -> tuple[str, str]:
    """A non-admin login that somehow holds a key hash: only full admins may use the API."""
    key = new_api_key()
    with services.db.transaction(write=True) as conn:
        conn.execute(
            insert(logins).values(
                type="affiliate",
                username="aff_with_key",
                api_key_hash=KeyHasher(SECRET.encode()).hash(key),
            )
        )
    return "aff_with_key", key


def _bad_credentials(services: Services, admin: Admin) -> dict[str, Any]:
    other = make_admin(services, "other_admin")
    off = make_admin(services, "disabled_admin")
    with services.db.transaction(write=True) as conn:
        accounts.set_disabled(conn, off.username, True)
    aff_user, aff_key = _affiliate_with_key(services)
    u, k = admin.username, admin.api_key
    return {
        "none": {},
        "key only": {"api-key": k},
        "username only": {"api-username": u},
        "empty values": {"api-key": "", "api-username": ""},
        "wrong key": {"api-key": new_api_key(), "api-username": u},
        "key with a typo": {"api-key": k[:-1] + ("0" if k[-1] != "0" else "1"), "api-username": u},
        "unknown username": {"api-key": k, "api-username": "nobody"},
        "another admin's key": {"api-key": other.api_key, "api-username": u},
        "disabled admin": off.headers,
        "non-admin account": {"api-key": aff_key, "api-username": aff_user},
        "look-alike username": {"api-key": k, "api-username": "tf_adm\u0456n".encode()},
        "wildcard username": {"api-key": k, "api-username": "tf_%"},
        "sql in username": {"api-key": k, "api-username": "x' OR '1'='1"},
        "key of the hash": {"api-key": KeyHasher(SECRET.encode()).hash(k), "api-username": u},
    }


def test_there_are_api_routes_to_check() -> None:
    assert API, "no /api endpoint registered: the enumeration below would prove nothing"


@pytest.mark.parametrize("ep", API, ids=label)
def test_api_route_refuses_bad_credentials_with_one_body(
    http: TestClient, services: Services, admin: Admin, ep: Endpoint
) -> None:
    bodies: dict[bytes, list[str]] = {}
    for name, headers in _bad_credentials(services, admin).items():
        resp = _send(http, ep, headers)
        assert resp.status_code == 401, (name, resp.status_code, resp.text)
        assert resp.headers["content-type"] == "application/json"
        assert resp.json()["code"] == "unauthorized"
        bodies.setdefault(resp.content, []).append(name)
        extra = set(resp.headers) - {"content-length", "content-type", "x-request-id"}
        assert not extra, (name, extra)
    assert len(bodies) == 1, f"the 401 body reveals which credential was wrong: {bodies}"
    # And the route does accept the real key (so the checks above are not vacuous).
    assert _send(http, ep, admin.headers).status_code != 401


@pytest.mark.parametrize("ep", API, ids=label)
def test_credentials_only_count_in_headers(http: TestClient, admin: Admin, ep: Endpoint) -> None:
    """Keys in a URL end up in proxy logs and browser history, so they are never accepted."""
    creds = {"api-key": admin.api_key, "api-username": admin.username}
    as_query = _send(http, ep, {}, params=creds)
    assert as_query.status_code == 401, as_query.text
    if ep.method not in ("GET", "HEAD"):
        assert _send(http, ep, {}, data=creds).status_code == 401


def test_every_401_body_is_the_same_across_routes(http: TestClient) -> None:
    bodies = {_send(http, ep, {}).content for ep in API}
    assert len(bodies) == 1, bodies


def test_public_routes_are_exactly_the_allowlist(http: TestClient) -> None:
    """A route answers without credentials only if it is on the documented public list."""
    public: set[str] = set()
    for method, template in served_routes(http.app):
        sample = "1" if ":int}" in template else "x"
        resp = http.request(method, concrete_path(template, sample), follow_redirects=False)
        # 403: refused by address, as /metrics refuses a caller that is not local or allowed;
        # a console page without a session sends the browser to the sign-in form.
        to_sign_in = resp.status_code == 303 and resp.headers["location"].startswith("/admin/login")
        if resp.status_code not in (401, 403) and not to_sign_in:
            public.add(template)
            assert not template.startswith("/api"), f"{method} {template} answers without a key"
            assert is_public_path(template), f"{method} {template} is public but not allowlisted"
    for path in PUBLIC_EXACT - {"/track"}:
        assert path in public, f"{path} should be reachable without credentials"


def test_declared_public_flags_match_the_allowlist() -> None:
    for ep in all_endpoints():
        if ep.public:
            assert is_public_path(ep.path), f"{label(ep)} is declared public"
        assert not (ep.public and ep.path.startswith("/api")), label(ep)


def test_openapi_marks_every_api_operation_as_secured(http: TestClient) -> None:
    doc = http.get("/openapi.json").json()
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            secured = bool(op.get("security"))
            assert secured == (not is_public_path(path)), (method, path)
            if secured:
                assert "401" in op["responses"], (method, path)
