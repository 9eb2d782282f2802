"""Every implemented vendor endpoint, called with every documented parameter as the vendor's
PHP client sends it (http_build_query, blanks included) and as Python `requests` does; each
must give the documented answer. The parameters are data: tests/compat/vendor_params.py."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from tests.compat.php import http_build_query, requests_form
from tests.compat.vendor_params import ENDPOINTS, RULE, RULE_VALUES, Endpoint, P
from tests.compat.world import SENDER, CompatWorld
from tests.conftest import Admin
from tests.support import ApiClient
from trackpost.core.http import Services

LIVE = [ep for ep in ENDPOINTS if not ep.missing and not ep.elsewhere]
FORM = {"content-type": "application/x-www-form-urlencoded"}


@pytest.fixture
def world(api: ApiClient, services: Services) -> CompatWorld:
    return CompatWorld(api, services)


def _send(world: CompatWorld, admin: Admin, method: str, path: str, body: str) -> httpx.Response:
    """One request as the client sends it: a query string for GET and HEAD, else a form body."""
    public = path.startswith(("/track/", "/signup/"))
    if path.startswith("/track/"):
        path = world.track_path()
    client: TestClient = world.net.from_ip(SENDER) if public else world.api.client
    headers = {} if public else dict(admin.headers)
    resp: httpx.Response
    if method in ("GET", "HEAD"):
        url = f"{path}?{body}" if body else path
        resp = client.request(method, url, headers=headers, follow_redirects=False)
    else:
        form = {**headers, **FORM}
        resp = client.request(method, path, content=body, headers=form, follow_redirects=False)
    return resp


def _values(
    world: CompatWorld, ep: Endpoint, params: tuple[P, ...], blanks: bool
) -> dict[str, Any]:
    """Every parameter given: its filled sample, or a blank where `blanks` and not required."""
    world.fresh()
    if ep.world:
        world.prepare(ep.world)
    out: dict[str, Any] = {}
    for p in params:
        out[p.name] = world.fill(p.sample) if (p.required or not blanks) else ""
    return out


def check_answer(ep: Endpoint, resp: httpx.Response) -> None:
    """The documented answer of the endpoint."""
    if ep.answer == "redirect":
        assert resp.status_code == 302, resp.text
        return
    assert resp.status_code == 200, resp.text
    if ep.answer == "pixel":
        return
    body = resp.json()
    if ep.answer == "true":
        assert body is True
    elif ep.answer == "message":
        assert isinstance(body, dict), body
        assert str(body["result"]).lower() == "success", body
    elif ep.answer == "object":
        assert isinstance(body, dict), body
    elif ep.answer == "list":
        assert isinstance(body, list), body
    elif ep.answer == "edited":
        assert body == [{"result": "Success"}]
    else:
        key = ep.answer.split(":", 1)[1]
        assert body[0]["result"] == "Success", body
        assert body[0]["message"][key].isdigit(), body


def _label(ep: Endpoint) -> str:
    return f"{ep.method} {ep.path}"


def _plain(ep: Endpoint) -> tuple[P, ...]:
    return tuple(p for p in ep.params if p.status != RULE)


@pytest.mark.parametrize("ep", LIVE, ids=_label)
def test_every_documented_parameter(world: CompatWorld, admin: Admin, ep: Endpoint) -> None:
    """As PHP sends every parameter; as PHP sends the ones it does not set (a blank each);
    as Python requests sends them. One world for the three: they are one client's calls."""
    for encode, blanks in (
        (http_build_query, False),
        (http_build_query, True),
        (requests_form, False),
    ):
        body = encode(_values(world, ep, _plain(ep), blanks=blanks))
        resp = _send(world, admin, ep.method, ep.path, body)
        try:
            check_answer(ep, resp)
        except AssertionError as exc:
            raise AssertionError(f"{encode.__name__} blanks={blanks}: {body}") from exc


ALIASES = [(ep, alias) for ep in LIVE for alias in ep.aliases]


@pytest.mark.parametrize(("ep", "alias"), ALIASES, ids=[f"{_label(e)} as {a}" for e, a in ALIASES])
def test_aliases_answer_alike(world: CompatWorld, admin: Admin, ep: Endpoint, alias: str) -> None:
    method, _, path = alias.partition(" ")
    body = http_build_query(_values(world, ep, _plain(ep), blanks=False))
    resp = _send(world, admin, method, path or ep.path, body)
    if method == "HEAD":
        assert resp.status_code == 302
        assert not resp.content
        return
    check_answer(ep, resp)


RULE_CASES = [
    (ep, p.name, p.sample, p.note) for ep in LIVE for p in ep.params if p.status == RULE
] + [
    (next(e for e in LIVE if e.path == path), name, value, why)
    for path, name, value, why in RULE_VALUES
]


@pytest.mark.parametrize(
    ("ep", "name", "sample", "why"),
    RULE_CASES,
    ids=[f"{_label(c[0])} {c[1]}={c[2]}" for c in RULE_CASES],
)
def test_rules(
    world: CompatWorld, admin: Admin, ep: Endpoint, name: str, sample: Any, why: str
) -> None:
    """The parameters with a rule of their own (#21's postback work), each with its answer."""
    required = tuple(p for p in ep.params if p.required)
    values = _values(world, ep, required, blanks=False)
    values[name] = world.fill(sample)
    if name == "goal_id":
        # A goal the offer does not have: refused with a 4xx, and nothing is booked.
        before = len(world.net.rows())
        resp = _send(world, admin, ep.method, ep.path, http_build_query(values))
        assert 400 <= resp.status_code < 500, resp.text
        assert len(world.net.rows()) == before
        return
    if name == "subaff1":
        values["subaff"] = "another"  # two different values for one field: a 400
        resp = _send(world, admin, ep.method, ep.path, http_build_query(values))
        assert resp.status_code == 400, resp.text
        return
    resp = _send(world, admin, ep.method, ep.path, http_build_query(values))
    check_answer(ep, resp)
    if name == "cust_var":
        assert "cv=xyz" in resp.headers["location"]
