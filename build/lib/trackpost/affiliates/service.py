"""Affiliate accounts: payout methods, managers and referrers, on the login rows accounts keeps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, RowMapping

from trackpost.accounts import service as accounts
from trackpost.accounts.schemas import ContactFields
from trackpost.affiliates import repository as repo
from trackpost.affiliates.errors import (
    AffiliateNotFound,
    ManagerNotFound,
    PayviaNotFound,
    ReferrerNotFound,
)
from trackpost.affiliates.postbacks import accounts as account_postbacks
from trackpost.affiliates.schemas import (
    AddAffiliate,
    AffiliateFields,
    EditAffiliate,
    PayviaPair,
    SetPayvia,
)
from trackpost.core.errors import InvalidParameter
from trackpost.core.fields import MAX_ID
from trackpost.core.payvia import field_problem
from trackpost.events import service as events
from trackpost.tracking import service as tracking
from trackpost.tracking.linkcode import MalformedCode, decode


def resolve_ref(conn: Connection, ref: str) -> int | None:
    """The referring affiliate, given as a loginid or as one of its tracking codes."""
    text = ref.strip()
    if not text:
        return None
    if text.isascii() and text.isdigit() and int(text) <= MAX_ID:
        loginid = int(text)
    else:
        try:
            loginid = decode(text)[0].loginid
        except MalformedCode:
            raise ReferrerNotFound(
                "Parameter 'ref' must be the referring affiliate's loginid or tracking code."
            ) from None
    if accounts.account_type(conn, loginid) != "affiliate":
        raise ReferrerNotFound(f"No affiliate with loginid {loginid} (ref).")
    return loginid


def contact_values(conn: Connection, params: ContactFields) -> dict[str, Any]:
    """accounts' contact column values, and the referring affiliate when 'ref' was sent."""
    values = accounts.contact_values(params)
    if "ref" in params.model_fields_set:
        values["ref_loginid"] = resolve_ref(conn, params.ref or "")
    return values


def _affiliate_values(conn: Connection, params: AffiliateFields) -> dict[str, Any]:
    values = contact_values(conn, params)
    sent = params.model_fields_set
    for key in ("minimum_payout", "status", "tax_id_or_ssn"):
        if key in sent:
            values[key] = getattr(params, key)
    return values


def _check_payvia(conn: Connection, payvia_type_id: int, name: str) -> None:
    row = repo.payvia_type(conn, payvia_type_id)
    if row is None or not row["enabled"]:
        raise PayviaNotFound(f"No enabled payout method with id {payvia_type_id} ({name}).")


def set_payvia_enabled(conn: Connection, payvia_type_id: int, enabled: bool) -> None:
    """Offer a payout method to affiliates, or stop offering it (payments' payvia settings)."""
    repo.set_payvia_enabled(conn, payvia_type_id, enabled)


# Checks of an account's payout details as a whole for its payout method (payments: what the
# payvia's dump format needs), added by the wiring since payments sits above affiliates; each
# answers why the details will not do, or None.
DetailCheck = Callable[[Connection, int, list[tuple[str, str]]], str | None]
_DETAIL_CHECKS: list[DetailCheck] = []


def add_detail_check(check: DetailCheck) -> None:
    """Check every account's payout details with this when they or its payout method are set."""
    if check not in _DETAIL_CHECKS:
        _DETAIL_CHECKS.append(check)


def _check_details(conn: Connection, payvia: int | None, pairs: list[tuple[str, str]]) -> None:
    """400 naming payvia_info when the details sent will not do for the payout method.

    Only when details are sent: an account may choose its method first and give the details in
    a later call (storing a payment checks them again).
    """
    if payvia is None:
        return
    for check in _DETAIL_CHECKS:
        problem = check(conn, payvia, pairs)
        if problem is not None:
            raise InvalidParameter(f"Parameter 'payvia_info': {problem}")


def _pairs(info: list[PayviaPair] | None) -> list[tuple[str, str]]:
    """The details sent, each known one checked (an IBAN's checksum...): 400 naming it."""
    merged = sorted({p.field: p.value for p in info or []}.items())
    problem = field_problem(merged)
    if problem is not None:
        raise InvalidParameter(f"Parameter 'payvia_info': {problem}")
    return merged


def add_affiliate(conn: Connection, params: AddAffiliate) -> int:
    """Create an affiliate (status 0 Active unless given); the password is stored hashed."""
    accounts.check_new_login(conn, "affiliate", params.username, params.email)
    _check_payvia(conn, params.payvia, "payvia")
    values = {**_affiliate_values(conn, params), "payvia_type_id": params.payvia}
    if params.payvia_info:
        _check_details(conn, params.payvia, _pairs(params.payvia_info))
    loginid = accounts.add_login(
        conn, "affiliate", params.username, params.password, params.email, values
    )
    if params.payvia_info:
        repo.replace_payvia_info(conn, loginid, _pairs(params.payvia_info))
    # A code for this loginid may have been cached as unknown before it existed.
    tracking.forget_cached(conn)
    _told(conn, "affiliate.created", loginid, params.model_fields_set)
    return loginid


def _told(conn: Connection, kind: str, loginid: int, fields: set[str]) -> None:
    """The event the network's signup and account-change postbacks are sent for: the names
    of the fields sent, and the account as it now is (no password or key)."""
    changed = sorted(fields - {"loginid"})
    row = accounts.get_login(conn, loginid)
    account = account_postbacks.snapshot(row) if row is not None else None
    payload = {"loginid": loginid, "changed": changed, "account": account}
    events.record(conn, events.Event(kind, payload))


def affiliate(conn: Connection, loginid: int, *, lock: bool = False) -> RowMapping:
    """The affiliate's login row, or 404 affiliate_not_found; lock=True for a check-then-write."""
    row = accounts.get_login(conn, loginid, lock=lock)
    if row is None or row["type"] != "affiliate":
        raise AffiliateNotFound(f"No affiliate with loginid {loginid}.")
    return row


def _apply_payvia(
    conn: Connection, row: RowMapping, payvia: int | None, info: list[PayviaPair] | None
) -> list[dict[str, str]]:
    """Set the payout method and details; a new method starts from an empty set of details."""
    loginid = int(row["loginid"])
    messages: list[dict[str, str]] = []
    changed_type = payvia is not None and payvia != row["payvia_type_id"]
    if payvia is not None:
        _check_payvia(conn, payvia, "payvia")
        accounts.update_login(conn, loginid, {"payvia_type_id": payvia})
        messages.append(
            {
                "field": "payvia_type_id",
                "result": f"Updated Payvia Type to {payvia} for loginid {loginid}",
            }
        )
    pairs = _pairs(info)
    if info is not None:
        if payvia is None and row["payvia_type_id"] is None:
            raise InvalidParameter("Parameter 'payvia_info' needs a payout method: send 'payvia'.")
        current = {} if changed_type else dict(repo.payvia_info(conn, [loginid]).get(loginid, []))
        current.update(pairs)
        _check_details(conn, payvia or row["payvia_type_id"], sorted(current.items()))
        repo.replace_payvia_info(conn, loginid, sorted(current.items()))
    elif changed_type:
        repo.replace_payvia_info(conn, loginid, [])
    for field, value in pairs:
        messages.append(
            {"field": field, "result": f"Updated Payvia Info: '{field}' is now '{value}'"}
        )
    return messages


def edit_affiliate(conn: Connection, params: EditAffiliate) -> None:
    """Change only what was sent; affiliate_manager_loginid adds a manager, never replaces."""
    row = affiliate(conn, params.loginid, lock=True)
    values = _affiliate_values(conn, params)
    accounts.edit_login(
        conn, "affiliate", params.loginid, values, email=params.email, password=params.password
    )
    if params.payvia is not None or params.payvia_info is not None:
        _apply_payvia(conn, row, params.payvia, params.payvia_info)
    manager = params.affiliate_manager_loginid
    if manager is not None:
        if manager == params.loginid:
            raise InvalidParameter(
                "Parameter 'affiliate_manager_loginid' must not be the affiliate itself."
            )
        if accounts.account_type(conn, manager) not in ("admin", "affiliate"):
            raise ManagerNotFound(
                f"No admin or affiliate with loginid {manager} (affiliate_manager_loginid)."
            )
        repo.add_manager(conn, params.loginid, manager)
    tracking.forget_cached(conn)
    _told(conn, "affiliate.updated", params.loginid, params.model_fields_set)


def set_payvia(conn: Connection, params: SetPayvia) -> list[dict[str, str]]:
    """The payvia endpoint: one message per change, as the vendor reports them."""
    row = affiliate(conn, params.loginid, lock=True)
    messages = _apply_payvia(conn, row, params.payvia_type_id, params.payvia_info)
    _told(conn, "affiliate.updated", params.loginid, params.model_fields_set)
    return messages


def every_manager(conn: Connection) -> list[tuple[int, int]]:
    """Every (affiliate, manager) assignment, for the commission rules."""
    return repo.every_manager(conn)
