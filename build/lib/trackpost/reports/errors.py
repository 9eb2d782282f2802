"""The report's own errors."""

from __future__ import annotations

from trackpost.core.errors import Conflict


class AmbiguousOrderid(Conflict):
    """filter_orderid names orders of several advertisers and nothing says whose."""

    code = "ambiguous_orderid"
