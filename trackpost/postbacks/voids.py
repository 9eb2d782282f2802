"""The remote void script /signup/process_void.php: void, chargeback or reversal by orderid,
from the global void list or the landing page's void_ips only (both empty: no one)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field, WithJsonSchema
from pydantic.json_schema import SkipJsonSchema
from sqlalchemy import Connection

from trackpost.core.errors import InvalidParameter, MissingParameter, TrackpostError
from trackpost.core.fields import FALSE_WORDS, TRUE_WORDS, is_true
from trackpost.core.origin import Origin
from trackpost.iplists.rules import IpListCache
from trackpost.postbacks import repository as repo
from trackpost.postbacks.fields import MAX_KEY, IdParam, TransCustom, string_doc, text
from trackpost.postbacks.params import Post
from trackpost.postbacks.sender import global_void_allowed, void_allowed, void_refused
from trackpost.transactions import service as txns
from trackpost.transactions.ledger import CUSTOM_FIELDS
from trackpost.transactions.money import decimal_cents
from trackpost.transactions.service import TransactionLookup

SUCCESS = {"result": "success", "message": "*success*"}


def _orderid(value: object) -> str:
    found = text("orderid", value, MAX_KEY)
    if found is None:
        raise MissingParameter("Missing required parameter 'orderid'.")
    return found


def _flag(name: str) -> BeforeValidator:
    return BeforeValidator(lambda value: is_true(text(name, value, 32) or ""))


def _approved(value: object) -> str | None:
    found = text("approved", value, MAX_KEY)
    if found is None or found.strip().lower() in FALSE_WORDS:
        return None
    return found.strip()


def _void_kind(value: object) -> str:
    kind = (text("type", value, 32) or "void").strip().lower()
    if kind not in ("void", "chargeback"):
        raise InvalidParameter(f"Parameter 'type' must be void or chargeback, got {kind[:32]!r}.")
    return kind


def _cost(value: object) -> int | None:
    found = text("cost", value, 32)
    return decimal_cents("cost", found) if found else None


class RemoteVoidParams(Post):
    """What /signup/process_void.php reads; names it does not know are ignored."""

    orderid: Annotated[str, BeforeValidator(_orderid), WithJsonSchema({"type": "string"})] = Field(
        description="the orderid of the transaction to void or charge back"
    )
    type: Annotated[
        str,
        BeforeValidator(_void_kind),
        WithJsonSchema({"type": "string", "enum": ["void", "chargeback"]}),
    ] = "void"
    cost: Annotated[int | None, BeforeValidator(_cost), string_doc(32)] = Field(
        None,
        description="chargeback fee charged to the affiliate, a decimal in the base currency (15.00)",
    )
    reverse: Annotated[bool, _flag("reverse"), string_doc(32)] = Field(
        False, description="1 undoes the newest void or chargeback"
    )
    approved: Annotated[str | None, BeforeValidator(_approved), string_doc(MAX_KEY)] = Field(
        None,
        description="the initial transaction's identifier (transaction hash or orderid), which "
        "must name the orderid's sale; or 1: void only an approved sale",
    )
    advertiserid: IdParam = Field(
        None,
        description="whose orderid it is: orderids are unique per advertiser, so an orderid "
        "several advertisers hold needs it (else 409 ambiguous_orderid)",
    )
    # Read like the API's, though the vendor's page for this script does not list them.
    trans_custom1: SkipJsonSchema[TransCustom] = None
    trans_custom2: SkipJsonSchema[TransCustom] = None
    trans_custom3: SkipJsonSchema[TransCustom] = None
    trans_custom4: SkipJsonSchema[TransCustom] = None
    trans_custom5: SkipJsonSchema[TransCustom] = None

    def custom(self) -> dict[str, str]:
        """The trans_custom values sent, for the ledger row."""
        return {n: v for n in CUSTOM_FIELDS if (v := getattr(self, n)) is not None}


def process_void(
    conn: Connection, post: RemoteVoidParams, origin: Origin, lists: IpListCache
) -> dict[str, str]:
    """Apply a remote void post; answers like /api/transaction/process_void."""
    global_lists = lists.get(conn)
    adv = post.advertiserid
    try:
        txn = txns.find_by_orderid_or_none(conn, post.orderid, adv)
    except TrackpostError:
        # Ambiguous: only a sender the global list admits may learn that.
        if not global_void_allowed(origin, global_lists):
            raise void_refused(origin, None) from None
        raise
    if txn is None:
        # Only a sender the global list admits may learn that an orderid does not exist.
        if not global_void_allowed(origin, global_lists):
            raise void_refused(origin, None)
        txn = txns.find_by_orderid(conn, post.orderid, adv)
    page_ips = repo.void_ips(conn, txn["landing_pageid"])
    if not void_allowed(origin, global_lists, page_ips):
        raise void_refused(origin, txn["landing_pageid"])
    approved = post.approved
    if approved is not None and approved.lower() not in TRUE_WORDS:
        # The vendor's `approved` names the initial transaction: it must be this one.
        lookup = TransactionLookup(orderid=post.orderid, approved=approved, advertiserid=adv)
        txns.find_sale(conn, lookup)
    custom = post.custom()
    if post.reverse:
        txns.reverse(conn, txn, origin, custom=custom)
    elif post.type == "chargeback":
        txns.chargeback(conn, txn, origin, cost=post.cost or 0, custom=custom)
    else:
        txns.void(conn, txn, origin, approved=approved is not None, custom=custom)
    return SUCCESS
