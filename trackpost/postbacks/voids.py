"""The remote void script /signup/process_void.php: void, chargeback or reversal by orderid,
from the global void list or the landing page's void_ips only (both empty: no one)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection

from trackpost.core.errors import InvalidParameter, MissingParameter
from trackpost.core.net import in_networks
from trackpost.iplists.rules import IpListCache, void_allowed
from trackpost.postbacks import repository as repo
from trackpost.postbacks.common import log
from trackpost.postbacks.errors import VoidRefused
from trackpost.postbacks.params import custom_params, text_param
from trackpost.transactions import service as txns
from trackpost.transactions.errors import InvalidTransaction
from trackpost.transactions.lookup import TransactionLookup, find_transaction
from trackpost.transactions.money import decimal_cents

SUCCESS = {"result": "success", "message": "*success*"}
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
ADVERTISER = "advertiser"


def _refused(ip: str, landing_pageid: int | None, request_id: str | None) -> VoidRefused:
    log.warning(
        "remote void refused ip=%s landing_pageid=%s request_id=%s", ip, landing_pageid, request_id
    )
    return VoidRefused(
        f"Remote voids are not accepted from {ip}: the address is on neither the global void "
        "list nor the landing page's void_ips (both empty means no one may void)."
    )


def process_void(
    conn: Connection,
    params: Mapping[str, Any],
    *,
    ip: str,
    request_id: str | None,
    lists: IpListCache,
) -> dict[str, str]:
    """Apply a remote void post; answers like /api/transaction/process_void."""
    orderid = text_param(params, "orderid")
    if orderid is None:
        raise MissingParameter("Missing required parameter 'orderid'.")
    kind = (text_param(params, "type", 32) or "void").strip().lower()
    if kind not in ("void", "chargeback"):
        raise InvalidParameter(f"Parameter 'type' must be void or chargeback, got {kind[:32]!r}.")
    reverse = (text_param(params, "reverse", 32) or "").strip().lower() in TRUE_WORDS
    approved = (text_param(params, "approved", 32) or "").strip().lower() in TRUE_WORDS
    cost_text = text_param(params, "cost", 32)
    cost = decimal_cents("cost", cost_text) if cost_text else 0
    custom = custom_params(params)
    global_lists = lists.get(conn)
    try:
        txn = find_transaction(conn, TransactionLookup(orderid=orderid))
    except InvalidTransaction:
        # Only a sender the global list admits may learn that an orderid does not exist.
        if not in_networks(ip, global_lists.void):
            raise _refused(ip, None, request_id) from None
        raise
    page_ips = repo.void_ips(conn, txn["landing_pageid"])
    if not void_allowed(ip, global_lists, page_ips):
        raise _refused(ip, txn["landing_pageid"], request_id)
    if reverse:
        txns.reverse(conn, txn, source=ADVERTISER, custom=custom)
    elif kind == "chargeback":
        txns.chargeback(conn, txn, source=ADVERTISER, cost=cost, custom=custom)
    else:
        txns.void(conn, txn, source=ADVERTISER, approved=approved, custom=custom)
    return SUCCESS
