"""GET /api/affiliate/search: accounts matching every filter sent, keyed by loginid."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, RowMapping

from trackpost.accounts import service as accounts
from trackpost.affiliates import repository as repo
from trackpost.affiliates.schemas import SearchAffiliates
from trackpost.core.fields import cents_text, iso

_FILTERS = (
    "loginid",
    "username",
    "email",
    "status",
    "inhouse",
    "payvia_type_id",
    "refid",
    "firstname",
    "lastname",
    "company",
    "city",
    "state",
    "country",
)


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def account_out(row: RowMapping) -> dict[str, Any]:
    """An account as the vendor's login row: ids and numbers as strings; never a password."""
    out: dict[str, Any] = {
        "loginid": str(row["loginid"]),
        "username": row["username"],
        "type": row["type"],
        "status": str(row["status"]),
        "email": row["email"],
    }
    for column in accounts.CONTACT_COLUMNS:
        out[column] = row[column]
    out.update(
        join_date=iso(row["join_date"]),
        inhouse="1" if row["inhouse"] else "0",
        payvia_type_id=_text(row["payvia_type_id"]),
        minimum_payout=cents_text(row["minimum_payout"]),
        refid=_text(row["ref_loginid"]),
        deleted="0",
    )
    return out


def search(conn: Connection, params: SearchAffiliates) -> dict[str, dict[str, Any]]:
    filters = {k: getattr(params, k) for k in _FILTERS if getattr(params, k) is not None}
    rows = accounts.search(
        conn, params.type, filters, params.name, params.orderby, params.start, params.count
    )
    ids = [int(r["loginid"]) for r in rows]
    managers = repo.managers(conn, ids)
    payvia = repo.payvia_info(conn, ids) if params.return_payvia_info else {}
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        loginid = int(row["loginid"])
        entry = account_out(row)
        if row["type"] == "affiliate":
            entry["affiliate_managers"] = [str(m) for m in managers.get(loginid, [])]
        if params.return_payvia_info:
            entry["payvia_details"] = [{"field": f, "value": v} for f, v in payvia.get(loginid, [])]
        out[str(loginid)] = entry
    return out
