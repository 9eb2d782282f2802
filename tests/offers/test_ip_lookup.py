"""ip_lookup (match a conversion by IP alone) is refused, not stored and ignored (issue 21)."""

from __future__ import annotations

import pytest

from tests.support import ApiClient, assert_error
from tests.tracking.support import add_advertiser, add_offer


@pytest.mark.parametrize("value", ["1", "true"])
def test_ip_lookup_on_is_400_not_supported(api: ApiClient, value: str) -> None:
    adv = add_advertiser(api)
    resp = api.post("/api/offer/add_offer", {"name": "IP", "advertiserid": adv, "ip_lookup": value})
    assert_error(resp, 400, "not_supported", "'ip_lookup'")
    offer = add_offer(api, adv)
    resp = api.patch("/api/offer/edit_offer", {"offerid": offer, "ip_lookup": value})
    assert_error(resp, 400, "not_supported", "'ip_lookup'")


@pytest.mark.parametrize("value", ["0", ""])
def test_ip_lookup_off_or_blank_is_accepted(api: ApiClient, value: str) -> None:
    adv = add_advertiser(api)
    resp = api.post("/api/offer/add_offer", {"name": "IP", "advertiserid": adv, "ip_lookup": value})
    assert resp.status_code == 200, resp.text
