"""How the console shows values: money, times, statuses; and the notices after a change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from trackpost.core.fields import cents_text


def money(value: Any) -> str:
    """Integer cents as '49.00'; a decimal string (an API's answer) is shown as it is."""
    if value is None or value == "":
        return ""
    if isinstance(value, int):
        return cents_text(value) or ""
    return str(value)


def when(value: Any) -> str:
    """A UTC time as '2026-03-01 14:05 UTC'."""
    if value is None or value == "":
        return ""
    if isinstance(value, (int, float)):
        value = dt.datetime.fromtimestamp(value, dt.UTC)
    if isinstance(value, str):
        text = value
        try:
            value = dt.datetime.fromisoformat(text)
        except ValueError:
            return text
    if isinstance(value, dt.datetime):
        return str(value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"))
    return str(value)


def day(value: Any) -> str:
    """A date, or a time (or an API's ISO 8601 text of one) as its UTC day."""
    if isinstance(value, str) and "T" in value:
        text: str = value
        try:
            value = dt.datetime.fromisoformat(text).astimezone(dt.UTC)
        except ValueError:
            return text
    if isinstance(value, (dt.datetime, dt.date)):
        return value.strftime("%Y-%m-%d")
    return "" if value is None else str(value)


def blank(value: Any) -> str:
    """None as an empty string (form values)."""
    return "" if value is None else str(value)


FILTERS: dict[str, Callable[[Any], str]] = {
    "money": money,
    "when": when,
    "day": day,
    "blank": blank,
}

# Notices a redirect may name (?notice=locked): fixed sentences, so a link cannot put words on
# the page.
NOTICES = {
    "locked": "The customer is locked.",
    "unlocked": "The customer is unlocked.",
    "saved": "Saved.",
    "voided": "The transaction was voided.",
    "charged_back": "The transaction was charged back.",
    "reversed": "The void or chargeback was reversed.",
    "approved": "The transaction was approved.",
    "created": "Created.",
    "paused": "The offer is paused.",
    "activated": "The offer is active.",
    "signed_out": "You are signed out.",
    "ip_added": "The address was added.",
    "ip_removed": "The address was removed.",
    "disabled": "The account is disabled.",
    "enabled": "The account is enabled.",
    "retried": "The delivery is queued to be sent again.",
    "resumed": "The destination is active again; what waited for it goes out now.",
    "stored": "The payment is stored.",
    "paid": "The payment is marked paid.",
    "adjusted": "The adjustment was added.",
    "invoiced": "The invoice was added; it is paid with the affiliate's next payment.",
    "webhook_saved": "The webhook endpoint was saved.",
    "webhook_removed": "The webhook endpoint was removed.",
    "postback_removed": "The postback was removed.",
    "postback_test": "The postback is queued once with sample values; the delivery log shows it.",
    "webhook_test": "A webhook.test message is queued; it shows in the delivery log.",
    "cap_added": "The cap was added; it applies from the next click.",
    "cap_saved": "The cap was saved; it applies from the next click.",
    "cap_removed": "The cap was removed.",
}
