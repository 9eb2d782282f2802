"""Transaction endpoints at the vendor's paths: void, chargeback, reversal, approval, revenue."""

from __future__ import annotations

from typing import Any

from trackpost.core.http import RequestContext, Router
from trackpost.transactions import service
from trackpost.transactions.lookup import find_transaction
from trackpost.transactions.schemas import (
    EXISTS_RESPONSE,
    MESSAGE_RESPONSE,
    RESULT_ONLY,
    ApproveParams,
    ChargebackParams,
    OrderidParams,
    RevenueByHash,
    RevenueByOrderid,
    ReversalParams,
    VoidParams,
)

router = Router("transaction")
offer_router = Router("offer")
SUCCESS = {"result": "success", "message": "*success*"}
LOOKUP_NOTE = (
    " The transaction is named by transaction_hash (alias click_hash: the click's conversion), "
    "orderid or transactionid; several keys must name the same transaction. An orderid is "
    "unique per advertiser: advertiserid (or offerid) says whose, and an orderid several "
    "advertisers hold, sent without it, is 409 ambiguous_orderid."
)


@router.route(
    "POST",
    "/api/transaction/process_void",
    params=VoidParams,
    summary="Void a sale: remove its revenue and (by default) the affiliate's payout",
    description="A second void of the same sale is 409 void_exists." + LOOKUP_NOTE,
    response=MESSAGE_RESPONSE,
    example=SUCCESS,
    errors=(400, 404, 409),
)
def process_void(ctx: RequestContext, params: VoidParams) -> dict[str, str]:
    """Void by API key; the remote void IP list does not apply."""
    txn = find_transaction(ctx.conn, params.lookup())
    service.void(
        ctx.conn,
        txn,
        ctx.origin,
        approved=params.approved_only(),
        remove_payout=params.remove_payout,
        custom=params.custom(),
    )
    return SUCCESS


@router.route(
    "POST",
    "/api/transaction/process_chargeback",
    params=ChargebackParams,
    summary="Charge back a sale, charging an optional fee (cost) to the affiliate",
    description="type=chargeback is required; cost is in the base currency (15.00)." + LOOKUP_NOTE,
    response=MESSAGE_RESPONSE,
    example=SUCCESS,
    errors=(400, 404, 409),
)
def process_chargeback(ctx: RequestContext, params: ChargebackParams) -> dict[str, str]:
    """Revenue and payout are taken back and the fee is deducted from the affiliate's payout."""
    txn = find_transaction(ctx.conn, params.lookup())
    service.chargeback(
        ctx.conn,
        txn,
        ctx.origin,
        cost=params.cost or 0,
        remove_payout=params.remove_payout,
        custom=params.custom(),
    )
    return SUCCESS


@router.route(
    "POST",
    "/api/transaction/process_reversal",
    params=ReversalParams,
    summary="Reverse a sale's void or chargeback, restoring its revenue and payout",
    description="reverse=TRUE is required." + LOOKUP_NOTE,
    response=MESSAGE_RESPONSE,
    example=SUCCESS,
    errors=(400, 404, 409),
)
def process_reversal(ctx: RequestContext, params: ReversalParams) -> dict[str, str]:
    """The newest void or chargeback is undone exactly, chargeback fee included."""
    txn = find_transaction(ctx.conn, params.lookup())
    service.reverse(ctx.conn, txn, ctx.origin, custom=params.custom())
    return SUCCESS


@router.route(
    "POST",
    "/api/transaction/approve_pending_transaction",
    params=ApproveParams,
    summary="Approve a pending conversion so its revenue and payout count",
    description="Anything but a pending transaction is 409 with message Invalid transaction."
    + LOOKUP_NOTE,
    response=MESSAGE_RESPONSE,
    example={"result": "success", "message": "Transaction approved successfully."},
    errors=(400, 404, 409),
)
def approve_pending_transaction(ctx: RequestContext, params: ApproveParams) -> dict[str, str]:
    """For offers added or edited with pending_conversions=1."""
    txn = find_transaction(ctx.conn, params.lookup())
    service.approve(ctx.conn, txn, ctx.origin)
    return {"result": "success", "message": "Transaction approved successfully."}


@router.route(
    "PATCH",
    "/api/transaction/transaction_update_revenue_by_orderid",
    params=RevenueByOrderid,
    summary="Set the revenue of the sale with this orderid (amount in cents)",
    description="A percentage payout is recomputed from the new revenue; a flat one stays.",
    response=RESULT_ONLY,
    example={"result": "success"},
    errors=(400, 404, 409),
)
def update_revenue_by_orderid(ctx: RequestContext, params: RevenueByOrderid) -> dict[str, str]:
    """amount=2500 is 25.00."""
    txn = find_transaction(ctx.conn, params.lookup())
    service.update_revenue(ctx.conn, txn, params.amount)
    return {"result": "success"}


@router.route(
    "PATCH",
    "/api/transaction/transaction_update_revenue_by_transaction_hash",
    params=RevenueByHash,
    summary="Set the revenue of the click's conversion (amount in cents)",
    description="transaction_hash (alias click_hash) is required. A percentage payout is "
    "recomputed from the new revenue; a flat one stays.",
    response=RESULT_ONLY,
    example={"result": "success"},
    errors=(400, 404, 409),
)
def update_revenue_by_hash(ctx: RequestContext, params: RevenueByHash) -> dict[str, str]:
    """amount=2500 is 25.00."""
    txn = find_transaction(ctx.conn, params.lookup())
    service.update_revenue(ctx.conn, txn, params.amount)
    return {"result": "success"}


@offer_router.route(
    "GET",
    "/api/offer/check_orderid_exists",
    params=OrderidParams,
    summary="Whether a transaction with this orderid exists",
    response=EXISTS_RESPONSE,
    example={"result": "success", "message": "TRUE"},
)
def check_orderid_exists(ctx: RequestContext, params: OrderidParams) -> dict[str, Any]:
    """The message is the string TRUE or FALSE, as the vendor's lineage answers."""
    exists = service.orderid_exists(ctx.conn, params.orderid, params.advertiserid)
    return {"result": "success", "message": "TRUE" if exists else "FALSE"}


# The vendor's update-revenue pages head their examples POST while the tables say PATCH, and
# its check_orderid_exists page spells the path check_orderid_exsits: both forms are served.
for _path in (
    "/api/transaction/transaction_update_revenue_by_orderid",
    "/api/transaction/transaction_update_revenue_by_transaction_hash",
):
    router.alias("POST", _path, of=f"PATCH {_path}")
offer_router.alias(
    "GET", "/api/offer/check_orderid_exsits", of="GET /api/offer/check_orderid_exists"
)
