"""Advertiser-only queries; the login row itself is shared with affiliates."""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, func, select

from trackpost.models.tables import logins as L

_EMAIL_OWNER = select(L.c.loginid).where(
    func.lower(L.c.email) == func.lower(bindparam("email")), L.c.type == "advertiser"
)


def email_owner(conn: Connection, email: str) -> int | None:
    """The advertiser using this email (case-insensitively), if any."""
    row = conn.execute(_EMAIL_OWNER, {"email": email}).first()
    return int(row.loginid) if row is not None else None
