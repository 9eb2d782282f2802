"""What a click, a unique visitor or a thousand impressions earn, for the stats counters."""

from __future__ import annotations

from trackpost.commissions.change import DISABLE, Event
from trackpost.commissions.rules import Rules


def click_payout(rules: Rules, event: Event, *, unique: bool) -> tuple[int, int]:
    """(cents, changeid) one raw click (or unique visitor) earns: for the stats counters."""
    for change in rules.changes_for(event.offerid, 0):
        amount = change.click_terms(unique)
        if amount is not None and change.matches(event):
            return amount, change.changeid
    money = rules.offer(event.offerid)
    return (money.flat_visitor if unique else money.flat_click) or 0, 0


def cpm_rate(rules: Rules, event: Event) -> tuple[int, int]:
    """(cents per 1,000 impressions, changeid) for the stats counters."""
    for change in rules.changes_for(event.offerid, 0):
        cpm = 0 if change.type == DISABLE else change.cpm
        if cpm is not None and change.matches(event):
            return cpm, change.changeid
    return rules.offer(event.offerid).cpm or 0, 0
