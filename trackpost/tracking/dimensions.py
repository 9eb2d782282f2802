"""A click's dimensions: device type, OS and browser from its User-Agent, and its country.

The User-Agent is parsed by ua-parser (uap-core's rules, shipped and updated monthly by
ua-parser-builtins), which matches with its native ua-parser-rs engine when installed (the
`regex` extra this project depends on) and falls back to Python's re, many times slower.
Results are kept per distinct User-Agent string in a bounded LRU, so a repeated one costs a
dict lookup. The device type is
read from what the library found (its Spider device, its tablet and phone device families, the
OS family), not from the raw string. Country codes come from the trusted proxy's header
(tracking/web.py) or from a MaxMind-format GeoIP database read with `maxminddb`.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any, NamedTuple

import maxminddb
import ua_parser

# Distinct User-Agent strings remembered per worker process: a few MB at most.
UA_CACHE_SIZE = 8192
MAX_NAME = 64  # clicks.device_os and clicks.device_browser are VARCHAR(64)
# Country codes that mean "not known": Cloudflare's XX (unknown) and T1 (Tor), and ZZ.
_UNKNOWN_COUNTRIES = frozenset({"XX", "T1", "ZZ"})
_MOBILE_OS = frozenset(
    {
        "iOS",
        "Android",
        "Windows Phone",
        "Windows Mobile",
        "BlackBerry OS",
        "Symbian OS",
        "KaiOS",
        "Firefox OS",
        "Tizen",
        "Sailfish",
        "webOS",
        "Bada",
        "HarmonyOS",
        "Ubuntu Touch",
    }
)
_DESKTOP_OS = frozenset(
    {
        "Windows",
        "Mac OS X",
        "Linux",
        "Ubuntu",
        "Chrome OS",
        "Fedora",
        "Debian",
        "Red Hat",
        "SUSE",
        "Mint",
        "Gentoo",
        "Arch Linux",
        "FreeBSD",
        "OpenBSD",
        "NetBSD",
        "Solaris",
    }
)
_MOBILE_DEVICES = frozenset(
    {"iPhone", "iPod", "Generic Smartphone", "Generic Feature Phone", "Generic_Android"}
)
DEVICE_TYPES = ("desktop", "mobile", "tablet", "bot", "other")


class Device(NamedTuple):
    """What a User-Agent says: type (one of DEVICE_TYPES), OS and browser family; None: unknown."""

    type: str | None
    os: str | None
    browser: str | None


NO_DEVICE = Device(None, None, None)


def _kind(result: ua_parser.Result) -> str:
    device = result.device
    family = device.family if device else ""
    brand = (device.brand or "") if device else ""
    os_family = result.os.family if result.os else ""
    if family == "Spider" or brand == "Spider":
        return "bot"
    if family == "iPad" or brand == "Generic_Android_Tablet" or "Kindle" in family:
        return "tablet"
    if "Tablet" in family:
        return "tablet"
    if os_family in _MOBILE_OS or family in _MOBILE_DEVICES or brand == "Generic_Android":
        return "mobile"
    if os_family in _DESKTOP_OS or os_family.startswith("Windows"):
        return "desktop"
    return "other"


def _name(value: str | None) -> str | None:
    return value[:MAX_NAME] if value and value != "Other" else None


@cache
def _parser() -> ua_parser.Parser:
    """The rules on the native engine when installed, without the library's own result cache:
    _parse's LRU is the one cache (two held the same User-Agents twice)."""
    if ua_parser.RegexResolver is not None:
        return ua_parser.Parser(ua_parser.RegexResolver(ua_parser.load_lazy_builtins()))
    return ua_parser.Parser(ua_parser.BasicResolver(ua_parser.load_builtins()))


@lru_cache(maxsize=UA_CACHE_SIZE)
def _parse(user_agent: str) -> Device:
    result = _parser().parse(user_agent)
    return Device(
        _kind(result),
        _name(result.os.family if result.os else None),
        _name(result.user_agent.family if result.user_agent else None),
    )


def device_of(user_agent: str | None) -> Device:
    """The device a User-Agent names; NO_DEVICE when there is none."""
    if not user_agent or not user_agent.strip():
        return NO_DEVICE
    return _parse(user_agent[:512])


def warm(geoip_db: str | None = None) -> None:
    """Load the parser's rules and open the GeoIP database at a worker's start rather than
    during its first click; a file that is not a MaxMind database stops the start here."""
    device_of("Mozilla/5.0")
    if geoip_db is not None:
        _reader(geoip_db)


def iso_country(raw: str | None) -> str | None:
    """An ISO 3166-1 alpha-2 code, upper case; None when raw is not one or means unknown."""
    if not raw:
        return None
    code = raw.strip().upper()
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        return None
    return None if code in _UNKNOWN_COUNTRIES else code


@lru_cache(maxsize=4)
def _reader(path: str) -> maxminddb.Reader:
    # One open database per worker process and path; MODE_AUTO uses the C extension's mmap.
    return maxminddb.open_database(path)


def _iso_of(record: Any) -> str | None:
    if not isinstance(record, dict):
        return None
    for key in ("country", "registered_country"):
        place = record.get(key)
        if isinstance(place, dict) and isinstance(place.get("iso_code"), str):
            return iso_country(place["iso_code"])
    # Country-only databases built by other tools may keep the code at the top level.
    code = record.get("iso_code") or record.get("country_code")
    return iso_country(code) if isinstance(code, str) else None


def geoip_country(path: str, ip: str) -> str | None:
    """The country the GeoIP database at `path` gives the address; None when it has none."""
    try:
        return _iso_of(_reader(path).get(ip))
    except (ValueError, OSError, maxminddb.InvalidDatabaseError):
        # Not an IP address (a test client's name), or a damaged file: the click goes on.
        return None
