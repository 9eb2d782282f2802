"""docs/compatibility.md is the rendering of the data, and the data covers every vendor
endpoint trackpost serves, with names its models accept."""

from __future__ import annotations

from tests.compat.table import PAGE, render
from tests.compat.vendor_params import ENDPOINTS, RULE
from trackpost.app import collect_endpoints
from trackpost.core.validation import known_names

# trackpost's own additions at /api: not in the vendor's reference.
TRACKPOST_ONLY = frozenset(
    {
        "/api/customer/get_customer_details",
        "/api/customer/search",
        "/api/customer/history",
        "/api/config/get_global_ips",
        "/api/postback/failed",
        "/api/postback/replay",
        # The money engine's own calls (issue #22).
        "/api/offer/get_goals",
        "/api/offer/add_goal",
        "/api/affiliate/set_manager_commission",
        "/api/offer/set_commission_change_priority",
        "/api/offer/get_commission_change_history",
        "/api/offer/set_money_rules",
        "/api/offer/set_offer_partner",
        "/api/offer/set_referral_payouts",
        # Outbound postbacks (issue #24), in the vendor's style but not in its reference.
        "/api/affiliate/add_postback",
        "/api/affiliate/get_postbacks",
        "/api/affiliate/edit_postback",
        "/api/affiliate/remove_postback",
        "/api/affiliate/test_postback",
        "/api/affiliate/get_postback_events",
        "/api/affiliate/set_postback_events",
        # Statistics (issue #23): the click log.
        "/api/report/clicks",
        # Conversion caps (issue #23): the admin calls beside the vendor's get_conversion_caps.
        "/api/offer/add_conversion_cap",
        "/api/offer/edit_conversion_cap",
        "/api/offer/remove_conversion_cap",
        # Statistics by any one or two dimensions (issue #23).
        "/api/report/stats",
    }
)
# Whole families of trackpost's own calls: delivery and webhooks (#24), payments (#27).
TRACKPOST_ONLY_PREFIXES = ("/api/delivery/", "/api/webhook/", "/api/payment/", "/signup/pixels")


def test_the_page_is_up_to_date() -> None:
    assert PAGE.read_text() == render(), "run: python -m tests.compat.table (make compat-doc)"


def test_every_served_vendor_endpoint_is_in_the_table() -> None:
    listed = {(ep.method, ep.path) for ep in ENDPOINTS if not ep.missing}
    aliases = {
        (a.split(" ")[0], a.split(" ", 1)[1] if " " in a else ep.path)
        for ep in ENDPOINTS
        for a in ep.aliases
    }
    served = {
        (ep.method, ep.path.replace("/{path:path}", ""))
        for ep in collect_endpoints()
        if ep.path.startswith(("/api/", "/track/", "/signup/"))
    }
    vendor = {
        s
        for s in served
        if s[1] not in TRACKPOST_ONLY
        and not s[1].startswith(TRACKPOST_ONLY_PREFIXES)
        and not s[1].endswith("_pixel")
    }
    unlisted = sorted(vendor - listed - aliases - {("GET", "/track/{code}")})
    assert unlisted == [], unlisted
    assert listed <= served, sorted(listed - served)
    missing = {(ep.method, ep.path) for ep in ENDPOINTS if ep.missing}
    assert not missing & served, "an endpoint marked missing is served: update vendor_params"


def test_no_documented_parameter_is_unknown_to_its_endpoint() -> None:
    models = {(ep.method, ep.path): ep.params for ep in collect_endpoints()}
    refused = []
    for ep in ENDPOINTS:
        model = models.get((ep.method, ep.path))
        if ep.missing or model is None:
            continue  # raw-parameter endpoints (clicks, postbacks) read what they know
        names = known_names(model)
        refused += [f"{ep.path} {p.name}" for p in ep.params if p.name not in names]
    assert refused == []


def test_every_rule_is_stated() -> None:
    for ep in ENDPOINTS:
        for p in ep.params:
            if p.status == RULE:
                assert "rule" in p.note, (ep.path, p.name)
