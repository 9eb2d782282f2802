"""Adding and removing global IP-list entries; each change bumps the lists' cache version."""

from __future__ import annotations

import ipaddress

from sqlalchemy import Connection

from trackpost.iplists import repository as repo
from trackpost.iplists.errors import InvalidIp
from trackpost.iplists.rules import POST, VOID

LISTS = {POST: "Global Postback Allowed IPs", VOID: "Global Void IPs"}


def normalise_ip(raw: str) -> str:
    """An IPv4/IPv6 address (or CIDR network) in canonical text; anything else is a 400."""
    text = raw.strip()
    try:
        net = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise InvalidIp(
            f"Parameter 'ip' is not an IPv4 or IPv6 address (or CIDR network): {raw[:64]!r}."
        ) from None
    if net.prefixlen == net.max_prefixlen:
        return str(net.network_address)
    return str(net)


def add_ip(conn: Connection, list_name: str, raw_ip: str) -> str:
    """The vendor's answer text: 'Ip added' or 'Ip already in list'."""
    ip = normalise_ip(raw_ip)
    if not repo.add(conn, list_name, ip):
        return "Ip already in list"
    repo.bump_version(conn)
    return "Ip added"


def remove_ip(conn: Connection, list_name: str, raw_ip: str) -> str:
    """The vendor's answer text: 'Ip removed', 'Ip not in list' or 'List not set'."""
    ip = normalise_ip(raw_ip)
    if repo.remove(conn, list_name, ip):
        repo.bump_version(conn)
        return "Ip removed"
    return "Ip not in list" if repo.count(conn, list_name) else "List not set"


def global_ips(conn: Connection) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {POST: [], VOID: []}
    for name, ip in repo.entries(conn):
        out.setdefault(name, []).append(ip)
    return out
