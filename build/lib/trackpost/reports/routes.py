"""The transaction report at the vendor's path."""

from __future__ import annotations

from starlette.responses import Response

from trackpost.core.fields import cents_text
from trackpost.core.http import RequestContext, Router
from trackpost.core.responses import json_response
from trackpost.reports import service
from trackpost.reports.schemas import REPORT_RESPONSE, TransactionReport

router = Router("report")
EXAMPLE = {
    "1337": {
        "time": 1767225600,
        "loginid": 4004,
        "amount": "9.95",
        "trans_type": "advertiser_initial",
        "status": "approved",
        "transaction_hash": "156097c947ece92.38318951",
        "orderid": "TRACKFINITY:14940018242790524363",
        "external_clickid": "abc123",
        "offerid": 12,
        "landing_pageid": 7,
        "customer_id": 42,
        "parent_transactionid": None,
        "chargeback_cost": "0.00",
        "total_payout": "5.00",
        "payouts": [
            {"id": 2001, "type": "affiliate", "username": "aff1", "loginid": 4004, "amount": "5.00"}
        ],
        "trans_custom1": "plan-gold",
        "trans_custom2": None,
        "trans_custom3": None,
        "trans_custom4": None,
        "trans_custom5": None,
        "subaff1": "spring",
        "subaff2": None,
        "subaff3": None,
        "subaff4": None,
        "subaff5": None,
        "advertiserid": 3003,
        "advertiser_username": "adv1",
        "customer_name": "Jane Doe",
        "customer_username": "jdoe",
    }
}


@router.route(
    "GET",
    "/api/report/transaction",
    params=TransactionReport,
    summary="The transactions report: every ledger event, filtered and paged",
    description="An object keyed by transaction id, oldest first, as in Offerit's example; "
    "money as decimal strings in the base currency ('9.95'); trans_type is <source>_<kind> (advertiser_initial, admin_void, ...). "
    "Pending and denied rows do not count toward revenue or payouts. Paging: trans_start "
    "(offset) and trans_count (at most 1000); the X-Total-Count header gives the total. With "
    "filter_loginid (or a numeric filter_affiliate), X-Affiliate-Net gives that affiliate's "
    "net payout over the period as a decimal string (every payee row it has on counted events).",
    response=REPORT_RESPONSE,
    example=EXAMPLE,
    errors=(400,),
)
def transaction_report(ctx: RequestContext, params: TransactionReport) -> Response:
    """Periods are the network's days; 0 and 1 are the affiliate's (or default) payout period."""
    zone = ctx.services.settings.zone
    total, rows = service.transaction_report(ctx.conn, params, zone)
    headers = {"X-Total-Count": str(total)}
    net = service.affiliate_net(ctx.conn, params, zone)
    if net is not None:
        headers["X-Affiliate-Net"] = cents_text(net) or "0.00"
    return json_response(rows, headers=headers)
