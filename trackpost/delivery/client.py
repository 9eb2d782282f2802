"""The delivery worker's aiohttp client: imported by the first send, not at a worker's start."""

from __future__ import annotations

import ipaddress
import socket
from typing import Protocol

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL


class Guard(Protocol):
    """What the client asks of outbound's guard: the one address a host may be reached at."""

    async def resolve(
        self, host: str, port: int
    ) -> ipaddress.IPv4Address | ipaddress.IPv6Address: ...


class _PinnedResolver(AbstractResolver):
    """aiohttp's resolver: a connection goes only to an address the guard allowed."""

    def __init__(self, guard: Guard) -> None:
        self.guard = guard

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        ip = await self.guard.resolve(host, port)
        return [
            {
                "hostname": host,
                "host": str(ip),
                "port": port,
                "family": socket.AF_INET6 if ip.version == 6 else socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
        ]

    async def close(self) -> None:
        return None


def new_session(guard: Guard, user_agent: str) -> aiohttp.ClientSession:
    """One client for the worker, inside its running loop; the worker limits requests per host
    itself, the connector keeps and reuses the connections."""
    connector = aiohttp.TCPConnector(
        limit=0, limit_per_host=0, resolver=_PinnedResolver(guard), use_dns_cache=False
    )
    return aiohttp.ClientSession(
        connector=connector,
        headers={"User-Agent": user_agent},
        cookie_jar=aiohttp.DummyCookieJar(),  # a receiver's cookies never travel on
        auto_decompress=False,
        trust_env=False,
        timeout=aiohttp.ClientTimeout(total=None),  # bounded by asyncio.timeout in send
    )


def url(raw: str) -> URL:
    """The URL sent exactly as the template rendered it (no re-encoding)."""
    return URL(raw, encoded=True)


def is_client_error(exc: BaseException) -> bool:
    return isinstance(exc, aiohttp.ClientError)
