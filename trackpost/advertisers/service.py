"""Advertiser accounts: logins that own offers; usernames and emails are unique."""

from __future__ import annotations

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from trackpost.advertisers import repository as repo
from trackpost.advertisers.errors import AdvertiserNotFound, EmailTaken
from trackpost.advertisers.schemas import AddAdvertiser, EditAdvertiser
from trackpost.affiliates import repository as logins
from trackpost.affiliates.service import check_username_free, contact_values
from trackpost.core.security import hash_password


def _check_email_free(conn: Connection, email: str, loginid: int | None = None) -> None:
    owner = repo.email_owner(conn, email)
    if owner is not None and owner != loginid:
        raise EmailTaken(f"Email '{email}' is already used by another advertiser.")


def add_advertiser(conn: Connection, params: AddAdvertiser) -> int:
    """Create an advertiser; the password is stored as an argon2 hash, never returned."""
    check_username_free(conn, params.username)
    _check_email_free(conn, params.email)
    values = contact_values(conn, params)
    values.update(
        type="advertiser",
        username=params.username,
        email=params.email,
        password_hash=hash_password(params.password),
        status=0,
    )
    try:
        return logins.insert_login(conn, values)
    except IntegrityError as exc:
        # Two concurrent adds with one email: the partial unique index decides.
        if "email" in str(exc.orig).lower():
            raise EmailTaken(
                f"Email '{params.email}' is already used by another advertiser."
            ) from None
        raise


def edit_advertiser(conn: Connection, params: EditAdvertiser) -> None:
    row = logins.get(conn, params.loginid, lock=True)
    if row is None or row["type"] != "advertiser":
        raise AdvertiserNotFound(f"No advertiser with loginid {params.loginid}.")
    values = contact_values(conn, params)
    if params.email is not None:
        _check_email_free(conn, params.email, params.loginid)
        values["email"] = params.email
    if params.password is not None:
        values["password_hash"] = hash_password(params.password)
    if values:
        logins.update_login(conn, params.loginid, values)
