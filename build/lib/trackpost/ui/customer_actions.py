"""Changes made on a customer's page: lock, unlock, details, and its transactions' actions."""

from __future__ import annotations

from typing import Any

from trackpost.accounts.roles import Permission
from trackpost.core.errors import NotFound, TrackpostError
from trackpost.core.validation import validate
from trackpost.customers import service as customers
from trackpost.customers.schemas import DetailsParams, LockParams
from trackpost.transactions import service as transactions
from trackpost.transactions.schemas import ChargebackParams
from trackpost.ui.customers import EDITABLE, ROOT, details_values, pages
from trackpost.ui.pages import Page, Redirect, Result, UiRequest

REMOVE = "REMOVE"


def _reason(req: UiRequest) -> str | None:
    return (req.form.get("reason") or "").strip() or None


def _again(req: UiRequest, exc: TrackpostError, **extra: Any) -> Result:
    """The customer's page again, with the refusal's sentence and what was typed."""
    values = details_values(req, req.path_id("customer_id"))
    values.update(error=exc.message, **extra)
    return Page("customer.html", values, status=exc.status)


def _lock_failed(req: UiRequest, exc: TrackpostError) -> Result:
    wanted = "unlock" if req.form.get("action") == "unlock" else "lock"
    return _again(req, exc, confirm=wanted, reason=req.form.get("reason", ""))


def _set_lock(req: UiRequest, lock: bool) -> Redirect:
    customer_id = req.path_id("customer_id")
    params = validate(LockParams, {"customer_id": str(customer_id), "reason": _reason(req)})
    act = customers.lock_customer if lock else customers.unlock_customer
    act(req.conn, params.lookup(), req.origin, reason=params.reason)
    return Redirect(f"{ROOT}/{customer_id}", "locked" if lock else "unlocked")


@pages.post(ROOT + "/{customer_id:int}/lock", Permission.LOCK, failed=_lock_failed)
def lock(req: UiRequest) -> Redirect:
    """Lock with the reason typed: the platform (and this console) can no longer edit it."""
    return _set_lock(req, True)


@pages.post(ROOT + "/{customer_id:int}/unlock", Permission.LOCK, failed=_lock_failed)
def unlock(req: UiRequest) -> Redirect:
    """Unlock with the reason typed."""
    return _set_lock(req, False)


def _details_failed(req: UiRequest, exc: TrackpostError) -> Result:
    typed = {name: req.form.get(name, "") for name in EDITABLE}
    cleared = {name for name in EDITABLE if req.form.get(f"clear_{name}")}
    return _again(req, exc, typed=typed, cleared=cleared, reason=req.form.get("reason", ""))


@pages.post(ROOT + "/{customer_id:int}/details", Permission.EDIT_DETAILS, failed=_details_failed)
def save_details(req: UiRequest) -> Redirect:
    """Send the fields that changed (a ticked Clear sends REMOVE); 409 while it is locked."""
    customer_id = req.path_id("customer_id")
    current = customers.find_customer(req.conn, customer_id=customer_id, for_update=True)
    sent: dict[str, str | None] = {"customer_id": str(customer_id), "reason": _reason(req)}
    for name in EDITABLE:
        if req.form.get(f"clear_{name}"):
            if current[name] is not None:
                sent[name] = REMOVE
            continue
        value = req.form.get(name, "")
        if value != "" and value != (current[name] or ""):
            sent[name] = value
    params = validate(DetailsParams, sent)
    customers.set_customer_details(
        req.conn, params.lookup(), params.changes(), req.origin, reason=params.reason
    )
    return Redirect(f"{ROOT}/{customer_id}", "saved")


def _transaction(req: UiRequest) -> Any:
    """The transaction of the path, row-locked, which must be this customer's."""
    customer_id, tid = req.path_id("customer_id"), req.path_id("transactionid")
    txn = transactions.find_by_id(req.conn, tid)
    if txn["customer_id"] != customer_id:
        raise NotFound(
            f"Customer {customer_id} has no transaction {tid}.", code="invalid_transaction"
        )
    return txn


def _money_failed(req: UiRequest, exc: TrackpostError) -> Result:
    return _again(req, exc)


TXN = ROOT + "/{customer_id:int}/transactions/{transactionid:int}"


@pages.post(TXN + "/void", Permission.MONEY, failed=_money_failed)
def void(req: UiRequest) -> Redirect:
    """Void a sale: its revenue and the affiliate's payout are taken back."""
    transactions.void(req.conn, _transaction(req), req.origin)
    return Redirect(f"{ROOT}/{req.path_id('customer_id')}", "voided")


@pages.post(TXN + "/chargeback", Permission.MONEY, failed=_money_failed)
def chargeback(req: UiRequest) -> Redirect:
    """Charge back a sale, charging the cost typed (15.00) to the affiliate."""
    txn = _transaction(req)
    raw = {"transactionid": str(txn["transactionid"]), "type": "chargeback"}
    if cost := (req.form.get("cost") or "").strip():
        raw["cost"] = cost
    params = validate(ChargebackParams, raw)
    transactions.chargeback(req.conn, txn, req.origin, cost=params.cost or 0)
    return Redirect(f"{ROOT}/{req.path_id('customer_id')}", "charged_back")


@pages.post(TXN + "/reverse", Permission.MONEY, failed=_money_failed)
def reverse(req: UiRequest) -> Redirect:
    """Undo the sale's newest void or chargeback exactly."""
    transactions.reverse(req.conn, _transaction(req), req.origin)
    return Redirect(f"{ROOT}/{req.path_id('customer_id')}", "reversed")


@pages.post(TXN + "/approve", Permission.MONEY, failed=_money_failed)
def approve(req: UiRequest) -> Redirect:
    """A pending sale starts counting."""
    transactions.approve(req.conn, _transaction(req), req.origin)
    return Redirect(f"{ROOT}/{req.path_id('customer_id')}", "approved")
