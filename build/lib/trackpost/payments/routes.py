"""The payment endpoints (trackpost extensions in the vendor's style) under /api/payment."""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.responses import Response

from trackpost.core.errors import MissingParameter
from trackpost.core.http import RequestContext, Router
from trackpost.core.payperiods import network_zone
from trackpost.payments import build, periods, service, statements, views
from trackpost.payments.schemas import (
    ANY_MESSAGE,
    AddAdjustment,
    AddInvoice,
    AddPeriod,
    BuildParams,
    DumpParams,
    EditPeriod,
    MarkPaid,
    NoParams,
    PaymentId,
    SaveDumpFormat,
    SearchPayments,
    SetAffiliatePayment,
    SetPayviaSettings,
    SetPeriodAffiliates,
    StatementParams,
    StorePayments,
    success,
)

router = Router("payment")
EXT = " (trackpost extension)"


def _zone(ctx: RequestContext) -> dt.tzinfo:
    return network_zone(ctx.services.settings)


@router.route(
    "GET",
    "/api/payment/search",
    params=SearchPayments,
    summary="Find payments by affiliate, state, payvia and period, with totals" + EXT,
    description="Each payment: paymentid, loginid, state (open, stored, paid, banned), total, "
    "fee, period_start, period_end; totals over every match, by state. Money as 49.00.",
    response=ANY_MESSAGE,
    errors=(400,),
)
def search(ctx: RequestContext, params: SearchPayments) -> dict[str, Any]:
    return success(views.search(ctx.conn, params))


@router.route(
    "POST",
    "/api/payment/store",
    params=StorePayments,
    summary="Store open payments (frozen for paying): listed ones, or a payvia's at minimum" + EXT,
    description="paymentid: one or several (all or none: a payment under its minimum is a 409); "
    "payvia_type_id: every open payment of that payvia at or above its minimum.",
    response=ANY_MESSAGE,
    errors=(400, 404, 409),
)
def store(ctx: RequestContext, params: StorePayments) -> dict[str, Any]:
    if params.paymentid:
        done = service.store_payments(ctx.conn, params.paymentid, ctx.origin, _zone(ctx))
        return success({"stored": [str(p) for p in done], "open": []})
    if params.payvia_type_id is None:
        raise MissingParameter("Send 'paymentid' (one or several) or 'payvia_type_id'.")
    done, left = service.store_payvia(ctx.conn, params.payvia_type_id, ctx.origin, _zone(ctx))
    return success({"stored": [str(p) for p in done], "open": [str(p) for p in left]})


@router.route(
    "PATCH",
    "/api/payment/mark_paid",
    params=MarkPaid,
    summary="Mark stored payments paid, with the payment's reference (and date)" + EXT,
    response=ANY_MESSAGE,
    errors=(400, 404, 409),
)
def mark_paid(ctx: RequestContext, params: MarkPaid) -> dict[str, Any]:
    service.mark_paid(ctx.conn, params.paymentid, params.reference, params.paid_date, ctx.origin)
    return success({"paid": [str(p) for p in params.paymentid]})


@router.route(
    "POST",
    "/api/payment/add_adjustment",
    params=AddAdjustment,
    summary="Add a manual adjustment (signed amount, reason) to an unpaid payment" + EXT,
    response=ANY_MESSAGE,
    errors=(400, 404, 409),
)
def add_adjustment(ctx: RequestContext, params: AddAdjustment) -> dict[str, Any]:
    adj = service.add_adjustment(
        ctx.conn, params.paymentid, params.amount, params.reason, ctx.origin, _zone(ctx)
    )
    return success({"adjustmentid": str(adj)})


@router.route(
    "POST",
    "/api/payment/add_invoice",
    params=AddInvoice,
    summary="Add an invoice: a one-time credit paid with the affiliate's next payment" + EXT,
    response=ANY_MESSAGE,
    errors=(400, 404),
)
def add_invoice(ctx: RequestContext, params: AddInvoice) -> dict[str, Any]:
    adj = service.add_invoice(ctx.conn, params.loginid, params.amount, params.reason, ctx.origin)
    return success({"adjustmentid": str(adj)})


@router.route(
    "GET",
    "/api/payment/get_lines",
    params=PaymentId,
    summary="A payment and its lines: payee rows, adjustments, invoices, fees" + EXT,
    response=ANY_MESSAGE,
    errors=(400, 404),
)
def get_lines(ctx: RequestContext, params: PaymentId) -> dict[str, Any]:
    return success(views.lines(ctx.conn, params.paymentid))


@router.route(
    "GET",
    "/api/payment/dump",
    params=DumpParams,
    summary="The dump file of stored payments, in their payvia's format" + EXT,
    description="Formats: csv, paypal (mass pay), iif (QuickBooks), sepa (pain.001.001.03), "
    "nacha (ACH). Each payment's entry was rendered when it was stored and is kept.",
    errors=(400, 404, 409),
)
def dump(ctx: RequestContext, params: DumpParams) -> Response:
    text, media, name = views.dump(ctx.conn, params, _zone(ctx))
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(text.encode("utf-8"), 200, headers, media_type=f"{media}; charset=utf-8")


@router.route(
    "GET",
    "/api/payment/statement",
    params=StatementParams,
    summary="A payment's statement: printable HTML, CSV or PDF" + EXT,
    errors=(400, 404),
)
def statement(ctx: RequestContext, params: StatementParams) -> Response:
    figures = statements.statement(ctx.conn, params.paymentid, _zone(ctx))
    if params.format == "csv":
        name = f"statement-{params.paymentid}.csv"
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
        body = statements.as_csv(figures)
        return Response(body.encode(), 200, headers, media_type="text/csv; charset=utf-8")
    if params.format == "pdf":
        name = f"statement-{params.paymentid}.pdf"
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
        return Response(statements.as_pdf(figures), 200, headers, media_type="application/pdf")
    headers = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"}
    html = statements.as_html(figures)
    return Response(html.encode(), 200, headers, media_type="text/html; charset=utf-8")


@router.route(
    "POST",
    "/api/payment/build",
    params=BuildParams,
    summary="Build every payout period that ended by as_of; idempotent" + EXT,
    response=ANY_MESSAGE,
    errors=(400,),
)
def build_now(ctx: RequestContext, params: BuildParams) -> dict[str, Any]:
    if params.as_of is None:
        raise MissingParameter("Parameter 'as_of' is empty: send a date, or 'now'.")
    zone = _zone(ctx)
    made = []
    for item in build.due(ctx.conn, params.as_of, zone):
        outcome = build.build_one(ctx.conn, item, ctx.origin, zone)
        if outcome is not None:
            made.append(
                {
                    "periodid": str(item.periodid),
                    "period_end": item.period_end.isoformat(),
                    "payments": outcome.payments,
                    "stored": outcome.stored,
                }
            )
    return success({"builds": made})


@router.route(
    "GET",
    "/api/payment/periods",
    params=NoParams,
    summary="The payout periods, with their current bounds" + EXT,
    response=ANY_MESSAGE,
)
def list_periods(ctx: RequestContext, params: NoParams) -> dict[str, Any]:
    return success(periods.list_periods(ctx.conn, _zone(ctx)))


@router.route(
    "POST",
    "/api/payment/add_period",
    params=AddPeriod,
    summary="Add a payout period: 3, 1,16, w1 or d5, with delay, enabled, default" + EXT,
    response=ANY_MESSAGE,
    errors=(400,),
)
def add_period(ctx: RequestContext, params: AddPeriod) -> dict[str, Any]:
    return success({"periodid": str(periods.add_period(ctx.conn, params, ctx.origin))})


@router.route(
    "PATCH",
    "/api/payment/edit_period",
    params=EditPeriod,
    summary="Change a payout period" + EXT,
    response=ANY_MESSAGE,
    errors=(400, 404),
)
def edit_period(ctx: RequestContext, params: EditPeriod) -> dict[str, Any]:
    periods.edit_period(ctx.conn, params, ctx.origin)
    return success("Success")


@router.route(
    "PATCH",
    "/api/payment/set_period_affiliates",
    params=SetPeriodAffiliates,
    summary="The affiliates a disabled period is enabled for (none: clear)" + EXT,
    response=ANY_MESSAGE,
    errors=(400, 404),
)
def set_period_affiliates(ctx: RequestContext, params: SetPeriodAffiliates) -> dict[str, Any]:
    periods.set_period_affiliates(ctx.conn, params.periodid, params.loginids or (), ctx.origin)
    return success("Success")


@router.route(
    "PATCH",
    "/api/payment/set_affiliate_payment",
    params=SetAffiliatePayment,
    summary="An affiliate's payout period (0: the default) and instant payment" + EXT,
    response=ANY_MESSAGE,
    errors=(400, 404, 409),
)
def set_affiliate_payment(ctx: RequestContext, params: SetAffiliatePayment) -> dict[str, Any]:
    periods.set_affiliate_payment(ctx.conn, params, ctx.origin)
    return success("Success")


@router.route(
    "GET",
    "/api/payment/payvia_settings",
    params=NoParams,
    summary="Each payvia's minimums, cost (fee or bonus), dump format and enabled flag" + EXT,
    response=ANY_MESSAGE,
)
def payvia_settings(ctx: RequestContext, params: NoParams) -> dict[str, Any]:
    return success(periods.payvia_list(ctx.conn))


@router.route(
    "PATCH",
    "/api/payment/set_payvia_settings",
    params=SetPayviaSettings,
    summary="Set a payvia's minimums, cost, dump format, dump variables, enabled" + EXT,
    response=ANY_MESSAGE,
    errors=(400, 404),
)
def set_payvia_settings(ctx: RequestContext, params: SetPayviaSettings) -> dict[str, Any]:
    periods.set_payvia_settings(ctx.conn, params, ctx.origin)
    return success("Success")


@router.route(
    "GET",
    "/api/payment/dump_formats",
    params=NoParams,
    summary="The dump formats: shipped (csv, paypal, iif, sepa, nacha) and the admin's own" + EXT,
    response=ANY_MESSAGE,
)
def dump_formats(ctx: RequestContext, params: NoParams) -> dict[str, Any]:
    return success(views.dump_formats(ctx.conn))


@router.route(
    "POST",
    "/api/payment/save_dump_format",
    params=SaveDumpFormat,
    summary="Save an own dump format: the vendor's five Smarty-style parts, sandboxed" + EXT,
    description="Parts: header, entry_header, entry, entry_footer, footer. Variables as in "
    "docs/payments.md; anything outside the subset is refused. Payments stored before keep the "
    "format as it was.",
    response=ANY_MESSAGE,
    errors=(400,),
)
def save_dump_format(ctx: RequestContext, params: SaveDumpFormat) -> dict[str, Any]:
    new = periods.save_dump_format(ctx.conn, params, ctx.origin)
    return success({"name": params.name, "created": new})
