"""Login accounts: the username, password and contact rules all account types share; admins."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, RowMapping
from sqlalchemy.exc import IntegrityError

from trackpost.accounts import repository as repo
from trackpost.accounts.errors import AdminNotFound, EmailTaken
from trackpost.accounts.rules import (
    USERNAME_RULE,
    username_problem,
)
from trackpost.core.config import parse_networks
from trackpost.core.errors import AdvertiserNotFound, InvalidUsername, UsernameTaken
from trackpost.core.security import KeyHasher, hash_password, new_api_key

if TYPE_CHECKING:
    from trackpost.accounts.schemas import ContactFields

# Only advertisers' emails are unique (a partial unique index): affiliates may share one.
UNIQUE_EMAIL_TYPES = frozenset({"advertiser"})
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


@dataclass(frozen=True)
class NewKey:
    loginid: int
    username: str
    api_key: str


def _check_username(username: str) -> None:
    if username_problem(username):
        raise InvalidUsername(f"Username '{username}' is invalid: {USERNAME_RULE}.")


def _username_taken(username: str) -> UsernameTaken:
    return UsernameTaken(f"Username '{username}' is already taken.")


def _email_taken(email: str) -> EmailTaken:
    return EmailTaken(f"Email '{email}' is already used by another advertiser.")


def _check_username_free(conn: Connection, username: str) -> None:
    if repo.username_exists(conn, username):
        raise _username_taken(username)


def _check_email_free(conn: Connection, email: str, loginid: int | None = None) -> None:
    """409 email_taken when another advertiser uses this email (in any case)."""
    owner = repo.advertiser_email_owner(conn, email)
    if owner is not None and owner != loginid:
        raise _email_taken(email)


def check_new_login(conn: Connection, kind: str, username: str, email: str) -> None:
    """409 when the username is taken or, where emails are unique, the email is."""
    _check_username_free(conn, username)
    if kind in UNIQUE_EMAIL_TYPES:
        _check_email_free(conn, email)


def contact_values(params: ContactFields) -> dict[str, Any]:
    """Column values for the contact parameters sent; blank join_ip clears; 'ref' is affiliates'."""
    sent = params.model_fields_set
    values: dict[str, Any] = {k: getattr(params, k) for k in CONTACT_COLUMNS if k in sent}
    if "join_ip" in values:
        values["join_ip"] = values["join_ip"] or None
    return values


def add_login(
    conn: Connection, kind: str, username: str, password: str, email: str, values: dict[str, Any]
) -> int:
    """Create an account (status 0 Active unless given); the password is stored hashed."""
    row = {
        **values,
        "type": kind,
        "username": username,
        "email": email,
        "password_hash": hash_password(password),
    }
    row.setdefault("status", 0)
    try:
        return repo.insert_login(conn, row)
    except IntegrityError as exc:
        # Two concurrent adds of one username (or advertiser email): the unique index decides.
        detail = str(exc.orig).lower()
        if "username" in detail:
            raise _username_taken(username) from None
        if "email" in detail and kind in UNIQUE_EMAIL_TYPES:
            raise _email_taken(email) from None
        raise


def edit_login(
    conn: Connection,
    kind: str,
    loginid: int,
    values: dict[str, Any],
    *,
    email: str | None = None,
    password: str | None = None,
) -> None:
    """Write the column values given, plus a new email and password when sent."""
    if email is not None:
        if kind in UNIQUE_EMAIL_TYPES:
            _check_email_free(conn, email, loginid)
        values = {**values, "email": email}
    if password is not None:
        values = {**values, "password_hash": hash_password(password)}
    if values:
        repo.update_login(conn, loginid, values)


def update_login(conn: Connection, loginid: int, values: dict[str, Any]) -> None:
    repo.update_login(conn, loginid, values)


def get_login(conn: Connection, loginid: int, *, lock: bool = False) -> RowMapping | None:
    """One account by loginid, of any type; lock=True for a check-then-write."""
    return repo.get(conn, loginid, lock=lock)


def account_type(conn: Connection, loginid: int) -> str | None:
    """admin, affiliate or advertiser; None when there is no such loginid."""
    return repo.account_type(conn, loginid)


def affiliate_status(conn: Connection, loginid: int) -> int | None:
    """The status of the affiliate with this loginid; None when it is no affiliate."""
    return repo.affiliate_status(conn, loginid)


def usernames(conn: Connection, loginids: Iterable[int]) -> dict[int, str]:
    return repo.usernames(conn, loginids)


def referral_graph(conn: Connection) -> list[tuple[int, int | None, int]]:
    """(loginid, ref_loginid, status) of the affiliates that have a referrer or are not active."""
    return repo.referral_graph(conn)


def loginid_of(conn: Connection, username: str) -> int | None:
    """The account (of any type) with this username, in any case."""
    return repo.loginid_of(conn, username)


def search(
    conn: Connection,
    kind: str,
    filters: dict[str, Any],
    name: str | None,
    orderby: str,
    start: int,
    count: int | None,
) -> list[RowMapping]:
    """Accounts of one type matching every filter given, a page at a time (count None: all)."""
    return repo.search(conn, kind, filters, name, orderby, start, count)


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
    _check_username_free(conn, username)
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


# The advertiser of offers added without one: the network's own offers (docs/compatibility.md).
HOUSE_ADVERTISER = "house"


def house_advertiser(conn: Connection) -> int:
    """The 'house' advertiser's loginid, made on first use with no password (it cannot log in)."""
    found = repo.advertiser_id(conn, HOUSE_ADVERTISER)
    if found is not None:
        return found
    if repo.loginid_of(conn, HOUSE_ADVERTISER) is not None:
        raise UsernameTaken(
            f"Parameter 'advertiserid' is needed: the username {HOUSE_ADVERTISER!r}, kept for the "
            "network's own offers, belongs to an account that is not an advertiser."
        )
    try:
        with conn.begin_nested():  # two first uses at once: the unique username decides
            return repo.insert_login(
                conn, {"type": "advertiser", "username": HOUSE_ADVERTISER, "status": 0}
            )
    except IntegrityError:
        found = repo.advertiser_id(conn, HOUSE_ADVERTISER)
        if found is None:
            raise
        return found
