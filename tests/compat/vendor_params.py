"""The vendor's documented endpoints and parameters, transcribed from the reference
(shared/reference/trackfinity-api.md), with what trackpost does with each.

This is data: tests/compat/test_vendor_endpoints.py sends every parameter as the vendor's PHP
client and as Python `requests` would, and `python -m tests.compat.table` renders it into
docs/compatibility.md. A sample is a value as a client sends it; "{name}" is filled with a
fresh record of the test world (see tests/compat/world.py).
"""

from __future__ import annotations

from tests.compat.spec import ACCEPTED, LIMITED, RULE, STORED, Endpoint, P
from tests.compat.vendor_admin import ADMIN_ENDPOINTS
from tests.compat.vendor_money import MONEY_ENDPOINTS
from tests.compat.vendor_offers import OFFER_ENDPOINTS

__all__ = ["ACCEPTED", "ENDPOINTS", "LIMITED", "RULE", "RULE_VALUES", "STORED", "Endpoint", "P"]

ENDPOINTS: tuple[Endpoint, ...] = (*ADMIN_ENDPOINTS, *OFFER_ENDPOINTS, *MONEY_ENDPOINTS)

# Values with a rule of their own: the vendor's decimal columns, its trial type.
RULE_VALUES: tuple[tuple[str, str, str, str], ...] = (
    ("/signup/process_pixel.php", "amount", "10.000", "money with any number of decimals"),
    ("/signup/process_pixel.php", "type", "trial", "the vendor's trial transaction type"),
)


def implemented(ep: Endpoint) -> bool:
    return not ep.missing
