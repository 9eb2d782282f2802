"""The shapes of the compatibility data: a documented parameter, an endpoint, and the
parameter groups several endpoints share (transcribed from shared/reference/trackfinity-api.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ACCEPTED = "accepted"  # it does what the reference says
STORED = "stored"  # kept and returned; trackpost has no such concept yet
LIMITED = "limited"  # accepted; some values are refused with 400 not_supported (note says why)
RULE = "rule"  # a rule of #21's postback work: checked by its own case in test_rules


@dataclass(frozen=True)
class P:
    """One documented parameter."""

    name: str
    sample: Any
    required: bool = False
    status: str = ACCEPTED
    note: str = ""


@dataclass(frozen=True)
class Endpoint:
    """One documented endpoint; `missing` says why trackpost does not serve it yet."""

    method: str
    path: str
    page: str
    params: tuple[P, ...] = ()
    answer: str = "message"
    world: str = ""  # a fresh record the request needs: sale, voided_sale, pending_sale
    aliases: tuple[str, ...] = ()
    missing: str = ""
    # Served by another issue's work, whose compatibility rows are not transcribed here yet.
    elsewhere: str = ""
    notes: tuple[str, ...] = field(default=())


def ids(*names: str, sample: str = "", status: str = ACCEPTED, note: str = "") -> tuple[P, ...]:
    return tuple(P(n, sample or f"{n} value", status=status, note=note) for n in names)


LOOKUP = (
    P(
        "customer_id",
        "{customer_id}",
        required=True,
        note="any one key is needed; several must name one customer",
    ),
    P("subscription_id", "{subscription_id}"),
)
# trackpost's own narrowing: an orderid is unique per advertiser.
SCOPE = (
    P("advertiserid", "{advertiserid}", note="trackpost extension: whose orderid it is"),
    P("offerid", "{offerid}", note="trackpost extension: narrows an orderid like advertiserid"),
)
SALE_KEYS = (
    P(
        "transaction_hash",
        "{sale_hash}",
        required=True,
        note="any one key is needed; several must name one transaction",
    ),
    P("click_hash", "{sale_hash}", note="synonym of transaction_hash"),
    P("orderid", "{sale_orderid}"),
    P("transactionid", "{sale_id}"),
    *SCOPE,
)
TRANS_CUSTOM = tuple(P(f"trans_custom{i}", f"tc{i}") for i in range(1, 6))
CUSTOM = tuple(P(f"custom{i}", f"c{i}") for i in range(1, 6))
CONTACT = (
    P("firstname", "Ada"),
    P("lastname", "Lovelace"),
    P("company", "Engines Ltd"),
    P("url", "https://ada.example"),
    P("tel", "+44 20 7946 0000"),
    P("icq", "12345"),
    P("aim", "ada_aim"),
    P("msn", "ada@msn.example"),
    P("address1", "1 Main Street"),
    P("address2", "Flat 2"),
    P("city", "London"),
    P("state", "Greater London"),
    P("country", "UK"),
    P("zip_code", "SW1A 1AA"),
    P("join_ip", "203.0.113.50"),
)
LINK = (
    P("offerid", "{offerid}"),
    P("landing_pageid", "{landing_pageid}"),
    P("style", "unencoded"),
    P("subaff", "s1", note="subaff1 is its alias"),
    *(P(f"subaff{i}", f"s{i}") for i in range(2, 6)),
    P("subids", "a,b"),
    P("_ocid", "{clickid}", note="kept verbatim, braces included"),
    P("code_only", "0"),
)
NOT_BLOCKING = "stored; the statistics work (unique clicks, issue #23) enforces it"
OFFER = (
    P("offer_description", "Winter deal"),
    P("hidden", "0"),
    P("date_live", "2026/03/20"),
    P("date_expire", "2999-12-31", note="strtotime text or unix time; REMOVE clears"),
    P("featured", "1"),
    P("expire_url", "https://adv.example/sold-out", note="REMOVE clears"),
    P("expire_landing_pageid", "{landing_pageid}", note="0 clears"),
    P("no_personal_member_info", "0"),
    P("subject_lines", ["Save now", "Last chance"], status=STORED, note="email hints, one a line"),
    P("from_addresses", "deals@adv.example", status=STORED, note="email hints, one a line"),
    P(
        "ip_lookup",
        "0",
        status=LIMITED,
        note="only 0: matching a conversion by IP alone is 400 not_supported",
    ),
    P(
        "ip_uniqueness_seconds",
        "3600",
        status=STORED,
        note=NOT_BLOCKING,
    ),
    P("offer_groups", "1,2", status=STORED, note="ids, a comma list or an array; 0 clears"),
    P("marketing_types", ["3"], status=STORED, note="ids, a comma list or an array; 0 clears"),
    P("cost_flat", "9.95", note="the vendor's name for trackpost's conversion revenue"),
    P(
        "cost_perc",
        "0",
        status=LIMITED,
        note="only 0: a percentage revenue is 400 not_supported (send each sale's amount)",
    ),
    P("cost_type", "flat", status=LIMITED, note="flat only; a percentage type is not_supported"),
)
LANDING_PAGE = (
    P("preview_url", "https://adv.example/preview"),
    P("tracking_domain", "", note="one added with add_tracking_domain; REMOVE clears"),
    P("description", "Main page"),
    P("thumb_url", "https://adv.example/t.png"),
    P("force_url", "https://adv.example/shot"),
    P("language", "1", status=STORED),
    P(
        "conversion_type",
        "post",
        note="post (server postback), iframe or image (the confirmation page's browser posts, "
        "with the click cookie); only iframe pages render affiliates' image and iframe pixels",
    ),
    P("postback_ips", "203.0.113.7,198.51.100.0/24", note="empty: the global list applies"),
    P(
        "hostnpost_ips",
        "",
        status=LIMITED,
        note="a list is 400 not_supported: there is no host-and-post endpoint to guard",
    ),
    P("void_ips", "192.0.2.1", note="empty: the global void list alone (empty: nobody)"),
    P("private", "0", note="private pages take clicks only from enabled affiliates"),
    P("requestable", "1", note="listed by get_links without a link until enabled"),
    P("internal_desc", "notes"),
    P(
        "redirect_hash",
        "",
        status=LIMITED,
        note="a value is 400 not_supported: trackpost has no geo-redirects within offer groups",
    ),
    P(
        "disable_url_sanitization",
        "0",
        status=LIMITED,
        note="1 is 400 not_supported: filled values are always URL-encoded",
    ),
    P("disable_deep_linking", "1"),
)
RULE_NOTE = "its own rule"
