"""Settings: the global IP lists, admin accounts, their roles, passwords and API keys."""

from __future__ import annotations

from typing import Any

from trackpost.accounts import console
from trackpost.accounts import service as accounts
from trackpost.accounts.roles import ADMIN, ROLES, Permission
from trackpost.core.errors import NotFound, TrackpostError
from trackpost.core.security import PasswordHashing
from trackpost.iplists import service as iplists
from trackpost.iplists.schemas import IpParams
from trackpost.ui.forms import model
from trackpost.ui.pages import Page, Pages, Redirect, Result, UiRequest

pages = Pages()
ROOT = "/admin/settings"
LISTS = {"post": "Postback addresses", "void": "Void addresses"}


def _page(req: UiRequest, **extra: Any) -> Page:
    values: dict[str, Any] = {
        "lists": iplists.global_ips(req.conn),
        "list_names": LISTS,
        "admins": accounts.list_admins(req.conn),
        "roles": ROLES,
        "new_key": None,
        "error": None,
    }
    values.update(extra)
    status = int(extra.pop("status", 200))
    return Page("settings.html", values, status=status)


def _failed(req: UiRequest, exc: TrackpostError) -> Result:
    return _page(req, error=exc.message, status=exc.status)


@pages.get(ROOT, Permission.SETTINGS)
def settings_page(req: UiRequest) -> Page:
    return _page(req)


def _list_name(req: UiRequest) -> str:
    name = req.form.get("list", "")
    if name not in LISTS:
        raise NotFound(f"Parameter 'list' must be one of {', '.join(LISTS)}.", code="unknown_list")
    return name


@pages.post(ROOT + "/ips/add", Permission.SETTINGS, failed=_failed)
def add_ip(req: UiRequest) -> Redirect:
    ip = model(IpParams, {"ip": req.form.get("ip", "")}).ip
    iplists.add_ip(req.conn, _list_name(req), ip)
    return Redirect(ROOT, "ip_added")


@pages.post(ROOT + "/ips/remove", Permission.SETTINGS, failed=_failed)
def remove_ip(req: UiRequest) -> Redirect:
    ip = model(IpParams, {"ip": req.form.get("ip", "")}).ip
    iplists.remove_ip(req.conn, _list_name(req), ip)
    return Redirect(ROOT, "ip_removed")


async def _hash_password(hashing: PasswordHashing, ip: str, form: dict[str, str]) -> dict[str, str]:
    """A typed password is checked and hashed before the transaction."""
    password = form.get("password", "")
    if not password:
        return form
    console.check_password(password)
    return {**form, "password": await hashing.hash(ip, password)}


@pages.post(ROOT + "/admins/new", Permission.SETTINGS, failed=_failed, prepare=_hash_password)
def create_admin(req: UiRequest) -> Page:
    """A new admin; an admin-role account's API key is shown once, on this answer only."""
    username = req.form.get("username", "").strip()
    role = console.check_role_text(req.form.get("role", ADMIN))
    new = accounts.create_admin(req.conn, req.hasher, username)
    if role != ADMIN:
        console.set_role(req.conn, new.username, role)
    if req.form.get("password"):
        console.set_password(req.conn, new.username, req.form["password"])
    key = new.api_key if role == ADMIN else None
    return _page(req, new_key=key, new_key_for=new.username, created=new.username)


def _admin(req: UiRequest) -> Any:
    row = accounts.get_login(req.conn, req.path_id("loginid"))
    if row is None or row["type"] != "admin":
        raise NotFound(f"No admin with loginid {req.path['loginid']}.", code="admin_not_found")
    return row


@pages.post(ROOT + "/admins/{loginid:int}/rotate", Permission.SETTINGS, failed=_failed)
def rotate_key(req: UiRequest) -> Page:
    """A new API key, shown once; the old one stops working."""
    row = _admin(req)
    if row["role"] != ADMIN:
        return _page(req, error="Support accounts hold no API key.", status=409)
    new = accounts.rotate_key(req.conn, req.hasher, row["username"])
    return _page(req, new_key=new.api_key, new_key_for=new.username)


@pages.post(ROOT + "/admins/{loginid:int}/disable", Permission.SETTINGS, failed=_failed)
def disable_admin(req: UiRequest) -> Redirect:
    row = _admin(req)
    accounts.set_disabled(req.conn, row["username"], True)
    console.end_sessions(req.conn, int(row["loginid"]))
    return Redirect(ROOT, "disabled")


@pages.post(ROOT + "/admins/{loginid:int}/enable", Permission.SETTINGS, failed=_failed)
def enable_admin(req: UiRequest) -> Redirect:
    row = _admin(req)
    accounts.set_disabled(req.conn, row["username"], False)
    return Redirect(ROOT, "enabled")


@pages.post(
    ROOT + "/admins/{loginid:int}/password",
    Permission.SETTINGS,
    failed=_failed,
    prepare=_hash_password,
)
def set_password(req: UiRequest) -> Redirect:
    """A new console password; the account's other sessions end."""
    row = _admin(req)
    console.set_password(req.conn, row["username"], req.form.get("password", ""))
    return Redirect(ROOT, "saved")
