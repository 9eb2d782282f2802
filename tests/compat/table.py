"""Render docs/compatibility.md from tests/compat/vendor_params.py.

Run `python -m tests.compat.table` (or `make compat-doc`) after changing the data;
tests/compat/test_table.py fails while the page is stale.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from tests.compat.vendor_params import ACCEPTED, ENDPOINTS, LIMITED, RULE, STORED, Endpoint

PAGE = Path(__file__).resolve().parents[2] / "docs" / "compatibility.md"
STATUS_WORDS = {
    ACCEPTED: "accepted",
    STORED: "stored only",
    LIMITED: "accepted; some values not supported",
    RULE: "accepted; a rule of its own",
}
HEAD = """# Compatibility with the Trackfinity / Offerit API

Generated from `tests/compat/vendor_params.py` by `python -m tests.compat.table` (or
`make compat-doc`); do not edit by hand: `tests/compat/test_table.py` fails while this page
is stale. `tests/compat/test_vendor_endpoints.py` sends every parameter below to every served
endpoint as the vendor's PHP client builds the request (PHP's own `http_build_query`, with a
blank for each field it does not set) and as Python `requests` does, and checks the
documented answer.

Status of a parameter:
- **accepted**: it does what the reference says.
- **stored only**: kept and returned (`get_details` and the like); trackpost has no such
  concept yet, and the note says so.
- **accepted; some values not supported**: the values trackpost cannot honour are refused
  with 400 `not_supported` and a sentence saying why, never kept unused.
- **accepted; a rule of its own**: the note says the rule (a conflict with another parameter,
  a refusal until a feature exists, a macro filled); `test_rules` checks each.

No documented parameter of a served endpoint is refused as unknown.

## Conventions, and where trackpost differs from the vendor (and why)

- **Blank means "not given"** on every endpoint, for every type (ids, flags, text, money): PHP
  clients send an empty string for every field they do not set. A blank never clears and never
  changes a stored value. To clear: `REMOVE` (set_customer_details' word, also for optional
  URLs, dates, IP lists and the offer's stored-only lists) or `0` for an optional id
  (`expire_landing_pageid=0`).
- **PHP arrays** (`x[]=a`, `x[0]=a&x[1]=b`) and comma lists are both accepted wherever a list
  is documented.
- **Money in responses** is always a decimal string in the base currency with two decimals
  (`"49.00"`), in every response, the transaction report included. **Inputs keep the vendor's
  units**: the update-revenue endpoints take integer cents (`amount=2500` is 25.00); postback
  `amount`, chargeback `cost` and every offer amount are decimals in the base currency. Every
  money parameter and field states its unit in the OpenAPI document.
- **Errors** keep real HTTP statuses (400, 404, 409...) with the envelope
  `{"result":"error","code":...,"message":...}`; `TRACKPOST_VENDOR_ERROR_STATUS=200` answers
  business errors with 200 for integrations that treat any other status as a transport
  failure.
- **Unknown parameter names** are a 400 `unknown_parameter` naming the documented name a typo
  probably meant (`frstname`: did you mean `firstname`?), because a silently ignored typo
  answers `true` and changes nothing; `TRACKPOST_UNKNOWN_PARAMS=ignore` drops them instead.
- **Offers without an advertiser**: the vendor requires only `name`; trackpost gives such an
  offer to an advertiser account named `house`, made on first use with no password (it cannot
  log in), so that its customers and postbacks work like any other's.
- **Settings trackpost cannot enforce are refused**, not stored unused: `hostnpost_ips` (no
  host-and-post endpoint), `redirect_hash` (no geo-redirects), `disable_url_sanitization=1` (filled values are
  always URL-encoded), a percentage revenue (`cost_type` other than `flat`, `cost_perc` other
  than 0), `ip_lookup=1` (no conversion is matched by IP alone), and a postback for a goal the
  offer does not have (it books nothing).
- **Orderids are unique per advertiser**, not per install: two advertisers whose billing
  systems number orders alike do not refuse each other's posts. A postback's orderid is its
  own advertiser's (the click's, the customer's). Every admin lookup by orderid
  (`process_void`, `process_chargeback`, `process_reversal`, `approve_pending_transaction`,
  `transaction_update_revenue_by_orderid`, the customer calls, the remote void script) takes
  `advertiserid` (or `offerid`) to say whose; an orderid several advertisers hold, sent
  without it, is 409 `ambiguous_orderid` naming how many hold it, never a pick. The
  transaction report's `filter_orderid` takes `filter_advertiserid` (or `filter_offerid`) the
  same way; `check_orderid_exists` answers for one advertiser with `advertiserid`, else
  whether any holds it.
- **Aliases**: where the reference's examples and headings disagree, both forms are served and
  marked as aliases in the OpenAPI document (listed per endpoint below).
"""


def _sample(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return f"`{text}`" if text else "(blank)"


def _endpoint(ep: Endpoint) -> list[str]:
    lines = [f"### {ep.method} {ep.path}", ""]
    lines.append(f"Vendor page: {ep.page}.")
    if ep.aliases:
        shown = ", ".join(f"`{a}`" if " " in a else f"`{a} {ep.path}`" for a in ep.aliases)
        lines.append(f"Also served as {shown}.")
    lines.extend(ep.notes)
    if not ep.params:
        lines.extend(["", "No parameters.", ""])
        return lines
    lines.extend(["", "| parameter | needed | status | sample | note |", "|---|---|---|---|---|"])
    for p in ep.params:
        needed = "yes" if p.required else ""
        note = p.note.replace("|", "\\|")
        lines.append(
            f"| `{p.name}` | {needed} | {STATUS_WORDS[p.status]} | {_sample(p.sample)} | {note} |"
        )
    lines.append("")
    return lines


def render() -> str:
    served = [ep for ep in ENDPOINTS if not ep.missing and not ep.elsewhere]
    elsewhere = [ep for ep in ENDPOINTS if ep.elsewhere]
    missing = [ep for ep in ENDPOINTS if ep.missing]
    out = [HEAD, "## Endpoints", ""]
    rest = [ep for ep in ENDPOINTS if ep.path.startswith("/api/")]
    rest_served = [ep for ep in rest if not ep.missing]
    out.append(
        f"Listed here: {len(rest)} REST endpoints (the reference's 40, and the two config "
        "siblings it infers from Offerit) and the three public entry points (the click, the "
        f"postback pixel, the remote void script). trackpost serves {len(rest_served)} of the "
        "REST endpoints and all three entry points."
        + (" Not served yet (each answers 404 `unknown_endpoint`):" if missing else "")
    )
    if missing:
        out.append("")
        out.extend(f"- `{ep.method} {ep.path}`: {ep.missing}." for ep in missing)
    if elsewhere:
        out.extend(
            [
                "",
                "Served, with their parameters documented by their own work (not yet in "
                "the tables below):",
                "",
            ]
        )
        out.extend(f"- `{ep.method} {ep.path}`: {ep.elsewhere}." for ep in elsewhere)
    out.extend(["", "## Parameters of the served endpoints", ""])
    for ep in served:
        out.extend(_endpoint(ep))
    return "\n".join(out).rstrip() + "\n"


def main() -> int:
    PAGE.write_text(render())
    sys.stdout.write(f"wrote {PAGE}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
