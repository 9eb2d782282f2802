"""Who sent a post, and the IP rule that admits it: the global lists plus the landing page's own."""

from __future__ import annotations

import logging
from typing import NamedTuple

from sqlalchemy import Connection

from trackpost.caps.service import CapGate
from trackpost.commissions.service import Policy, RulesCache
from trackpost.core.net import in_networks
from trackpost.core.origin import Origin
from trackpost.iplists import rules
from trackpost.iplists.rules import IpListCache, IpLists
from trackpost.postbacks.errors import PostbackRefused, VoidRefused

log = logging.getLogger("trackpost.postbacks")


class Sender(NamedTuple):
    """A post's sender: who and where (the request's origin), what it posted, the worker's lists."""

    origin: Origin
    fingerprint: str
    lists: IpListCache
    rules: RulesCache
    policy: Policy
    # The worker's caps by offer (the click gate's cache): bookings count toward them.
    caps: CapGate | None = None

    @property
    def ip(self) -> str:
        return self.origin.source_ip or ""


def check_sender(
    sender: Sender,
    lists: IpLists,
    landing_pageid: int | None,
    landing_page_ips: str | None,
    what: str,
) -> None:
    """403 unless the global list or the landing page's list admits the sender (or both are empty)."""
    if rules.post_allowed(sender.ip, lists, landing_page_ips):
        return
    refuse(sender, landing_pageid, what)


def check_global(conn: Connection, sender: Sender, what: str) -> None:
    """403 unless the global list alone admits the sender (an empty list admits anyone)."""
    if not rules.global_post_allows(sender.ip, sender.lists.get(conn)):
        refuse(sender, None, what)


def refuse(sender: Sender, landing_pageid: int | None, what: str) -> None:
    # Only the path's facts are logged: a post's parameters may carry a customer's password.
    log.warning(
        "postback refused ip=%s kind=%s landing_pageid=%s request_id=%s",
        sender.ip,
        what,
        landing_pageid,
        sender.origin.request_id,
    )
    page = f" for landing page {landing_pageid}" if landing_pageid else ""
    raise PostbackRefused(
        f"Postbacks are not accepted from {sender.ip}{page}: the address is on neither the "
        "global postback list nor the landing page's postback_ips."
    )


def void_refused(origin: Origin, landing_pageid: int | None) -> VoidRefused:
    """The 403 of a remote void from an address no void list admits."""
    ip = origin.source_ip or ""
    log.warning(
        "remote void refused ip=%s landing_pageid=%s request_id=%s",
        ip,
        landing_pageid,
        origin.request_id,
    )
    return VoidRefused(
        f"Remote voids are not accepted from {ip}: the address is on neither the global void "
        "list nor the landing page's void_ips (both empty means no one may void)."
    )


def global_void_allowed(origin: Origin, lists: IpLists) -> bool:
    """Whether the global void list alone admits the sender (an empty list admits no one)."""
    return in_networks(origin.source_ip or "", lists.void)


def void_allowed(origin: Origin, lists: IpLists, landing_page_ips: str | None) -> bool:
    """Whether the global void list or the landing page's void_ips admits the sender."""
    return rules.void_allowed(origin.source_ip or "", lists, landing_page_ips)
