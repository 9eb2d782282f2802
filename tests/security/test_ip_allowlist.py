"""The global and per-admin IP allowlists, directly and behind trusted and untrusted proxies."""

from __future__ import annotations

import httpx
import pytest
from starlette.testclient import TestClient

from tests.accounts.test_cli import run_cli
from tests.conftest import Admin, make_admin
from tests.security.conftest import BuildApp
from tests.security.endpoints import api_endpoints, concrete_path
from tests.support import assert_error

PING = "/api/service/ping"


def _ping(client: TestClient, admin: Admin, xff: str | None = None) -> httpx.Response:
    headers = dict(admin.headers)
    if xff is not None:
        headers["X-Forwarded-For"] = xff
    resp: httpx.Response = client.get(PING, headers=headers)
    return resp


def test_global_allowlist_admits_only_listed_networks(build_app: BuildApp) -> None:
    built = build_app(admin_api_allowed_ips="10.0.0.0/8, 2001:db8::/32")
    admin = make_admin(built.services, "ops")
    for ip in ("10.1.2.3", "::ffff:10.1.2.3", "2001:db8::5"):
        assert _ping(built.client(ip), admin).status_code == 200, ip
    outsider = built.client("192.168.1.1")
    assert_error(_ping(outsider, admin), 403, "ip_not_allowed", "192.168.1.1")
    for ep in api_endpoints():
        resp = outsider.request(ep.method, concrete_path(ep.path), headers=admin.headers)
        assert_error(resp, 403, "ip_not_allowed")
    # The allowlist guards the admin API only: health checks still answer.
    assert outsider.get("/healthz").status_code == 200


def test_outsiders_cannot_probe_keys(build_app: BuildApp) -> None:
    """From outside the allowlist a wrong key gets the same 403 as a right one."""
    built = build_app(admin_api_allowed_ips="10.0.0.0/8")
    admin = make_admin(built.services, "ops")
    outsider = built.client("192.168.1.1")
    wrong = Admin(admin.username, "0" * 32)
    assert _ping(outsider, wrong).content == _ping(outsider, admin).content


@pytest.mark.parametrize(
    ("xff", "status"),
    [
        ("10.1.2.3", 200),
        ("192.168.1.1", 403),
        # A client cannot forge its way in: the proxy appends the real peer last.
        ("10.1.2.3, 192.168.1.1", 403),
        # A chain of trusted proxies is walked back to the first untrusted hop.
        ("10.1.2.3, 127.0.0.1", 200),
        ("192.168.1.1, 10.1.2.3, 127.0.0.1", 200),
        ("not-an-address", 403),
        ("", 403),
    ],
)
def test_forwarded_for_is_believed_from_a_trusted_proxy(
    build_app: BuildApp, xff: str, status: int
) -> None:
    built = build_app(admin_api_allowed_ips="10.0.0.0/8", trusted_proxies="127.0.0.1/32")
    admin = make_admin(built.services, "ops")
    assert _ping(built.client("127.0.0.1"), admin, xff).status_code == status


def test_forwarded_for_is_ignored_from_an_untrusted_peer(build_app: BuildApp) -> None:
    built = build_app(admin_api_allowed_ips="10.0.0.0/8", trusted_proxies="127.0.0.1/32")
    admin = make_admin(built.services, "ops")
    assert _ping(built.client("172.16.0.5"), admin, "10.1.2.3").status_code == 403
    unconfigured = build_app(admin_api_allowed_ips="10.0.0.0/8")
    assert _ping(unconfigured.client("127.0.0.1"), admin, "10.1.2.3").status_code == 403


def test_per_admin_allowlist_from_the_cli(build_app: BuildApp) -> None:
    built = build_app(trusted_proxies="127.0.0.1/32")
    out = run_cli(built.settings, "admin", "create", "ops", "--allow-ip", "10.0.0.0/8")
    assert out.returncode == 0, out.stderr
    ops = Admin("ops", out.stdout.strip().splitlines()[-1])
    anywhere = make_admin(built.services, "roamer")
    assert _ping(built.client("10.9.9.9"), ops).status_code == 200
    assert_error(_ping(built.client("192.168.0.1"), ops), 403, "ip_not_allowed")
    assert _ping(built.client("192.168.0.1"), anywhere).status_code == 200
    # Behind the trusted proxy the forwarded client address decides ...
    assert _ping(built.client("127.0.0.1"), ops, "10.9.9.9").status_code == 200
    assert _ping(built.client("127.0.0.1"), ops, "192.168.0.1").status_code == 403
    # ... and an untrusted peer cannot claim to forward for an allowed one.
    assert _ping(built.client("172.16.0.5"), ops, "10.9.9.9").status_code == 403


def test_repeated_forwarded_for_lines_are_one_list(build_app: BuildApp) -> None:
    """A client's own X-Forwarded-For line before the proxy's cannot choose the address."""
    built = build_app(admin_api_allowed_ips="198.51.100.0/24", trusted_proxies="127.0.0.1/32")
    admin = make_admin(built.services, "ops")
    client = built.client("127.0.0.1")
    lines = [*admin.headers.items(), ("X-Forwarded-For", "198.51.100.7")]
    forged = client.get(PING, headers=[*lines, ("X-Forwarded-For", "203.0.113.9")])
    assert_error(forged, 403, "ip_not_allowed", "203.0.113.9")
    assert client.get(PING, headers=lines).status_code == 200


@pytest.mark.parametrize("name", ["api-key", "api-username"])
def test_credentials_sent_twice_are_refused(build_app: BuildApp, name: str) -> None:
    built = build_app()
    admin = make_admin(built.services, "ops")
    headers = [*admin.headers.items(), (name, dict(admin.headers)[name])]
    resp = built.client("127.0.0.1").get(PING, headers=headers)
    assert_error(resp, 400, "duplicate_header", name)


def test_a_trailing_slash_is_not_redirected_to_the_clients_host(build_app: BuildApp) -> None:
    built = build_app()
    admin = make_admin(built.services, "ops")
    resp = built.client("127.0.0.1").get(
        PING + "/", headers={**admin.headers, "Host": "evil.example"}, follow_redirects=False
    )
    assert_error(resp, 404, "unknown_endpoint")
    assert "location" not in resp.headers
