"""Adding and removing global IP-list entries; each change bumps the lists' cache version."""

from __future__ import annotations

from sqlalchemy import Connection

from trackpost.iplists import repository as repo
from trackpost.iplists.rules import POST, VOID


def add_ip(conn: Connection, list_name: str, ip: str) -> str:
    """The vendor's answer text for a (normalised) ip: 'Ip added' or 'Ip already in list'."""
    if not repo.add(conn, list_name, ip):
        return "Ip already in list"
    repo.bump_version(conn)
    return "Ip added"


def remove_ip(conn: Connection, list_name: str, ip: str) -> str:
    """The vendor's answer text: 'Ip removed', 'Ip not in list' or 'List not set'."""
    if repo.remove(conn, list_name, ip):
        repo.bump_version(conn)
        return "Ip removed"
    return "Ip not in list" if repo.count(conn, list_name) else "List not set"


def global_ips(conn: Connection) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {POST: [], VOID: []}
    for name, ip in repo.entries(conn):
        out.setdefault(name, []).append(ip)
    return out
