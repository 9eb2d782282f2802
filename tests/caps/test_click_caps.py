"""Click caps at /track: N clicks pass, the next is overflowed; each overflow action; scopes."""

from __future__ import annotations

import pytest

from tests.caps.support import (
    add_cap,
    caps,
    click_count,
    overflowed,
    reached_events,
    status,
    visit,
)
from tests.postbacks.network import Network, build_network
from tests.support import ApiClient
from trackpost.core.http import Services


@pytest.mark.parametrize("duration", ["Hour", "Day", "Week", "Month", "Year", "All Time"])
def test_click_cap_allows_exactly_n_in_each_duration(net: Network, duration: str) -> None:
    capid = add_cap(net, cap="3", type="Clicks", duration=duration)
    answers = [visit(net) for _ in range(4)]
    assert [overflowed(a) for a in answers] == [False, False, False, True]
    # The overflowed click is not recorded for the capped offer.
    assert click_count(net) == 3
    found = status(net, capid)
    assert (found["usage"], found["remaining"], found["reached"]) == ("3", "0", "1")
    assert found["reached_at"] is not None
    assert found["duration"] == duration
    assert len(reached_events(net)) == 1
