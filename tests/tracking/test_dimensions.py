"""A click's dimensions: device type, OS and browser from the User-Agent, and its country."""

from __future__ import annotations

from pathlib import Path

import maxminddb
import pytest
from mmdb_writer import MMDBWriter
from netaddr import IPSet
from pydantic import ValidationError

from tests.conftest import BuildApp
from tests.support import ApiClient
from tests.tracking.support import click_rows, code_of, network
from trackpost.core.config import Settings
from trackpost.tracking import dimensions
from trackpost.tracking.dimensions import Device, device_of, iso_country

UAS = {
    "windows chrome": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Safari/537.36",
        Device("desktop", "Windows", "Chrome"),
    ),
    "mac safari": (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
        "Gecko) Version/17.1 Safari/605.1.15",
        Device("desktop", "Mac OS X", "Safari"),
    ),
    "linux firefox": (
        "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
        Device("desktop", "Linux", "Firefox"),
    ),
    "iphone": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
        "like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
        Device("mobile", "iOS", "Mobile Safari"),
    ),
    "android phone": (
        "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.6099.144 Mobile Safari/537.36",
        Device("mobile", "Android", "Chrome Mobile"),
    ),
    "ipad": (
        "Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.1 Mobile/15E148 Safari/604.1",
        Device("tablet", "iOS", "Mobile Safari"),
    ),
    "android tablet": (
        "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Safari/537.36",
        Device("tablet", "Android", "Chrome"),
    ),
    "googlebot": (
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        Device("bot", None, "Googlebot"),
    ),
    "curl": ("curl/8.4.0", Device("other", None, "curl")),
}


@pytest.mark.parametrize("name", sorted(UAS))
def test_user_agents_of_each_device_type(name: str) -> None:
    ua, expected = UAS[name]
    assert device_of(ua) == expected


def test_no_user_agent_is_no_device() -> None:
    assert device_of(None) == device_of("") == device_of("   ") == dimensions.NO_DEVICE


def test_a_repeated_user_agent_is_parsed_once() -> None:
    ua = "Mozilla/5.0 (X11; Linux x86_64; rv:99.0) Gecko/20100101 Firefox/99.0 cache-test"
    device_of(ua)
    before = dimensions._parse.cache_info()
    for _ in range(5):
        device_of(ua)
    after = dimensions._parse.cache_info()
    assert (after.hits - before.hits, after.misses - before.misses) == (5, 0)
    assert after.maxsize == dimensions.UA_CACHE_SIZE


@pytest.mark.parametrize(
    ("raw", "code"),
    [("US", "US"), (" de ", "DE"), ("XX", None), ("T1", None), ("USA", None), ("", None)],
)
def test_country_codes_are_iso_alpha_2(raw: str, code: str | None) -> None:
    assert iso_country(raw) == code


def _geoip_db(path: Path) -> Path:
    writer = MMDBWriter(ip_version=6, database_type="GeoLite2-Country", ipv4_compatible=True)
    writer.insert_network(IPSet(["198.51.100.0/24"]), {"country": {"iso_code": "DE"}})
    writer.insert_network(IPSet(["2001:db8::/32"]), {"registered_country": {"iso_code": "FR"}})
    writer.to_db_file(str(path))
    return path


def _click(built_client: object, code: str, **headers: str) -> None:
    resp = built_client.get(f"/track/{code}", headers=headers, follow_redirects=False)  # type: ignore[attr-defined]
    assert resp.status_code == 302, resp.text


def test_the_click_records_its_device(build_app: BuildApp, api: ApiClient) -> None:
    net = network(api)
    code = code_of(api, loginid=net["loginid"], offerid=net["offerid"])
    built = build_app()
    with built.client() as client:
        _click(client, code, **{"User-Agent": UAS["iphone"][0]})
        _click(client, code, **{"User-Agent": UAS["googlebot"][0]})
        client.head(f"/track/{code}", headers={"User-Agent": UAS["ipad"][0]})
    rows = click_rows(built.services)
    assert [(r["device_type"], r["device_os"], r["device_browser"]) for r in rows] == [
        ("mobile", "iOS", "Mobile Safari"),
        ("bot", None, "Googlebot"),
    ]
    assert [r["country"] for r in rows] == [None, None]


def test_country_header_is_believed_only_from_a_trusted_proxy(
    build_app: BuildApp, api: ApiClient
) -> None:
    net = network(api)
    code = code_of(api, loginid=net["loginid"], offerid=net["offerid"])
    built = build_app(trusted_proxies="10.0.0.0/8")
    with built.client("10.1.1.1") as proxied:
        _click(proxied, code, **{"CF-IPCountry": "ca"})
        _click(proxied, code, **{"CF-IPCountry": "XX"})
        _click(proxied, code, **{"CF-IPCountry": "T1"})
    with built.client("192.0.2.1") as direct:
        _click(direct, code, **{"CF-IPCountry": "CA"})
    assert [r["country"] for r in click_rows(built.services)] == ["CA", None, None, None]


def test_the_country_header_is_a_setting(build_app: BuildApp, api: ApiClient) -> None:
    net = network(api)
    code = code_of(api, loginid=net["loginid"], offerid=net["offerid"])
    built = build_app(trusted_proxies="10.0.0.0/8", country_header="X-Country-Code")
    with built.client("10.1.1.1") as proxied:
        _click(proxied, code, **{"CF-IPCountry": "CA"})
        _click(proxied, code, **{"X-Country-Code": "BR"})
    assert [r["country"] for r in click_rows(built.services)] == [None, "BR"]


def test_geoip_database_gives_the_country_without_a_header(
    build_app: BuildApp, api: ApiClient, tmp_path: Path
) -> None:
    net = network(api)
    code = code_of(api, loginid=net["loginid"], offerid=net["offerid"])
    db = _geoip_db(tmp_path / "countries.mmdb")
    built = build_app(trusted_proxies="10.0.0.0/8", geoip_db=str(db))
    with built.client("198.51.100.20") as german:
        _click(german, code)
        _click(german, code, **{"CF-IPCountry": "US"})  # not a proxy: the header is ignored
    with built.client("2001:db8::5") as french:
        _click(french, code)
    with built.client("203.0.113.9") as unknown:
        _click(unknown, code)
    with built.client("10.1.1.1") as proxied:
        # A trusted proxy's header wins; X-Forwarded-For's client is looked up without one.
        _click(proxied, code, **{"CF-IPCountry": "US", "X-Forwarded-For": "198.51.100.1"})
        _click(proxied, code, **{"X-Forwarded-For": "198.51.100.1"})
    countries = [r["country"] for r in click_rows(built.services)]
    assert countries == ["DE", "DE", "FR", None, "US", "DE"]


def test_settings_check_the_geoip_file_and_header(settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="not a readable file"):
        settings.replace(geoip_db=str(tmp_path / "missing.mmdb"))
    with pytest.raises(ValidationError, match="not an HTTP header name"):
        settings.replace(country_header="CF IPCountry:")
    assert settings.replace(country_header="", geoip_db="").geoip_db is None


def test_a_damaged_geoip_file_stops_the_start_and_never_a_click(
    build_app: BuildApp, api: ApiClient, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.mmdb"
    bad.write_bytes(b"not a MaxMind database" * 10)
    with pytest.raises(maxminddb.InvalidDatabaseError):
        dimensions.warm(str(bad))
    net = network(api)
    code = code_of(api, loginid=net["loginid"], offerid=net["offerid"])
    built = build_app(geoip_db=str(bad))
    with built.client("198.51.100.20") as client:
        _click(client, code)
    assert [r["country"] for r in click_rows(built.services)] == [None]
