"""Client addresses: trusted-proxy handling and allowlist checks."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from trackpost.core.config import IPNetwork

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_ip(raw: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(raw.strip())
    except ValueError:
        return None


def in_networks(ip: str, networks: Iterable[IPNetwork]) -> bool:
    addr = parse_ip(ip)
    if addr is None:
        return False
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return any(addr.version == net.version and addr in net for net in networks)


def client_ip(peer: str, forwarded_for: str | None, trusted: tuple[IPNetwork, ...]) -> str:
    """The caller's address: X-Forwarded-For is believed only hop by hop through trusted proxies."""
    if not trusted or not forwarded_for or not in_networks(peer, trusted):
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    # Walk from the nearest hop back; the first address that is not a trusted proxy is the client.
    for hop in reversed(hops):
        if parse_ip(hop) is None:
            return peer
        if not in_networks(hop, trusted):
            return hop
    return hops[0] if hops else peer
