"""Repeated failed authentication, per IP or per username, is answered with 429 and Retry-After."""

from __future__ import annotations

import time

import httpx
from starlette.testclient import TestClient

from tests.conftest import make_admin
from tests.security.conftest import BuildApp
from tests.security.endpoints import api_endpoints, concrete_path
from tests.support import assert_error

PING = "/api/service/ping"


def _ping(client: TestClient, username: str, key: str, **headers: str) -> httpx.Response:
    resp: httpx.Response = client.get(
        PING, headers={"api-key": key, "api-username": username, **headers}
    )
    return resp


def _assert_throttled(resp: httpx.Response, window: int) -> None:
    assert_error(resp, 429, "too_many_auth_failures", "retry")
    wait = int(resp.headers["retry-after"])
    assert 1 <= wait <= window + 1


def test_failures_from_one_ip_lock_that_ip_even_with_the_right_key(build_app: BuildApp) -> None:
    built = build_app(auth_fail_limit=3, auth_fail_window_seconds=60)
    admin = make_admin(built.services, "ops")
    attacker = built.client("198.51.100.9")
    for i in range(3):
        assert _ping(attacker, f"guess{i}", "0" * 32).status_code == 401
    _assert_throttled(_ping(attacker, "guess9", "0" * 32), 60)
    _assert_throttled(_ping(attacker, admin.username, admin.api_key), 60)
    # Every authenticated route is behind the same gate, not only ping.
    for ep in api_endpoints():
        resp = attacker.request(ep.method, concrete_path(ep.path), headers=admin.headers)
        _assert_throttled(resp, 60)
    # Someone else, elsewhere, is not affected.
    assert _ping(built.client("198.51.100.10"), admin.username, admin.api_key).status_code == 200


def test_failures_for_one_username_lock_it_from_every_ip(build_app: BuildApp) -> None:
    built = build_app(auth_fail_limit=3, auth_fail_window_seconds=60)
    admin = make_admin(built.services, "ops")
    other = make_admin(built.services, "ops2")
    for i in range(3):
        client = built.client(f"198.51.100.{20 + i}")
        # Case does not give a guesser a fresh counter: usernames are case-insensitive.
        name = admin.username.upper() if i % 2 else admin.username
        assert _ping(client, name, "0" * 32).status_code == 401
    fresh = built.client("192.0.2.55")
    _assert_throttled(_ping(fresh, admin.username, admin.api_key), 60)
    assert _ping(fresh, other.username, other.api_key).status_code == 200


def test_throttle_counts_the_client_behind_a_trusted_proxy(build_app: BuildApp) -> None:
    """One abusive client behind the load balancer must not lock out the others behind it."""
    built = build_app(auth_fail_limit=3, trusted_proxies="10.0.0.1/32")
    admin = make_admin(built.services, "ops")
    lb = built.client("10.0.0.1")
    for i in range(3):
        headers = {"X-Forwarded-For": "198.51.100.1"}
        assert _ping(lb, f"guess{i}", "0" * 32, **headers).status_code == 401
    _assert_throttled(_ping(lb, "guess9", "0" * 32, **{"X-Forwarded-For": "198.51.100.1"}), 60)
    resp = _ping(lb, admin.username, admin.api_key, **{"X-Forwarded-For": "198.51.100.2"})
    assert resp.status_code == 200


def test_successful_calls_never_count_as_failures(build_app: BuildApp) -> None:
    built = build_app(auth_fail_limit=3)
    admin = make_admin(built.services, "ops")
    client = built.client()
    for _ in range(10):
        assert _ping(client, admin.username, admin.api_key).status_code == 200


def test_throttle_lifts_when_the_window_passes(build_app: BuildApp) -> None:
    built = build_app(auth_fail_limit=2, auth_fail_window_seconds=1)
    admin = make_admin(built.services, "ops")
    client = built.client()
    for _ in range(2):
        assert _ping(client, admin.username, "0" * 32).status_code == 401
    _assert_throttled(_ping(client, admin.username, admin.api_key), 1)
    time.sleep(1.2)
    assert _ping(client, admin.username, admin.api_key).status_code == 200


def test_throttle_memory_per_client_is_bounded(build_app: BuildApp) -> None:
    """Failed attempts are remembered per IP and username; a huge username must not cost memory
    in proportion to its size (the counters are kept before anyone is authenticated)."""
    built = build_app(auth_fail_limit=3)
    for n in range(5):
        client = built.client(f"198.51.100.{n + 1}")
        assert _ping(client, f"{n}" + "u" * 8000, "0" * 32).status_code == 401
    keys = list(built.services.auth.throttle._hits)
    assert keys
    assert max(len(k) for k in keys) <= 200, max(len(k) for k in keys)
