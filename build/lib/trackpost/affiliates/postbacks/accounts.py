"""Affiliate signup and account-change postbacks: the network's URLs, told of every affiliate.

The vendor's POST_ACCOUNT_SIGNUP and POST_ACCOUNT_CHANGES (reference §5.3): admin-level, not an
affiliate's own, so they are stored with loginid 0 and narrowed by nothing; each may wait 12, 24
or 48 hours (`delay_hours`). The affiliate's account fields are sent as request variables (the
query string of a GET, the form body of a POST without a body template) and fill the URL's
%%variables%% too. Passwords and API keys are never sent: trackpost keeps only their hashes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Connection, RowMapping

from trackpost.accounts import service as accounts
from trackpost.affiliates.postbacks import repository as repo
from trackpost.affiliates.postbacks.errors import PostbackNotAllowed
from trackpost.core.errors import MissingParameter
from trackpost.core.fields import cents_text, iso
from trackpost.delivery.service import NewDelivery
from trackpost.delivery.templates import body_context, parse, parse_url
from trackpost.events.service import StoredEvent

KIND = "postback"
NETWORK = 0  # the loginid of the network's own (admin-level) postbacks
CREATED, UPDATED = "affiliate.created", "affiliate.updated"
EVENTS = {CREATED: "account_signup", UPDATED: "account_change"}
DELAYS = (0, 12, 24, 48)
# The account fields sent, in the vendor's names where it has one (affiliate_email, zip).
_FIELDS = (
    "loginid",
    "username",
    "type",
    "status",
    "join_date",
    "join_ip",
    "payvia_type_id",
    "inhouse",
    "firstname",
    "lastname",
    "company",
    "affiliate_email",
    "url",
    "tel",
    "address1",
    "address2",
    "city",
    "state",
    "zip",
    "country",
    "minimum_payout",
    "custom1",
    "custom2",
    "custom3",
    "custom4",
    "custom5",
    "ref_loginid",
)


def is_account_event(event: str | None) -> bool:
    return event in EVENTS.values()


def check_scope(values: Mapping[str, Any]) -> None:
    """Account postbacks are the network's, unnarrowed server postbacks; others are an
    affiliate's and never wait."""
    if is_account_event(values.get("event")):
        if values.get("loginid"):
            raise PostbackNotAllowed(
                "Parameter 'loginid': signup and account-change postbacks are the network's, "
                "told of every affiliate; send no loginid."
            )
        for name in ("offerid", "campaignid", "goal_id"):
            if values.get(name) is not None:
                raise PostbackNotAllowed(
                    f"Parameter '{name}': an account postback is not narrowed to an offer."
                )
        if values.get("kind", "postback") != "postback":
            raise PostbackNotAllowed("Parameter 'type': an account postback is a server postback.")
        return
    if not values.get("loginid"):
        raise MissingParameter(
            f"Missing required parameter 'loginid' (the affiliate of a {values.get('event')} "
            "postback)."
        )
    if values.get("delay_hours"):
        raise PostbackNotAllowed(
            "Parameter 'delay_hours' applies to account postbacks (account_signup, "
            "account_change) only."
        )


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def snapshot(row: Mapping[Any, Any]) -> dict[str, str | None]:
    """The account as its postbacks send it, taken when the change is recorded (a delayed
    postback still tells the account as it was then); no password, no key."""
    fields: dict[str, Any] = {
        **{k: row.get(k) for k in _FIELDS},
        "affiliate_email": row["email"],
        "zip": row["zip_code"],
        "join_date": iso(row["join_date"]),
        "minimum_payout": cents_text(row["minimum_payout"]),
    }
    return {k: _text(fields[k]) for k in _FIELDS}


def account_values(
    account: Mapping[str, str | None], event: StoredEvent, name: str
) -> dict[str, str | None]:
    """The request variables of one affiliate's account."""
    values = {k: account.get(k) for k in _FIELDS}
    values.update(
        aff_id=values["loginid"],
        aff_username=values["username"],
        event=name,
        event_id=str(event.id),
        timestamp=str(int(event.created_at.timestamp())),
        changed=",".join(event.payload.get("changed") or []),
    )
    return values


def _delivery(
    pb: RowMapping, values: dict[str, str | None], event: StoredEvent, name: str
) -> NewDelivery:
    sent = {k: v for k, v in values.items() if v is not None}
    url = parse_url(pb["url"], "url").render(values, "url")
    body = content_type = None
    if pb["body"] is not None:
        context = body_context(pb["body"])
        body = parse(pb["body"], "body").render(values, context)
        content_type = (
            "application/json" if context == "json" else "application/x-www-form-urlencoded"
        )
    elif pb["method"] == "POST":
        body, content_type = urlencode(sent), "application/x-www-form-urlencoded"
    else:
        url += ("&" if "?" in url else "?") + urlencode(sent)
    return NewDelivery(
        kind=KIND,
        subscription_id=int(pb["postbackid"]),
        event=event,
        event_type=name,
        method=pb["method"],
        url=url,
        body=body,
        content_type=content_type,
        loginid=int(event.payload["loginid"]),
        delay_seconds=3600.0 * int(pb["delay_hours"] or 0),
    )


def fan_out(
    conn: Connection, events: Sequence[StoredEvent], enabled: Callable[[int, str], bool]
) -> list[NewDelivery]:
    """The network's account postbacks for affiliates created or changed; `enabled(loginid,
    event)` is the admin's switch."""
    named = [(e, EVENTS[e.type]) for e in events if e.type in EVENTS]
    if not named:
        return []
    subs = [
        pb for pb in repo.for_affiliates(conn, [NETWORK], KIND) if is_account_event(pb["event"])
    ]
    out: list[NewDelivery] = []
    for event, name in named:
        loginid = int(event.payload["loginid"])
        wanted = [pb for pb in subs if pb["event"] == name and enabled(loginid, name)]
        if not wanted:
            continue
        account = event.payload.get("account")
        if account is None:  # recorded without its account: as it is now
            row = accounts.get_login(conn, loginid)
            if row is None:
                continue
            account = snapshot(row)
        values = account_values(account, event, name)
        out.extend(_delivery(pb, values, event, name) for pb in wanted)
    return out
