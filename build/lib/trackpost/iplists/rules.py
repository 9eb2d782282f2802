"""Who may post: the global lists (cached per worker, reloaded when their version moves) and
the landing pages' own lists.

Postbacks: the global post list plus the landing page's postback_ips; when both are empty anyone
may post (the vendor's default). Remote voids: the global void list plus the landing page's
void_ips; when both are empty nobody may (the vendor's default).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Connection

from trackpost.core.config import IPNetwork, parse_networks
from trackpost.core.net import in_networks
from trackpost.iplists import repository as repo

POST, VOID = "post", "void"


@dataclass(frozen=True, slots=True)
class IpLists:
    version: int
    post: tuple[IPNetwork, ...]
    void: tuple[IPNetwork, ...]


class IpListCache:
    """The worker's copy of the global lists; one version read (or none) per check."""

    def __init__(self) -> None:
        self._lists: IpLists | None = None

    def clear(self) -> None:
        """Forget the lists (a group commit failed: they may hold writes that never happened)."""
        self._lists = None

    def get(self, conn: Connection, version: int | None = None) -> IpLists:
        """The lists at `version` (read from the database when the caller has not)."""
        if version is None:
            version = repo.version(conn)
        lists = self._lists
        if lists is None or lists.version != version:
            post: list[IPNetwork] = []
            void: list[IPNetwork] = []
            for name, ip in repo.entries(conn):
                (post if name == POST else void).append(ipaddress.ip_network(ip, strict=False))
            lists = self._lists = IpLists(version, tuple(post), tuple(void))
        return lists


@lru_cache(maxsize=4096)
def landing_page_networks(stored: str | None) -> tuple[IPNetwork, ...]:
    """A landing page's stored list ('a/nn,b/nn'); unparseable text allows no one."""
    if not stored:
        return ()
    try:
        return parse_networks(stored, "landing page list")
    except ValueError:
        return (ipaddress.ip_network("0.0.0.0/32"),)


def post_allowed(ip: str, lists: IpLists, landing_page_ips: str | None) -> bool:
    page = landing_page_networks(landing_page_ips)
    if not lists.post and not page:
        return True
    return in_networks(ip, lists.post) or in_networks(ip, page)


def global_post_allows(ip: str, lists: IpLists) -> bool:
    """Whether the global list alone lets this IP post (true when the list is empty)."""
    return not lists.post or in_networks(ip, lists.post)


def void_allowed(ip: str, lists: IpLists, landing_page_ips: str | None) -> bool:
    return in_networks(ip, lists.void) or in_networks(ip, landing_page_networks(landing_page_ips))
