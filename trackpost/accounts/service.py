"""Admin accounts: creation, key rotation, enabling and disabling."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Connection, RowMapping

from trackpost.accounts import repository as repo
from trackpost.accounts.errors import AdminNotFound
from trackpost.core.config import parse_networks
from trackpost.core.errors import AdvertiserNotFound, InvalidUsername, UsernameTaken
from trackpost.core.security import KeyHasher, new_api_key

# \Z, not $: "$" also matches before a trailing newline, which would admit "ops\n".
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{1,64}\Z")


@dataclass(frozen=True)
class NewKey:
    loginid: int
    username: str
    api_key: str


def _check_username(username: str) -> None:
    if not USERNAME_RE.match(username):
        raise InvalidUsername(
            f"Username '{username}' is invalid: use 1 to 64 letters, digits, '_', '.', '@' or '-'."
        )


def _normalise_ips(allow_ips: list[str]) -> str:
    try:
        nets = parse_networks(" ".join(allow_ips), "--allow-ip")
    except ValueError as exc:
        raise InvalidUsername(str(exc), code="invalid_allow_ip") from exc
    return ",".join(str(n) for n in nets)


def create_admin(
    conn: Connection, hasher: KeyHasher, username: str, allow_ips: list[str] | None = None
) -> NewKey:
    """Create a full admin and return its key, which is never stored in clear."""
    _check_username(username)
    if repo.username_exists(conn, username):
        raise UsernameTaken(f"Username '{username}' is already taken.")
    key = new_api_key()
    loginid = repo.insert_admin(conn, username, hasher.hash(key), _normalise_ips(allow_ips or []))
    return NewKey(loginid, username, key)


def rotate_key(conn: Connection, hasher: KeyHasher, username: str) -> NewKey:
    """Replace an admin's key; the old one stops working when this commits."""
    key = new_api_key()
    if not repo.update_admin(conn, username, api_key_hash=hasher.hash(key)):
        raise AdminNotFound(f"No admin named '{username}'.")
    creds = repo.find_credentials(conn, username)
    assert creds is not None
    return NewKey(creds.loginid, creds.username, key)


def set_disabled(conn: Connection, username: str, disabled: bool) -> None:
    if not repo.update_admin(conn, username, disabled=disabled):
        raise AdminNotFound(f"No admin named '{username}'.")


def list_admins(conn: Connection) -> list[RowMapping]:
    return repo.list_admins(conn)


def ensure_first_admin(conn: Connection, hasher: KeyHasher) -> NewKey | None:
    """On a database with no admin, create `admin` and return its key (once, ever)."""
    if repo.any_admin(conn):
        return None
    return create_admin(conn, hasher, "admin")


def advertiser_id(conn: Connection, username: str) -> int:
    """The loginid of the advertiser with this username (any case), or 404 advertiser_not_found."""
    found = repo.advertiser_id(conn, username)
    if found is None:
        raise AdvertiserNotFound(f"No advertiser with advertiser_username {username[:64]!r}.")
    return found
