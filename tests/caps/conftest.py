"""Fixtures of the caps tests: the postback tests' small network."""

from __future__ import annotations

import pytest

from tests.postbacks.network import Network, build_network
from tests.support import ApiClient
from trackpost.core.http import Services


@pytest.fixture
def net(api: ApiClient, services: Services) -> Network:
    net = build_network(api, services)
    # cap.reached is recorded only while a subscription wants it (docs/events.md).
    net.subscribe("cap.reached")
    return net
