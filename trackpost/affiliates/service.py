"""Affiliate accounts, and the login rules advertisers share: usernames, passwords, referrers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, RowMapping

from trackpost.affiliates import repository as repo
from trackpost.affiliates.errors import (
    AffiliateNotFound,
    ManagerNotFound,
    PayviaNotFound,
    ReferrerNotFound,
    UsernameTaken,
)
from trackpost.affiliates.schemas import (
    AddAffiliate,
    AffiliateFields,
    ContactFields,
    EditAffiliate,
    PayviaPair,
    SetPayvia,
)
from trackpost.core.errors import InvalidParameter
from trackpost.core.fields import MAX_ID
from trackpost.core.security import hash_password
from trackpost.tracking import repository as tracking_repo
from trackpost.tracking.linkcode import MalformedCode, decode

CONTACT_COLUMNS = (
    "firstname",
    "lastname",
    "company",
    "url",
    "tel",
    "icq",
    "aim",
    "msn",
    "skype",
    "address1",
    "address2",
    "city",
    "state",
    "country",
    "zip_code",
    "custom1",
    "custom2",
    "custom3",
    "custom4",
    "custom5",
    "join_ip",
)


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
    if repo.account_type(conn, loginid) != "affiliate":
        raise ReferrerNotFound(f"No affiliate with loginid {loginid} (ref).")
    return loginid


def contact_values(conn: Connection, params: ContactFields) -> dict[str, Any]:
    """Column values for the contact parameters that were sent; blank join_ip clears."""
    sent = params.model_fields_set
    values: dict[str, Any] = {k: getattr(params, k) for k in CONTACT_COLUMNS if k in sent}
    if "join_ip" in values:
        values["join_ip"] = values["join_ip"] or None
    if "ref" in sent:
        values["ref_loginid"] = resolve_ref(conn, params.ref or "")
    return values


def check_username_free(conn: Connection, username: str) -> None:
    if repo.username_taken(conn, username):
        raise UsernameTaken(f"Username '{username}' is already taken.")


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


def _pairs(info: list[PayviaPair] | None) -> list[tuple[str, str]]:
    merged = {p.field: p.value for p in info or []}
    return sorted(merged.items())


def add_affiliate(conn: Connection, params: AddAffiliate) -> int:
    """Create an affiliate (status 0 Active unless given); the password is stored hashed."""
    check_username_free(conn, params.username)
    _check_payvia(conn, params.payvia, "payvia")
    values = _affiliate_values(conn, params)
    values.update(
        type="affiliate",
        username=params.username,
        email=params.email,
        password_hash=hash_password(params.password),
        payvia_type_id=params.payvia,
    )
    values.setdefault("status", 0)
    loginid = repo.insert_login(conn, values)
    if params.payvia_info:
        repo.replace_payvia_info(conn, loginid, _pairs(params.payvia_info))
    # A code for this loginid may have been cached as unknown before it existed.
    tracking_repo.bump_version(conn)
    return loginid


def locked_affiliate(conn: Connection, loginid: int) -> RowMapping:
    row = repo.get(conn, loginid, lock=True)
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
        repo.update_login(conn, loginid, {"payvia_type_id": payvia})
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
    row = locked_affiliate(conn, params.loginid)
    values = _affiliate_values(conn, params)
    if params.email is not None:
        values["email"] = params.email
    if params.password is not None:
        values["password_hash"] = hash_password(params.password)
    if values:
        repo.update_login(conn, params.loginid, values)
    if params.payvia is not None or params.payvia_info is not None:
        _apply_payvia(conn, row, params.payvia, params.payvia_info)
    manager = params.affiliate_manager_loginid
    if manager is not None:
        if manager == params.loginid:
            raise InvalidParameter(
                "Parameter 'affiliate_manager_loginid' must not be the affiliate itself."
            )
        if repo.account_type(conn, manager) not in ("admin", "affiliate"):
            raise ManagerNotFound(
                f"No admin or affiliate with loginid {manager} (affiliate_manager_loginid)."
            )
        repo.add_manager(conn, params.loginid, manager)
    tracking_repo.bump_version(conn)


def set_payvia(conn: Connection, params: SetPayvia) -> list[dict[str, str]]:
    """The payvia endpoint: one message per change, as the vendor reports them."""
    row = locked_affiliate(conn, params.loginid)
    return _apply_payvia(conn, row, params.payvia_type_id, params.payvia_info)
