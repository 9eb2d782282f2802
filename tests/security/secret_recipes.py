"""How to send a password to each endpoint that takes one (checked for completeness by a test)."""

from __future__ import annotations

from collections.abc import Callable

from tests.security.world import World

Recipe = Callable[[World], list[str]]


def _customer_details(world: World) -> list[str]:
    secret = "Cust-Passw0rd-set-details"
    resp = world.api.patch(
        "/api/customer/set_customer_details",
        {"customer_id": world.customer(), "password": secret},
    )
    assert resp.status_code == 200, resp.text
    return [secret]


# path -> recipe; each recipe sends its secrets, expects a 2xx and returns the secrets it sent.
RECIPES: dict[str, Recipe] = {
    "/api/customer/set_customer_details": _customer_details,
}
