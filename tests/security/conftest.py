"""Apps built with settings of a test's own (throttle limits, allowlists, proxies)."""

from __future__ import annotations

from tests.conftest import PRODUCTION_HASHER, BuildApp, Built

__all__ = ["PRODUCTION_HASHER", "BuildApp", "Built"]
