"""Affiliate payments: the list with totals, a payment's lines, store, pay, adjust, dumps, statements."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trackpost.accounts import service as accounts
from trackpost.accounts.roles import Permission
from trackpost.core.errors import InvalidParameter, TrackpostError
from trackpost.core.payperiods import network_zone
from trackpost.payments import periods, service, statements, views
from trackpost.payments.schemas import (
    STATES,
    AddAdjustment,
    AddInvoice,
    DumpParams,
    MarkPaid,
    SearchPayments,
    StorePayments,
)
from trackpost.ui.forms import filled, model, page_link, page_number
from trackpost.ui.pages import Download, Page, Pages, Redirect, Result, UiRequest

pages = Pages()
ROOT = "/admin/payments"
PAGE_SIZE = 50
FILTERS = ("affiliate", "state", "payvia_type_id", "period_start", "period_end")


def _affiliate(req: UiRequest, raw: str) -> str:
    """The affiliate filter as a loginid: typed as its ID or its username."""
    raw = raw.strip()
    if not raw or raw.isdigit():
        return raw
    found = accounts.loginid_of(req.conn, raw)
    if found is None:
        raise InvalidParameter(f"Parameter 'affiliate': no account is named {raw[:64]!r}.")
    return str(found)


def _link(query: Mapping[str, str], page: int) -> str:
    return page_link(ROOT, FILTERS, query, page)


def _list_values(req: UiRequest, q: Mapping[str, str], **extra: Any) -> dict[str, Any]:
    page = page_number(q)
    query = {k: v for k, v in q.items() if k in FILTERS and v}
    values: dict[str, Any] = {
        "query": query,
        "states": STATES,
        "payvias": _payvias(req),
        "rows": [],
        "totals": None,
        "error": None,
        "prev_url": _link(query, page - 1) if page else None,
        "next_url": None,
        "page": page,
    }
    try:
        raw = filled(query, ("state", "payvia_type_id", "period_start", "period_end"))
        if query.get("affiliate"):
            raw["loginid"] = _affiliate(req, query["affiliate"])
        raw |= {"start": str(page * PAGE_SIZE), "count": str(PAGE_SIZE + 1)}
        found = views.search(req.conn, model(SearchPayments, raw))
    except TrackpostError as exc:
        values["error"] = exc.message
    else:
        rows = found["payments"]
        values["rows"] = rows[:PAGE_SIZE]
        values["totals"] = found["totals"]
        if len(rows) > PAGE_SIZE:
            values["next_url"] = _link(query, page + 1)
    values.update(extra)
    return values


def _payvias(req: UiRequest) -> list[tuple[str, str]]:
    """(payvia_type_id, name) of every payvia, for the filter."""
    return [(str(p["payvia_type_id"]), str(p["name"])) for p in periods.payvia_list(req.conn)]


@pages.get(ROOT, Permission.PAYMENTS)
def payment_list(req: UiRequest) -> Page:
    """Payments by affiliate, state, payvia and period, with the totals of every match."""
    values = _list_values(req, req.query)
    return Page("payments.html", values, status=400 if values["error"] else 200)


def _list_failed(req: UiRequest, exc: TrackpostError) -> Result:
    return Page("payments.html", _list_values(req, req.form, error=exc.message), status=exc.status)


def _picked(form: Mapping[str, str]) -> str:
    chosen = ",".join(name.removeprefix("pick_") for name in form if name.startswith("pick_"))
    if not chosen:
        raise InvalidParameter("Parameter 'paymentid': tick at least one payment.")
    return chosen


@pages.post(ROOT + "/store", Permission.PAYMENTS, failed=_list_failed)
def store_picked(req: UiRequest) -> Page:
    """Store the ticked open payments (all or none: one under its minimum refuses them all)."""
    ids = model(StorePayments, {"paymentid": _picked(req.form)}).paymentid or ()
    service.store_payments(req.conn, ids, req.origin, network_zone(req.settings))
    return Page("payments.html", _list_values(req, req.form, done=f"Stored: {_join(ids)}."))


@pages.post(ROOT + "/paid", Permission.PAYMENTS, failed=_list_failed)
def pay_picked(req: UiRequest) -> Page:
    """Mark the ticked stored payments paid, with one reference (and date)."""
    raw = {"paymentid": _picked(req.form)} | filled(req.form, ("reference", "paid_date"))
    params = model(MarkPaid, raw)
    service.mark_paid(req.conn, params.paymentid, params.reference, params.paid_date, req.origin)
    done = f"Marked paid: {_join(params.paymentid)}."
    return Page("payments.html", _list_values(req, req.form, done=done))


@pages.post(ROOT + "/invoice", Permission.PAYMENTS, failed=_list_failed)
def add_invoice(req: UiRequest) -> Redirect:
    """A one-time credit, paid with the affiliate's next stored payment; never removable."""
    raw = filled(req.form, ("amount", "reason"))
    raw["loginid"] = _affiliate(req, req.form.get("invoice_affiliate", "")) or ""
    params = model(AddInvoice, {k: v for k, v in raw.items() if v})
    service.add_invoice(req.conn, params.loginid, params.amount, params.reason, req.origin)
    return Redirect(f"{ROOT}?affiliate={params.loginid}", "invoiced")


@pages.get(ROOT + "/dump", Permission.PAYMENTS)
def payvia_dump(req: UiRequest) -> Download:
    """The file of every stored payment of one payout method, in its format (for the bank)."""
    raw = filled(req.query, ("payvia_type_id",)) | {"state": "stored"}
    if "payvia_type_id" not in raw:
        raise InvalidParameter("Parameter 'payvia_type_id': choose a payout method to dump.")
    text, media, name = views.dump(req.conn, model(DumpParams, raw), network_zone(req.settings))
    return Download(name, f"{media}; charset=utf-8", text.encode("utf-8"))


def _join(ids: tuple[int, ...]) -> str:
    return ", ".join(map(str, ids))


# ---- one payment ------------------------------------------------------------------------------
def _detail_values(req: UiRequest, **extra: Any) -> dict[str, Any]:
    found = views.lines(req.conn, req.path_id("paymentid"))
    values: dict[str, Any] = {
        "p": found["payment"],
        "lines": found["lines"],
        "error": None,
        "typed": {},
    }
    values.update(extra)
    return values


def _detail_failed(req: UiRequest, exc: TrackpostError) -> Result:
    values = _detail_values(req, error=exc.message, typed=dict(req.form))
    return Page("payment.html", values, status=exc.status)


def _here(req: UiRequest) -> str:
    return f"{ROOT}/{req.path_id('paymentid')}"


@pages.get(ROOT + "/{paymentid:int}", Permission.PAYMENTS)
def payment_page(req: UiRequest) -> Page:
    """A payment and every line that makes it up, with the actions its state allows."""
    return Page("payment.html", _detail_values(req))


@pages.post(ROOT + "/{paymentid:int}/store", Permission.PAYMENTS, failed=_detail_failed)
def store_one(req: UiRequest) -> Redirect:
    pid = req.path_id("paymentid")
    service.store_payments(req.conn, (pid,), req.origin, network_zone(req.settings))
    return Redirect(_here(req), "stored")


@pages.post(ROOT + "/{paymentid:int}/paid", Permission.PAYMENTS, failed=_detail_failed)
def pay_one(req: UiRequest) -> Redirect:
    raw = {"paymentid": str(req.path_id("paymentid"))} | filled(
        req.form, ("reference", "paid_date")
    )
    params = model(MarkPaid, raw)
    service.mark_paid(req.conn, params.paymentid, params.reference, params.paid_date, req.origin)
    return Redirect(_here(req), "paid")


@pages.post(ROOT + "/{paymentid:int}/adjust", Permission.PAYMENTS, failed=_detail_failed)
def adjust(req: UiRequest) -> Redirect:
    """A manual adjustment (signed amount and reason) on an unpaid payment, audited."""
    raw = {"paymentid": str(req.path_id("paymentid"))} | filled(req.form, ("amount", "reason"))
    params = model(AddAdjustment, raw)
    zone = network_zone(req.settings)
    service.add_adjustment(
        req.conn, params.paymentid, params.amount, params.reason, req.origin, zone
    )
    return Redirect(_here(req), "adjusted")


@pages.get(ROOT + "/{paymentid:int}/dump", Permission.PAYMENTS)
def dump(req: UiRequest) -> Download:
    """The stored (or paid) payment's dump, as it was rendered when it was stored."""
    pid = req.path_id("paymentid")
    row = views.payment(req.conn, pid)
    params = model(DumpParams, {"paymentid": str(pid), "state": str(row["state"])})
    text, media, name = views.dump(req.conn, params, network_zone(req.settings))
    return Download(name, f"{media}; charset=utf-8", text.encode("utf-8"))


@pages.get(ROOT + "/{paymentid:int}/statement", Permission.PAYMENTS)
def statement(req: UiRequest) -> Page:
    """The affiliate's statement for the payment's period, printable (a print stylesheet)."""
    figures = statements.statement(req.conn, req.path_id("paymentid"), network_zone(req.settings))
    return Page("statement.html", {"s": figures})


@pages.get(ROOT + "/{paymentid:int}/statement.csv", Permission.PAYMENTS)
def statement_csv(req: UiRequest) -> Download:
    pid = req.path_id("paymentid")
    figures = statements.statement(req.conn, pid, network_zone(req.settings))
    body = statements.as_csv(figures).encode()
    return Download(f"statement-{pid}.csv", "text/csv; charset=utf-8", body)


@pages.get(ROOT + "/{paymentid:int}/statement.pdf", Permission.PAYMENTS)
def statement_pdf(req: UiRequest) -> Download:
    pid = req.path_id("paymentid")
    figures = statements.statement(req.conn, pid, network_zone(req.settings))
    return Download(f"statement-{pid}.pdf", "application/pdf", statements.as_pdf(figures))
