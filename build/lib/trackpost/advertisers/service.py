"""Advertiser accounts: logins that own offers; usernames and emails are unique."""

from __future__ import annotations

from sqlalchemy import Connection

from trackpost.accounts import service as accounts
from trackpost.advertisers.schemas import AddAdvertiser, EditAdvertiser
from trackpost.affiliates.service import contact_values
from trackpost.core.errors import AdvertiserNotFound


def add_advertiser(conn: Connection, params: AddAdvertiser) -> int:
    """Create an advertiser; the password is stored as an argon2 hash, never returned."""
    accounts.check_new_login(conn, "advertiser", params.username, params.email)
    values = contact_values(conn, params)
    return accounts.add_login(
        conn, "advertiser", params.username, params.password, params.email, values
    )


def edit_advertiser(conn: Connection, params: EditAdvertiser) -> None:
    row = accounts.get_login(conn, params.loginid, lock=True)
    if row is None or row["type"] != "advertiser":
        raise AdvertiserNotFound(f"No advertiser with loginid {params.loginid}.")
    values = contact_values(conn, params)
    accounts.edit_login(
        conn, "advertiser", params.loginid, values, email=params.email, password=params.password
    )
