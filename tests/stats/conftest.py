"""Fixtures of the statistics tests: a network with one advertiser, offer, page and affiliate."""

from __future__ import annotations

import pytest

from tests.postbacks.network import Network, build_network
from tests.support import ApiClient
from trackpost.core.http import Services


@pytest.fixture
def net(api: ApiClient, services: Services) -> Network:
    return build_network(api, services)
