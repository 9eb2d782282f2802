"""The vendor's documented endpoints and parameters, transcribed from the reference
(shared/reference/trackfinity-api.md), with what trackpost does with each.

This is data: tests/compat/test_vendor_endpoints.py sends every parameter as the vendor's PHP
client and as Python `requests` would, and `python -m tests.compat.table` renders it into
docs/compatibility.md. A sample is a value as a client sends it; "{name}" is filled with a
fresh record of the test world (see tests/compat/world.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ACCEPTED = "accepted"  # it does what the reference says
STORED = "stored"  # kept and returned; trackpost has no such concept yet
LIMITED = "limited"  # accepted; some values are refused with 400 not_supported (note says why)
PART_B = "part B"  # issue #21 part B makes it behave as documented (xfail until then)


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
NOT_BLOCKING = "accepted as stored; its enforcement is another #21 part's"
OFFER = (
    P("offer_description", "Winter deal"),
    P("hidden", "0"),
    P("date_live", "2026/03/20"),
    P("date_expire", "2999-12-31", note="strtotime text or unix time; REMOVE clears"),
    P("featured", "1"),
    P("expire_url", "https://adv.example/sold-out", note="REMOVE clears"),
    P("expire_landing_pageid", "{landing_pageid}", note="0 clears"),
    P("no_personal_member_info", "0"),
    P("subject_lines", ["Save now", "Last chance"], status=STORED),
    P("from_addresses", "deals@adv.example", status=STORED),
    P("ip_lookup", "0", status=STORED, note=NOT_BLOCKING + " (part B: matching by IP)"),
    P(
        "ip_uniqueness_seconds",
        "3600",
        status=STORED,
        note=NOT_BLOCKING + " (the statistics work: unique clicks)",
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
        status=LIMITED,
        note="post only: iframe and image are 400 not_supported (no cookie-based conversions)",
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
PART_B_NOTE = "#21 part B"

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", "/api/service/ping", "api-overview", answer="message"),
    Endpoint(
        "PATCH",
        "/api/customer/lock",
        "customer/lock-customer",
        (*LOOKUP, P("orderid", "{customer_orderid}")),
        answer="true",
    ),
    Endpoint(
        "PATCH",
        "/api/customer/unlock",
        "customer/unlock-customer",
        (*LOOKUP, P("orderid", "{customer_orderid}")),
        answer="true",
    ),
    Endpoint(
        "PATCH",
        "/api/customer/set_customer_details",
        "customer/set-customer-details",
        (
            *LOOKUP,
            P("firstname", "Grace", required=True, note="REMOVE clears any field but password"),
            P("lastname", "Hopper"),
            P("email", "grace@example.com"),
            P("username", "grace{n}"),
            P("password", "Grace-pass-1234"),
            P("address1", "2 Side Street"),
            P("address2", "Unit 4"),
            P("city", "Paris"),
            P("state", "IDF"),
            P("country", "FR"),
            P("zip", "75001"),
            *CUSTOM,
            P("phone", "+33 1 00 00 00 00", note="the customer record's own field"),
            P("status", "active", note="active, inactive, cancelled, expired"),
        ),
        answer="true",
    ),
    Endpoint(
        "GET",
        "/api/transaction/transaction_payout_preview",
        "transaction/payout-preview",
        missing="commissions are not built yet (issue: commissions and goals)",
    ),
    Endpoint(
        "POST",
        "/api/transaction/process_void",
        "transaction/process-void",
        (
            *SALE_KEYS,
            *TRANS_CUSTOM,
            P("type", "void"),
            P(
                "approved",
                "{sale_orderid}",
                status=PART_B,
                note=PART_B_NOTE + ": the initial transaction's identifier, not a flag",
            ),
        ),
        world="sale",
    ),
    Endpoint(
        "POST",
        "/api/transaction/process_chargeback",
        "transaction/process-chargeback",
        (
            *SALE_KEYS,
            *TRANS_CUSTOM,
            P("type", "chargeback", required=True),
            P("cost", "15.00", note="a decimal in the base currency"),
        ),
        world="sale",
    ),
    Endpoint(
        "POST",
        "/api/transaction/process_reversal",
        "transaction/process-reversal",
        (*SALE_KEYS, *TRANS_CUSTOM, P("reverse", "TRUE", required=True), P("type", "void")),
        world="voided_sale",
    ),
    Endpoint(
        "POST",
        "/api/transaction/approve_pending_transaction",
        "transaction/approve-pending-transaction",
        (
            P("transaction_hash", "{sale_hash}", required=True, note="any one key is needed"),
            P("orderid", "{sale_orderid}"),
            P("transactionid", "{sale_id}"),
        ),
        world="pending_sale",
    ),
    Endpoint(
        "PATCH",
        "/api/transaction/transaction_update_revenue_by_orderid",
        "transaction/update-revenue-by-orderid",
        (
            P("amount", "2500", required=True, note="integer cents, as the vendor documents"),
            P("orderid", "{sale_orderid}", required=True),
        ),
        world="sale",
        aliases=("POST",),
    ),
    Endpoint(
        "PATCH",
        "/api/transaction/transaction_update_revenue_by_transaction_hash",
        "transaction/update-revenue-by-transaction-hash",
        (
            P("amount", "2500", required=True, note="integer cents, as the vendor documents"),
            P("transaction_hash", "{sale_hash}", required=True),
        ),
        world="sale",
        aliases=("POST",),
    ),
    Endpoint(
        "GET",
        "/api/report/profitloss",
        "reporting/profit-loss-report",
        missing="the statistics work is building it; /api/service/profitloss (the page's URL "
        "cell) will be its alias",
    ),
    Endpoint(
        "GET",
        "/api/report/transaction",
        "reporting/transaction-report",
        (
            P("period", "8"),
            P("start", "2026-01-01"),
            P("end", "2999-12-31"),
            P("filter_affiliate", "{loginid}"),
            P("filter_loginid", "{loginid}"),
            P("filter_campaignid", "0"),
            P("filter_offerid", "{offerid}"),
            P("filter_landingpageid", "{landing_pageid}"),
            P("filter_adtoolid", "0"),
            P("filter_programid", "0"),
            P(
                "filter_countryid",
                "0",
                note="no transaction records a country: any but 0 matches none",
            ),
            P("no_inhouse", "1"),
            P("trans_type", "advertiser_initial"),
            P("filter_external_clickid", "abc"),
            P("filter_transaction_hash", "{sale_hash}"),
            P("filter_orderid", "{sale_orderid}"),
            P("trans_start", "0"),
            P("trans_count", "100"),
        ),
        answer="object",
        world="sale",
    ),
    *(
        Endpoint(
            "POST",
            f"/api/config/{action}_global_{word}_ip",
            f"config/{action}-global-{word}-ip",
            (P("ip", "203.0.113.99", required=True),),
            aliases=("GET",),
        )
        for word in ("void", "post")
        for action in ("add", "remove")
    ),
    Endpoint(
        "GET",
        "/api/affiliate/search",
        "affiliate/search-affiliate",
        (
            P("loginid", "{loginid}"),
            P("password", "{aff_username}", note="the reference's misprint of username"),
            P("email", "{aff_username}@ex.com"),
            *ids("firstname", "lastname", "city", "country", "company", "state"),
            P("address", "Main", note="a fragment of address1 or address2"),
            P("deleted", "0", note="nothing is deleted: 1 matches none"),
            P("aim", "aim"),
            P("icq", "123"),
            P("inhouse", "0"),
            P("join_count", "5", note="below this many conversions (stats period)"),
            P("join_date", "2999-01-01"),
            P("join_range", "0", note="1: join_date means after it"),
            P("login_date", "", note="no affiliate login is recorded: a date matches none"),
            P("login_ip", "", note="no affiliate login is recorded: an IP matches none"),
            P("login_range", "0"),
            P("min_pay", "100.00", note="base currency; below it (pay_range=1: at least)"),
            P("name", "Ada"),
            P("trackingcode", "{ocode}"),
            P("orderby", "loginid"),
            P("pay_range", "0"),
            P("payvia_details", "Pay"),
            P("payvia_type_id", "1"),
            P("ratio", "10", note="below this many clicks per conversion"),
            P("raw_clicks", "10", note="below this many clicks"),
            P("continuity_count", "10"),
            P("refid", "{loginid}"),
            P("ref", "{loginid}", note="loginid or tracking code"),
            P("void_count", "10"),
            P("sales_rep", "{loginid}", note="affiliates this manager manages"),
            P("start", "0"),
            P("end", "100", note="position after the last row"),
            P("stats_period", "8"),
            P("stats_start", "2026-01-01"),
            P("stats_end", "2999-12-31"),
            P("status", "0"),
            P("total_earned", "100.00", note="below this payout (base currency)"),
            P("total", "100.00", note="below this revenue (base currency)"),
            P("type", "affiliate"),
            P("unq_clicks", "10"),
            P("url", "example"),
            P("return_payvia_info", "1"),
            P("return_referred_info", "1"),
            P("return_referring_info", "1"),
        ),
        answer="object",
        notes=(
            "The statistics filters keep accounts below the value, the vendor's rule for "
            "join_count and ratio, over stats_period (default all time).",
        ),
    ),
    Endpoint(
        "GET",
        "/api/affiliate/get_links",
        "affiliate/get-links",
        (
            P("loginid", "{loginid}", required=True),
            *LINK,
            P("get_countries", "1", note="no country rules exist: every country is authorized"),
            P("get_commission", "1"),
            P("get_hidden", "2"),
            P("get_hidden_offers", "2"),
            P("get_advertiser", "1"),
        ),
    ),
    Endpoint(
        "GET",
        "/api/affiliate/get_single_link",
        "affiliate/get-single-link",
        (
            P("loginid", "{loginid}", required=True),
            P("offerid", "{offerid}", required=True, note="or landing_pageid"),
            *LINK[1:],
        ),
    ),
    Endpoint(
        "POST",
        "/api/affiliate/add_affiliate",
        "affiliate/add-affiliate",
        (
            P("username", "compat_aff{n}", required=True),
            P("password", "Aff-pass-1234", required=True),
            P("payvia", "1", required=True),
            P("payvia_info", {"0": {"field": "Pay To", "value": "Ada"}}),
            P("email", "compat_aff{n}@ex.com", required=True),
            *CONTACT,
            P("skype", "ada.skype"),
            P("minimum_payout", "50.00", note="base currency"),
            P("status", "0"),
            *CUSTOM,
        ),
        answer="created:loginid",
        aliases=("POST /api/affiliate/addaffiliate",),
    ),
    Endpoint(
        "PATCH",
        "/api/affiliate/edit_affiliate",
        "affiliate/edit-affiliate",
        (
            P("loginid", "{loginid}", required=True),
            P("password", "Aff-pass-5678"),
            P("payvia", "2"),
            P("email", "edited{n}@ex.com"),
            P("status", "0"),
            *CONTACT,
            P("tax_id_or_ssn", "123-45-6789"),
            P("ref", "{other_affiliate}", note="loginid or tracking code of the referrer"),
            P("minimum_payout", "25.00", note="base currency"),
            *CUSTOM,
            P("affiliate_manager_loginid", "{other_affiliate}", note="adds, never replaces"),
        ),
        answer="edited",
    ),
    Endpoint(
        "PATCH",
        "/api/affiliate/payvia",
        "affiliate/payvia-info",
        (
            P("loginid", "{loginid}", required=True),
            P("payvia_type_id", "1", required=True),
            P("payvia_info", [{"field": "Pay To", "value": "Ada"}], required=True),
        ),
        answer="list",
    ),
    Endpoint(
        "GET",
        "/api/affiliate/decode_trackingcode",
        "affiliate/decode-trackingcode",
        (P("ocode", "{ocode}", required=True),),
        answer="object",
    ),
    Endpoint(
        "POST",
        "/api/advertiser/add_advertiser",
        "advertiser/add-advertiser",
        (
            P("username", "compat_adv{n}", required=True),
            P("password", "Adv-pass-1234", required=True),
            P("email", "compat_adv{n}@ex.com", required=True),
            *CONTACT,
            P("ref", "", note="accepted for the shared account fields; an advertiser has none"),
        ),
        answer="created:loginid",
        aliases=("POST /api/affiliate/add_advertiser",),
    ),
    Endpoint(
        "PATCH",
        "/api/advertiser/edit_advertiser",
        "advertiser/edit-advertiser",
        (
            P("loginid", "{advertiserid}", required=True),
            P("email", "adv-edited{n}@ex.com", required=True),
            P("password", "Adv-pass-5678"),
            *CONTACT,
        ),
        answer="edited",
    ),
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
    *(
        Endpoint(method, f"/api/offer/{name}", page, missing="commissions are not built yet")
        for method, name, page in (
            ("GET", "get_commission_changes", "offer/get-commission-changes"),
            ("POST", "add_commission_change", "offer/add-commission-change"),
            ("PATCH", "set_commission_change_payouts", "offer/set-commission-change-payouts"),
        )
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
        "/api/offer/set_offer_goals",
        "offer/set-offer-goals",
        missing="goals are not built yet (issue: commissions and goals)",
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
        (P("orderid", "{sale_orderid}", required=True),),
        world="sale",
        aliases=("GET /api/offer/check_orderid_exsits",),
    ),
    Endpoint(
        "GET",
        "/api/offer/get_conversion_caps",
        "offer/get-conversion-caps",
        missing="caps are not built yet (issue: statistics and caps)",
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
                status=PART_B,
                note=PART_B_NOTE + ": alias of subaff; two different values are 400",
            ),
            *(P(f"subaff{i}", f"s{i}") for i in range(2, 6)),
            P("subids", "a,b"),
            P("_ocid", "ext-1"),
            P("cust_var", "xyz", status=PART_B, note=PART_B_NOTE + ": fills %%cust_var%%"),
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
            P("ip", "203.0.113.9", status=PART_B, note=PART_B_NOTE + ": ip_lookup matching"),
            P("goal_id", "1", status=PART_B, note=PART_B_NOTE + ": refused until goals exist"),
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
        ),
        answer="message",
        world="sale",
        aliases=("POST",),
    ),
)

# Part B's amounts: a sample the vendor's decimal columns take, refused today.
PART_B_VALUES: tuple[tuple[str, str, str, str], ...] = (
    ("/signup/process_pixel.php", "amount", "10.000", "money with any number of decimals"),
    ("/signup/process_pixel.php", "type", "trial", "the vendor's trial transaction type"),
)


def implemented(ep: Endpoint) -> bool:
    return not ep.missing
