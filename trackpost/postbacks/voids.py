"""The remote void script /signup/process_void.php: void, chargeback or reversal by orderid,
from the global void list or the landing page's void_ips only (both empty: no one)."""

from __future__ import annotations

from sqlalchemy import Connection

from trackpost.core.origin import Origin
from trackpost.iplists.rules import IpListCache
from trackpost.postbacks import repository as repo
from trackpost.postbacks.params import RemoteVoidParams
from trackpost.postbacks.sender import global_void_allowed, void_allowed, void_refused
from trackpost.transactions import service as txns
from trackpost.transactions.errors import InvalidTransaction
from trackpost.transactions.lookup import TransactionLookup, find_transaction

SUCCESS = {"result": "success", "message": "*success*"}


def process_void(
    conn: Connection, post: RemoteVoidParams, origin: Origin, lists: IpListCache
) -> dict[str, str]:
    """Apply a remote void post; answers like /api/transaction/process_void."""
    global_lists = lists.get(conn)
    try:
        txn = find_transaction(conn, TransactionLookup(orderid=post.orderid))
    except InvalidTransaction:
        # Only a sender the global list admits may learn that an orderid does not exist.
        if not global_void_allowed(origin, global_lists):
            raise void_refused(origin, None) from None
        raise
    page_ips = repo.void_ips(conn, txn["landing_pageid"])
    if not void_allowed(origin, global_lists, page_ips):
        raise void_refused(origin, txn["landing_pageid"])
    custom = post.custom()
    if post.reverse:
        txns.reverse(conn, txn, origin, custom=custom)
    elif post.type == "chargeback":
        txns.chargeback(conn, txn, origin, cost=post.cost or 0, custom=custom)
    else:
        txns.void(conn, txn, origin, approved=post.approved, custom=custom)
    return SUCCESS
