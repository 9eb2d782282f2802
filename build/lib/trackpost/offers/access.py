"""Landing page bulk settings: who may use a lander (set_enabled_affiliates), and its IP lists
(store_offer_ips). Both change what the click path caches, so both bump its version."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection

from trackpost.accounts import service as accounts
from trackpost.core.errors import InvalidParameter, MissingParameter, NotSupported
from trackpost.offers import repository as repo
from trackpost.offers.access_schemas import SetEnabledAffiliates, StoreOfferIps
from trackpost.tracking import service as tracking

MAX_PAIRS = 50_000
_SELECTORS = ("landing_pageids", "offerids", "advertiser_ids")
_LIKES = ("offer_name_like", "landing_page_name_like", "url_like")
# action -> (override column, value written); None removes the override.
_ACTIONS: dict[str, tuple[str, bool | None]] = {
    "enable": ("enabled", True),
    "disable": ("enabled", False),
    "revert": ("enabled", None),
    "enable_requestable": ("requestable", True),
    "disable_requestable": ("requestable", False),
    "revert_requestable": ("requestable", None),
}


def _like(fragment: str) -> str:
    escaped = fragment.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _landers(conn: Connection, params: SetEnabledAffiliates) -> list[int]:
    """The vendor's order: all_landers, then landing_pageids, offerids, advertiser_ids (the
    first sent wins), narrowed by the name and URL fragments."""
    filters: dict[str, Any] = {}
    if not params.all_landers:
        chosen = next((s for s in _SELECTORS if getattr(params, s) is not None), None)
        if chosen is not None:
            filters[chosen] = getattr(params, chosen)
        filters.update({k: _like(getattr(params, k)) for k in _LIKES if getattr(params, k)})
        if not filters:
            raise MissingParameter(
                "Send which landers: all_landers, landing_pageids, offerids, advertiser_ids, "
                "offer_name_like, landing_page_name_like or url_like."
            )
    return repo.lander_ids(conn, filters)


def _affiliates(conn: Connection, params: SetEnabledAffiliates) -> list[int]:
    if params.loginids is not None:
        ids = sorted(set(params.loginids))
        for loginid in ids:
            if accounts.account_type(conn, loginid) != "affiliate":
                raise InvalidParameter(f"No affiliate with loginid {loginid} (loginids).")
        return ids
    if not params.all_users:
        raise MissingParameter("Send loginids (one, a comma list or an array) or all_users=1.")
    rows = accounts.search(conn, "affiliate", {}, None, "loginid", 0, None)
    return [int(r["loginid"]) for r in rows]


def set_enabled_affiliates(conn: Connection, params: SetEnabledAffiliates) -> dict[str, list[str]]:
    """Write each affiliate's override of each lander's private (or requestable) setting."""
    if params.loginids is not None and params.all_users:
        raise InvalidParameter("Send loginids or all_users, not both.")
    affiliates = _affiliates(conn, params)
    landers = _landers(conn, params)
    if len(affiliates) * len(landers) > MAX_PAIRS:
        raise InvalidParameter(
            f"The call names {len(affiliates)} affiliates and {len(landers)} landers: at most "
            f"{MAX_PAIRS} pairs at once; narrow it."
        )
    column, value = _ACTIONS[params.action]
    repo.set_access(conn, [(lp, a) for lp in landers for a in affiliates], column, value)
    tracking.forget_cached(conn)
    return {"landing_pageids": [str(i) for i in landers], "loginids": [str(i) for i in affiliates]}


def may_use(page: Mapping[Any, Any], override: tuple[bool | None, bool | None] | None) -> bool:
    """Whether an affiliate may send traffic to a page: its override, else the page is public."""
    if override is not None and override[0] is not None:
        return bool(override[0])
    return not page["private"]


def requestable(page: Mapping[Any, Any], override: tuple[bool | None, bool | None] | None) -> bool:
    """Whether a private page is offered to the affiliate to request (the vendor's portal does)."""
    if override is not None and override[1] is not None:
        return bool(override[1])
    return bool(page["requestable"])


def access_of(conn: Connection, loginid: int) -> dict[int, tuple[bool | None, bool | None]]:
    """The affiliate's overrides by landing page."""
    return repo.access_of(conn, loginid)


def store_offer_ips(conn: Connection, params: StoreOfferIps) -> dict[str, dict[str, Any]]:
    """Write the lists sent to every landing page of the targets (offers and advertisers fan
    out to their pages); each answer lists the addresses now on each list written."""
    if params.ips.hostnpost_ips:
        raise NotSupported(
            "Parameter 'ips[hostnpost_ips]' is not supported: trackpost has no host-and-post "
            "endpoint for such a list to guard."
        )
    lists = {
        name: getattr(params.ips, name)
        for name in ("postback_ips", "void_ips")
        if getattr(params.ips, name) is not None
    }
    if not lists:
        raise MissingParameter("Send ips[postback_ips] or ips[void_ips] (CSV or array).")
    targets = params.targets
    landers: set[int] = set()
    for name, key in (
        ("landing_pageids", "landing_pageids"),
        ("offerids", "offerids"),
        ("advertiserids", "advertiser_ids"),
    ):
        ids = getattr(targets, name)
        if ids is not None:
            found = repo.lander_ids(conn, {key: ids})
            landers.update(found)
    if not any(getattr(targets, n) is not None for n in type(targets).model_fields):
        raise MissingParameter(
            "Send targets[landing_pageids], targets[offerids] or targets[advertiserids]."
        )
    out: dict[str, dict[str, Any]] = {}
    for lp_id in sorted(landers):
        repo.update_landing_page(conn, lp_id, dict(lists))
        out[str(lp_id)] = {
            name: {_shown(net): True for net in stored.split(",") if net}
            for name, stored in lists.items()
        }
    if landers:
        tracking.forget_cached(conn)
    return out


def _shown(net: str) -> str:
    """A stored network as the vendor shows addresses: a single host without its /32 or /128."""
    return net.removesuffix("/32").removesuffix("/128")
