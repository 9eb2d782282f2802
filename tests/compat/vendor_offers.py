"""The vendor's offer endpoints and the public entry points: click, pixel, remote void (data)."""

from __future__ import annotations

from tests.compat.spec import (
    CUSTOM,
    LANDING_PAGE,
    LIMITED,
    OFFER,
    RULE,
    RULE_NOTE,
    Endpoint,
    P,
)

OFFER_ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "GET",
        "/api/offer/get_details",
        "offer/offer-get-details",
        (
            P(
                "offerid",
                "{offerid}",
                note="the first selector sent is used; none: an empty answer",
            ),
            P("name", "x"),
            P("name_like", "x"),
            P("advertiserid", "{advertiserid}"),
            P("advertiser_username", "x"),
            P("start", "0"),
            P("count", "100"),
            P(
                "return_columns",
                "cookie_duration,cost_type,cost_flat,groups,active",
                note="the vendor's column names",
            ),
        ),
    ),
    Endpoint(
        "POST",
        "/api/offer/add_offer",
        "offer/add-offer",
        (
            P("name", "Offer {n}", required=True),
            P(
                "advertiserid",
                "{advertiserid}",
                note="trackpost's; without it the 'house' advertiser owns the offer",
            ),
            *OFFER,
        ),
        answer="created:offerid",
    ),
    Endpoint(
        "PATCH",
        "/api/offer/edit_offer",
        "offer/edit-offer",
        (
            P("offerid", "{offerid}", required=True),
            P("name", "Renamed {n}"),
            *OFFER,
            P("thumb_url", "https://adv.example/thumb.png"),
            P("force_url", "https://adv.example/force"),
        ),
        answer="edited",
    ),
    Endpoint(
        "PATCH",
        "/api/offer/activate_offer",
        "offer/activate-offer",
        (P("offerid", "{offerid}", required=True),),
        aliases=("GET",),
    ),
    Endpoint(
        "PATCH",
        "/api/offer/pause_offer",
        "offer/pause-offer",
        (
            P("offerid", "{offerid}", required=True),
            P("date_expire", "2999-01-01", note="blank: now"),
            P("expiration_landing_page_id", "{landing_pageid}", note="wins over expire_url"),
            P("expire_url", "https://adv.example/paused"),
        ),
        aliases=("GET",),
    ),
    Endpoint(
        "POST",
        "/api/offer/add_landing_page",
        "offer/add-landing-page",
        (
            P("name", "Page {n}", required=True),
            P("offerid", "{offerid}", required=True),
            P("url", "https://adv.example/p?ch=%%click_hash%%", required=True),
            *LANDING_PAGE,
        ),
        answer="created:landing_pageid",
    ),
    Endpoint(
        "PATCH",
        "/api/offer/edit_landing_page",
        "offer/edit-landing-page",
        (
            P("landing_pageid", "{landing_pageid}", required=True),
            P("name", "Page {n}"),
            P("url", "https://adv.example/p?ch=%%click_hash%%"),
            *LANDING_PAGE,
        ),
        answer="edited",
    ),
    Endpoint(
        "PATCH",
        "/api/offer/set_enabled_affiliates",
        "offer/set-enabled-affiliates",
        (
            P("action", "enable", required=True),
            P("loginids", "{loginid}", required=True, note="or all_users"),
            P("all_users", "0"),
            P("all_landers", "0", note="selectors in the vendor's order; the first sent wins"),
            P("landing_pageids", "{landing_pageid}", required=True),
            P("offerids", "{offerid}"),
            P("advertiser_ids", "{advertiserid}"),
            P("offer_name_like", "offer"),
            P("landing_page_name_like", "page"),
            P("url_like", "example"),
        ),
    ),
    Endpoint(
        "PATCH",
        "/api/offer/store_offer_ips",
        "offer/store-offer-ips",
        (
            P(
                "ips",
                {"postback_ips": "203.0.113.7", "void_ips": ["192.0.2.1"], "hostnpost_ips": ""},
                required=True,
                status=LIMITED,
                note="postback_ips, void_ips (CSV or array); hostnpost_ips is not_supported",
            ),
            P(
                "targets",
                {"offerids": "{offerid}", "landing_pageids": ["{landing_pageid}"]},
                required=True,
            ),
        ),
    ),
    Endpoint(
        "POST",
        "/api/offer/add_tracking_domain",
        "offer/add-tracking-domain",
        (
            P("domain", "https://t{n}.example.com", required=True),
            P("redirect_domain", "https://www.example.com", note="where non-link paths go"),
            P("template_protect", "1", note="non-link paths show a plain error page"),
        ),
    ),
    Endpoint(
        "GET",
        "/api/offer/check_orderid_exists",
        "offer/check-orderid-exists",
        (
            P("orderid", "{sale_orderid}", required=True),
            P(
                "advertiserid",
                "{advertiserid}",
                note="trackpost extension: whether this advertiser holds it (else any)",
            ),
        ),
        world="sale",
        aliases=("GET /api/offer/check_orderid_exsits",),
    ),
    Endpoint(
        "GET",
        "/api/offer/get_conversion_caps",
        "offer/get-conversion-caps",
        (
            P("offerid", "{offerid}"),
            P("loginid", "each", note="all, each or a loginid"),
            P("enabled", "1", note="without enabled or deleted: the enabled caps"),
            P("deleted", "0", note="1: removed caps (remove_conversion_cap)"),
            P(
                "type",
                "Conversions",
                note="Conversions, Dollars, Registrations, Unique Clicks, Clicks, Net Conversions",
            ),
            P("duration", "Day", note="Hour, Day, Week, Month, Year, All Time (the network's)"),
            P("timeframe_restriction", "None", note="None, Weekdays, Weekends, Monday ... Sunday"),
        ),
        notes=(
            "Each cap also carries its status in its current window (usage, remaining, reached, "
            "reached_at); caps are added, edited and removed with trackpost's "
            "add_conversion_cap, edit_conversion_cap and remove_conversion_cap (docs/caps.md).",
        ),
    ),
    Endpoint(
        "GET",
        "/track/{code}",
        "general/tracking-code",
        (
            P("subaff", "s1"),
            P(
                "subaff1",
                "s1",
                status=RULE,
                note=RULE_NOTE + ": alias of subaff; two different values are 400",
            ),
            *(P(f"subaff{i}", f"s{i}") for i in range(2, 6)),
            P("subids", "a,b"),
            P("_ocid", "ext-1"),
            P("cust_var", "xyz", status=RULE, note=RULE_NOTE + ": fills %%cust_var%%"),
        ),
        answer="redirect",
        aliases=("POST", "HEAD"),
    ),
    Endpoint(
        "GET",
        "/signup/process_pixel.php",
        "general/tracking (Offerit postback examples)",
        (
            P("click_hash", "{click_hash}", required=True, note="or ocode"),
            P("ocode", "", note="the linkcode, when no click hash is known"),
            P("subscription_id", "sub-{n}"),
            P("amount", "9.95", note="a decimal in the base currency"),
            P("orderid", "pix-{n}"),
            P("transid", "", note="synonym of click_hash"),
            P("gross", "", note="synonym of amount"),
            *(
                P(n, v)
                for n, v in (
                    ("firstname", "Ada"),
                    ("lastname", "L"),
                    ("address1", "1 Main St"),
                    ("address2", "Flat 2"),
                    ("city", "London"),
                    ("state", "LDN"),
                    ("zip", "SW1A"),
                    ("country", "UK"),
                    ("email", "ada{n}@example.com"),
                    ("phone", "+44 20"),
                )
            ),
            *CUSTOM,
            P("type", "conversion", note="initial, continuity, refund, cancel, expire"),
            P(
                "ip",
                "203.0.113.9",
                note="the customer's IP (matching by IP alone is not supported)",
            ),
            P(
                "goal_id",
                "1",
                status=RULE,
                note=RULE_NOTE + ": a goal the offer does not have is refused and books nothing",
            ),
        ),
        answer="pixel",
        aliases=("POST",),
    ),
    Endpoint(
        "GET",
        "/signup/process_void.php",
        "Offerit: Void Conversions Remotely",
        (
            P("orderid", "{sale_orderid}", required=True),
            P("type", "void"),
            P("cost", "", note="a chargeback's fee, a decimal in the base currency"),
            P("reverse", "0"),
            P("approved", "0", note="the remote script's flag: 1 voids an approved sale only"),
            P("advertiserid", "{advertiserid}", note="trackpost extension: whose orderid it is"),
        ),
        answer="message",
        world="sale",
        aliases=("POST",),
    ),
)
