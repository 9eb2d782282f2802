"""How to send a password to each endpoint that takes one (checked for completeness by a test)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from tests.security.world import World

Recipe = Callable[[World], list[str]]
_seq = itertools.count(1)


def _ok(resp: Any) -> None:
    assert 200 <= resp.status_code < 300, resp.text


def _customer_details(world: World) -> list[str]:
    secret = "Cust-Passw0rd-set-details"
    data = {"customer_id": world.customer(), "password": secret}
    _ok(world.api.patch("/api/customer/set_customer_details", data))
    return [secret]


def _add_advertiser(path: str) -> Recipe:
    def recipe(world: World) -> list[str]:
        secret, n = "Adv-Passw0rd-add", next(_seq)
        data = {"username": f"sadv{n}", "password": secret, "email": f"sadv{n}@example.com"}
        _ok(world.api.post(path, data))
        return [secret]

    return recipe


def _edit_advertiser(world: World) -> list[str]:
    secret = "Adv-Passw0rd-edit"
    data = {"loginid": world.advertiser(), "password": secret}
    _ok(world.api.patch("/api/advertiser/edit_advertiser", data))
    return [secret]


def _add_affiliate(path: str) -> Recipe:
    def recipe(world: World) -> list[str]:
        secret, n = f"Aff-Passw0rd-{path[-5:]}", next(_seq)
        data = {
            "username": f"saff{n}",
            "password": secret,
            "email": f"saff{n}@example.com",
            "payvia": 1,
            "tax_id_or_ssn": "078-05-1120",
        }
        _ok(world.api.post(path, data))
        return [secret]

    return recipe


def _edit_affiliate(world: World) -> list[str]:
    secret = "Aff-Passw0rd-edit"
    data = {"loginid": world.affiliate(), "password": secret}
    _ok(world.api.patch("/api/affiliate/edit_affiliate", data))
    return [secret]


def _postback(path: str) -> Recipe:
    """A conversion carrying the customer's password, once as a query string and once as a form."""

    def recipe(world: World) -> list[str]:
        sent = []
        for method in ("GET", "POST"):
            secret, n = f"Pixel-Passw0rd-{method}", next(_seq)
            params = {
                "click_hash": world.click(),
                "subscription_id": f"pw-sub-{n}",
                "password": secret,
            }
            if method == "GET":
                resp = world.http.get(path, params=params)
            else:
                resp = world.http.post(path, data=params)
            _ok(resp)
            sent.append(secret)
        return sent

    return recipe


def _search(world: World) -> list[str]:
    """search's `password` is the reference's misprint of username: whatever a client puts
    there (a real password, by mistake) is compared with usernames and never kept."""
    secret = "Srch-Passw0rd-filter"
    resp = world.api.get("/api/affiliate/search", {"password": secret})
    assert resp.status_code == 200, resp.text
    return [secret]


# path -> recipe; each recipe sends its secrets, expects a 2xx and returns the secrets it sent.
RECIPES: dict[str, Recipe] = {
    "/api/customer/set_customer_details": _customer_details,
    "/api/advertiser/add_advertiser": _add_advertiser("/api/advertiser/add_advertiser"),
    "/api/affiliate/add_advertiser": _add_advertiser("/api/affiliate/add_advertiser"),
    "/api/advertiser/edit_advertiser": _edit_advertiser,
    "/api/affiliate/add_affiliate": _add_affiliate("/api/affiliate/add_affiliate"),
    "/api/affiliate/addaffiliate": _add_affiliate("/api/affiliate/addaffiliate"),
    "/api/affiliate/edit_affiliate": _edit_affiliate,
    "/api/affiliate/search": _search,
    "/signup/process_pixel.php": _postback("/signup/process_pixel.php"),
    "/signup/process_pixel": _postback("/signup/process_pixel"),
}
