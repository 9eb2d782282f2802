"""The house rules, read from the code's imports: layers, routes, services and where SQL lives."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "trackpost"

# A domain may import only domains of a lower floor (docs/ARCHITECTURE.md draws these floors).
FLOORS: dict[str, int] = {
    "core": 0,
    "models": 1,
    "migrations": 2,
    "accounts": 2,
    "events": 2,
    "iplists": 2,
    "system": 2,
    "tracking": 3,
    "customers": 3,
    "delivery": 3,
    "reports": 3,
    "offers": 4,
    "webhooks": 4,
    "affiliates": 5,
    "caps": 5,
    "advertisers": 6,
    "commissions": 6,
    "transactions": 7,
    "postbacks": 8,
    "payments": 8,
    "stats": 4,
    # The console calls every domain's services, and only the wiring imports it.
    "ui": 9,
    "cli": 10,
    "app": 10,
    "__main__": 11,
    "__init__": 11,
}
# Modules that speak HTTP: they alone may import starlette or the request pipeline.
HTTP_MODULES = frozenset({"routes", "link_routes", "web"})
# What a module outside a repository may take from SQLAlchemy: types and errors, never queries.
SQLALCHEMY_TYPES = frozenset({"Connection", "RowMapping", "Row", "Engine"})


@dataclass(frozen=True)
class Import:
    """One module's import of another, as written."""

    module: str  # importer, dotted (trackpost.customers.service)
    target: str  # imported module, dotted
    names: tuple[str, ...]  # names taken by `from target import ...`; () for `import target`


def read_imports(root: Path = PACKAGE) -> list[Import]:
    """Every import statement of every module under the package (runtime and TYPE_CHECKING)."""
    found: list[Import] = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root.parent).with_suffix("")
        module = ".".join(rel.parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = tuple(a.name for a in node.names)
                found.append(Import(module, node.module, names))
                # `from trackpost.x import repository` imports the module trackpost.x.repository.
                base = root.parent.joinpath(*node.module.split("."))
                found.extend(
                    Import(module, f"{node.module}.{n}", ())
                    for n in names
                    if base.joinpath(f"{n}.py").exists() or base.joinpath(n).is_dir()
                )
            elif isinstance(node, ast.Import):
                found.extend(Import(module, a.name, ()) for a in node.names)
    return found


def _domain(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _leaf(module: str) -> str:
    return module.rsplit(".", 1)[-1]


def layer_violations(imports: list[Import]) -> list[str]:
    """Imports of a domain on the same or a higher floor (which could close a loop)."""
    out = []
    for imp in imports:
        if not imp.target.startswith("trackpost."):
            continue
        src, dst = _domain(imp.module), _domain(imp.target)
        if src == dst or dst not in FLOORS:
            continue
        if src not in FLOORS:
            out.append(f"{imp.module}: domain {src!r} has no floor in FLOORS")
        elif FLOORS[dst] >= FLOORS[src]:
            out.append(f"{imp.module} imports {imp.target}: {dst} is not below {src}")
    return out


def route_violations(imports: list[Import]) -> list[str]:
    """Routes call services: they never reach into a repository."""
    return [
        f"{imp.module} imports {imp.target}"
        for imp in imports
        if _leaf(imp.module) in HTTP_MODULES
        and _domain(imp.module) not in ("core", "app")
        and _leaf(imp.target).endswith("repository")
    ]


def http_violations(imports: list[Import]) -> list[str]:
    """Services and repositories know nothing of HTTP: no starlette, no request pipeline.

    In the console only its pipeline (ui/web.py) and route table speak HTTP; its page handlers
    see a UiRequest, as the API's handlers see a RequestContext.
    """
    out = []
    for imp in imports:
        if _domain(imp.module) in ("core", "app", "cli", "__main__") or _leaf(imp.module) in (
            HTTP_MODULES
        ):
            continue
        if imp.target.split(".")[0] == "starlette" or imp.target == "trackpost.core.http":
            out.append(f"{imp.module} imports {imp.target}")
    return out


def sql_violations(imports: list[Import]) -> list[str]:
    """Queries are built in repositories only (and in core's database plumbing and the schema)."""
    out = []
    for imp in imports:
        if _domain(imp.module) in ("core", "models", "migrations", "cli"):
            continue
        if _leaf(imp.module).endswith("repository"):
            continue
        if imp.target == "trackpost.models.tables" or imp.target.startswith("trackpost.models."):
            out.append(f"{imp.module} imports {imp.target}")
        elif imp.target == "sqlalchemy" and set(imp.names) - SQLALCHEMY_TYPES:
            extra = ", ".join(sorted(set(imp.names) - SQLALCHEMY_TYPES))
            out.append(f"{imp.module} takes {extra} from sqlalchemy")
    return out


def borrow_violations(imports: list[Import]) -> list[str]:
    """A domain uses another's service; its repository, errors, fields or lookup stay its own."""
    out = []
    for imp in imports:
        src, dst = _domain(imp.module), _domain(imp.target)
        if not imp.target.startswith("trackpost.") or src == dst or dst == "core":
            continue
        if src in ("app", "cli", "__main__"):
            continue  # the wiring may reach anything
        if _leaf(imp.target).endswith("repository") or _leaf(imp.target) in (
            "errors",
            "fields",
            "lookup",
        ):
            out.append(f"{imp.module} imports {imp.target}")
    return out


# Each table has one owning domain: only its repository writes it. A few hot statements read
# another domain's table in the same query (one round trip instead of two); each such read is
# listed here with its reason, so a new one is a decision, not an accident.
OWNERS = {
    "logins": "accounts",
    "admin_sessions": "accounts",
    "payvia_types": "affiliates",
    "payvia_info": "affiliates",
    "customers": "customers",
    "customer_audit": "customers",
    "ip_list_entries": "iplists",
    "offers": "offers",
    "landing_pages": "offers",
    "landing_page_access": "offers",
    "tracking_domains": "offers",
    "clicks": "tracking",
    "transactions": "transactions",
    "transaction_payouts": "transactions",
    "affiliate_managers": "affiliates",
    "commission_changes": "commissions",
    "commission_audit": "commissions",
    "offer_commissions": "commissions",
    "referral_tiers": "commissions",
    "offer_partners": "commissions",
    "manager_commissions": "commissions",
    "goals": "commissions",
    "offer_goals": "commissions",
    "commission_counters": "commissions",
    "events": "events",
    "event_cursors": "events",
    "deliveries": "delivery",
    "delivery_attempts": "delivery",
    "delivery_destinations": "delivery",
    "affiliate_postbacks": "affiliates",
    "postback_event_settings": "affiliates",
    "webhook_endpoints": "webhooks",
    "failed_postbacks": "postbacks",
    "payout_periods": "payments",
    "payout_period_affiliates": "payments",
    "payment_profiles": "payments",
    "payvia_settings": "payments",
    "payment_builds": "payments",
    "payment_dump_formats": "payments",
    "payments": "payments",
    "payment_lines": "payments",
    "payment_adjustments": "payments",
    "payment_audit": "payments",
    "conversion_caps": "caps",
    "cap_usage": "caps",
    "cap_visitors": "caps",
    "cap_bookings": "caps",
    "stats_hourly": "stats",
    "stats_subaff_hourly": "stats",
    "stats_offer_hourly": "stats",
    "stats_state": "stats",
    "stats_seen": "stats",
    "stats_offer_daily": "stats",
}
# cache_versions holds one row per cache; each domain keeps its own row (and reads others').
SHARED_TABLES = frozenset({"cache_versions"})
READS = {
    ("customers", "transactions"): "a customer found by the orderid of any of its transactions",
    ("tracking", "offers"): "the click's resolution reads its offer and landing page at once",
    (
        "tracking",
        "landing_pages",
    ): "the click's resolution reads its offer and landing page at once",
    (
        "tracking",
        "landing_page_access",
    ): "the click's resolution (a cache miss) reads the affiliate's access to a private page",
    ("tracking", "customers"): "retention keeps the clicks a customer refers to",
    ("tracking", "transactions"): "retention keeps the clicks a transaction refers to",
    ("postbacks", "clicks"): "a conversion's one read: the click with its offer and page",
    ("postbacks", "offers"): "a conversion's one read: the click with its offer and page",
    ("postbacks", "landing_pages"): "a conversion's one read: the click with its offer and page",
    ("postbacks", "logins"): "a conversion's one read: the advertiser's username for the audit",
    ("postbacks", "transactions"): "a conversion's one read: a replay's earlier transaction",
    ("reports", "transactions"): "the transaction report reads the ledger",
    ("affiliates", "clicks"): "postback variables: the delivery fan-out reads a batch's clicks",
    ("affiliates", "customers"): "postback variables: cust_* fields, read per fan-out batch",
    ("affiliates", "offers"): "postback variables: which offers hide customers' personal data",
    ("affiliates", "landing_pages"): "pixels.js: only a page converting by iframe renders pixels",
    ("affiliates", "transactions"): "postback variables: an approval's sale; a pixel's conversion",
    ("reports", "logins"): "the transaction report names each row's affiliate",
    ("reports", "transaction_payouts"): "the transaction report lists each row's payees",
    ("reports", "payout_periods"): "period codes 0 and 1 are the affiliate's payout period",
    ("reports", "payment_profiles"): "period codes 0 and 1 are the affiliate's payout period",
    ("reports", "clicks"): "the click log; the transaction report's subaffs are its click's",
    ("reports", "customers"): "the click log's converted; the transaction report's customer",
    ("payments", "transactions"): "a build reads which payee rows count, and since when",
    ("payments", "transaction_payouts"): "a build pays every payee row not yet in a payment",
    ("payments", "logins"): "a build reads each payee's status, payvia, minimum and address",
    ("payments", "payvia_info"): "a stored payment freezes the payee's payvia details",
    ("payments", "payvia_types"): "a stored payment freezes its payvia's name",
    ("caps", "offers"): "an advertiser's cap covers its offers: the gate's and a booking's read",
}


def table_violations(imports: list[Import]) -> list[str]:
    """A repository touches only its own tables, and the listed reads of others'."""
    out = []
    for imp in imports:
        if imp.target != "trackpost.models.tables" or not _leaf(imp.module).endswith("repository"):
            continue
        src = _domain(imp.module)
        for name in imp.names:
            owner = OWNERS.get(name)
            if name.isupper() or name in SHARED_TABLES or owner == src:
                continue
            if owner is None:
                out.append(f"{imp.module} uses table {name!r}, which has no owner in OWNERS")
            elif (src, name) not in READS:
                out.append(f"{imp.module} uses {owner}'s table {name!r}")
    return out


RULES = {
    "tables": table_violations,
    "borrowing": borrow_violations,
    "layers": layer_violations,
    "routes": route_violations,
    "http": http_violations,
    "sql": sql_violations,
}


@pytest.mark.parametrize("rule", sorted(RULES))
def test_the_house_keeps_its_rule(rule: str) -> None:
    assert RULES[rule](read_imports()) == []


# Each rule fires on the break it exists to catch (a rule that cannot fail proves nothing).
BREAKS = {
    "tables": Import("trackpost.offers.repository", "trackpost.models.tables", ("customers",)),
    "borrowing": Import("trackpost.postbacks.service", "trackpost.customers.errors", ()),
    "layers": Import("trackpost.customers.service", "trackpost.postbacks.service", ()),
    "routes": Import("trackpost.customers.routes", "trackpost.customers.repository", ()),
    "http": Import("trackpost.customers.service", "starlette.requests", ("Request",)),
    "sql": Import("trackpost.customers.service", "sqlalchemy", ("select", "Connection")),
}


@pytest.mark.parametrize("rule", sorted(BREAKS))
def test_each_rule_catches_its_break(rule: str) -> None:
    assert len(RULES[rule]([BREAKS[rule]])) == 1
    # The same import read from the real tree's neighbour stays allowed.
    assert RULES[rule]([Import("trackpost.postbacks.service", "trackpost.core.errors", ())]) == []


def test_every_domain_has_a_floor() -> None:
    domains = {_domain(i.module) for i in read_imports()}
    assert domains <= set(FLOORS), sorted(domains - set(FLOORS))
