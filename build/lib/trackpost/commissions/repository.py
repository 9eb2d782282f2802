"""Every query on the commission tables; statements are built once at import."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import (
    Connection,
    RowMapping,
    and_,
    bindparam,
    delete,
    func,
    insert,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from trackpost.core.batch import batch_scope
from trackpost.core.db import utcnow
from trackpost.core.hot import Hot
from trackpost.models.tables import COMMISSIONS_CACHE, TRACKING_CACHE
from trackpost.models.tables import cache_versions as CV
from trackpost.models.tables import commission_audit as CA
from trackpost.models.tables import commission_changes as CC
from trackpost.models.tables import commission_counters as CN
from trackpost.models.tables import goals as G
from trackpost.models.tables import manager_commissions as MC
from trackpost.models.tables import offer_commissions as OC
from trackpost.models.tables import offer_goals as OG
from trackpost.models.tables import offer_partners as OP
from trackpost.models.tables import referral_tiers as RT

_ALL_CHANGES = select(CC).order_by(
    CC.c.offerid, CC.c.goalid, CC.c.priority.desc(), CC.c.changeid.desc()
)
_OFFER_CHANGES = (
    select(CC)
    .where(CC.c.offerid == bindparam("offerid"))
    .order_by(CC.c.goalid, CC.c.priority.desc(), CC.c.changeid.desc())
)
_CHANGE = select(CC).where(CC.c.changeid == bindparam("changeid")).with_for_update()
_TOP_PRIORITY = select(func.max(CC.c.priority)).where(
    CC.c.offerid == bindparam("offerid"), CC.c.goalid == bindparam("goalid")
)
_UPDATE_CHANGE = update(CC).where(CC.c.changeid == bindparam("b_changeid"))
_VERSIONS = select(CV.c.name, CV.c.version).where(
    CV.c.name.in_([COMMISSIONS_CACHE, TRACKING_CACHE])
)
_BUMP = update(CV).where(CV.c.name == COMMISSIONS_CACHE).values(version=CV.c.version + 1)
_OFFER_MONEY = select(OC)
_OFFER_MONEY_ONE = select(OC).where(OC.c.offerid == bindparam("offerid"))
_TIERS = select(RT).order_by(RT.c.offerid, RT.c.tier)
_TIERS_OF = select(RT).where(RT.c.offerid == bindparam("offerid")).order_by(RT.c.tier)
_DELETE_TIERS = delete(RT).where(RT.c.offerid == bindparam("offerid"))
_PARTNERS = select(OP).order_by(OP.c.offerid, OP.c.loginid)
_DELETE_PARTNER = delete(OP).where(
    OP.c.offerid == bindparam("offerid"), OP.c.loginid == bindparam("loginid")
)
_MANAGERS = select(MC).order_by(MC.c.manager_loginid)
_DELETE_MANAGER = delete(MC).where(MC.c.manager_loginid == bindparam("manager_loginid"))
_GOALS = select(G).order_by(G.c.goalid)
_GOAL = select(G).where(G.c.goalid == bindparam("goalid"))
_GOAL_BY_NAME = select(G).where(func.lower(G.c.name) == func.lower(bindparam("name")))
_OFFER_GOALS = select(OG, G.c.allow_repeat).join(G, G.c.goalid == OG.c.goalid)
_OFFER_GOALS_OF = _OFFER_GOALS.where(OG.c.offerid == bindparam("offerid")).order_by(OG.c.goalid)
_OFFER_GOAL = _OFFER_GOALS.where(
    OG.c.offerid == bindparam("offerid"), OG.c.goalid == bindparam("goalid")
)
_OFFER_GOAL_BY_ID = _OFFER_GOALS.where(OG.c.offer_goal_id == bindparam("ogid"))
_UPDATE_OFFER_GOAL = update(OG).where(OG.c.offer_goal_id == bindparam("b_ogid"))
_AUDIT_OF = (
    select(CA)
    .where(CA.c.offerid == bindparam("offerid"))
    .order_by(CA.c.auditid)
    .limit(bindparam("lim"))
)
# The audit as get_commission_change_history reads it: newest first, by offer and/or change.
_HISTORY_FILTERS: dict[str, Any] = {
    "offerid": CA.c.offerid == bindparam("f_offerid"),
    "changeid": CA.c.changeid == bindparam("f_changeid"),
}


def _history(names: frozenset[str]) -> tuple[Any, Any]:
    where = and_(true(), *(_HISTORY_FILTERS[n] for n in sorted(names)))
    rows = (
        select(CA)
        .where(where)
        .order_by(CA.c.auditid.desc())
        .limit(bindparam("lim"))
        .offset(bindparam("off"))
    )
    return rows, select(func.count()).select_from(CA).where(where)


_HISTORY = {
    frozenset(names): _history(frozenset(names))
    for names in ((), ("offerid",), ("changeid",), ("offerid", "changeid"))
}
_COUNTERS = select(CN.c.key, CN.c.count).where(CN.c.key.in_(bindparam("keys", expanding=True)))


def _count_up(dialect: str) -> Hot:
    ins = (pg_insert if dialect == "postgresql" else sqlite_insert)(CN).values(
        key=bindparam("key"), count=1
    )
    return Hot(
        ins.on_conflict_do_update(
            index_elements=[CN.c.key], set_={"count": CN.c.count + 1}
        ).returning(CN.c.count)
    )


_COUNT_UP = {"postgresql": _count_up("postgresql"), "sqlite": _count_up("sqlite")}


def versions(conn: Connection) -> tuple[int, int]:
    """(commissions, tracking) cache versions: the rules depend on both."""
    found = {str(r[0]): int(r[1]) for r in conn.execute(_VERSIONS)}
    return found[COMMISSIONS_CACHE], found[TRACKING_CACHE]


def bump_version(conn: Connection) -> None:
    """Called in the transaction of every rule change, so each worker reloads its rules."""
    scope = batch_scope(conn)
    if scope is not None:
        scope.memo.pop(COMMISSIONS_CACHE, None)
    conn.execute(_BUMP)


def all_changes(conn: Connection) -> list[RowMapping]:
    return list(conn.execute(_ALL_CHANGES).mappings())


def offer_changes(conn: Connection, offerid: int) -> list[RowMapping]:
    return list(conn.execute(_OFFER_CHANGES, {"offerid": offerid}).mappings())


def change(conn: Connection, changeid: int) -> RowMapping | None:
    """One change, row-locked."""
    return conn.execute(_CHANGE, {"changeid": changeid}).mappings().first()


def top_priority(conn: Connection, offerid: int, goalid: int) -> int | None:
    found = conn.execute(_TOP_PRIORITY, {"offerid": offerid, "goalid": goalid}).scalar()
    return int(found) if found is not None else None


def insert_change(conn: Connection, values: Mapping[str, Any]) -> int:
    now = utcnow()
    result = conn.execute(insert(CC), {"created_at": now, "updated_at": now, **values})
    pk = result.inserted_primary_key
    assert pk is not None
    return int(pk[0])


def update_change(conn: Connection, changeid: int, values: Mapping[str, Any]) -> None:
    conn.execute(_UPDATE_CHANGE, {"b_changeid": changeid, "updated_at": utcnow(), **values})


def insert_audit(conn: Connection, values: Mapping[str, Any]) -> None:
    conn.execute(insert(CA), {"created_at": utcnow(), **values})


def history(
    conn: Connection, filters: Mapping[str, int], start: int, count: int
) -> tuple[int, list[RowMapping]]:
    """Audit rows matching the filters (offerid, changeid), newest first, and how many match."""
    rows_stmt, total_stmt = _HISTORY[frozenset(filters)]
    params = {f"f_{k}": v for k, v in filters.items()}
    total = int(conn.execute(total_stmt, params).scalar_one())
    if total == 0 or start >= total:
        return total, []
    found = conn.execute(rows_stmt, {**params, "lim": count, "off": start}).mappings()
    return total, list(found)


def audit_of(conn: Connection, offerid: int, limit: int = 1000) -> list[RowMapping]:
    return list(conn.execute(_AUDIT_OF, {"offerid": offerid, "lim": limit}).mappings())


def offer_money(conn: Connection) -> list[RowMapping]:
    return list(conn.execute(_OFFER_MONEY).mappings())


def offer_money_of(conn: Connection, offerid: int) -> RowMapping | None:
    return conn.execute(_OFFER_MONEY_ONE, {"offerid": offerid}).mappings().first()


def save_offer_money(conn: Connection, offerid: int, values: Mapping[str, Any]) -> None:
    """Create or update the offer's money settings (only the columns given change)."""
    row = {"offerid": offerid, "updated_at": utcnow(), **values}
    ins = (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(OC).values(row)
    conn.execute(ins.on_conflict_do_update(index_elements=[OC.c.offerid], set_=dict(row)))


def tiers(conn: Connection) -> list[RowMapping]:
    return list(conn.execute(_TIERS).mappings())


def tiers_of(conn: Connection, offerid: int) -> list[RowMapping]:
    return list(conn.execute(_TIERS_OF, {"offerid": offerid}).mappings())


def replace_tiers(conn: Connection, offerid: int, rows: Iterable[Mapping[str, Any]]) -> None:
    conn.execute(_DELETE_TIERS, {"offerid": offerid})
    values = [{"offerid": offerid, **r} for r in rows]
    if values:
        conn.execute(insert(RT), values)


def partners(conn: Connection) -> list[RowMapping]:
    return list(conn.execute(_PARTNERS).mappings())


def set_partner(conn: Connection, offerid: int, loginid: int, rate: int, flat: int) -> None:
    """Replace the partner's share; a zero share removes the partner."""
    conn.execute(_DELETE_PARTNER, {"offerid": offerid, "loginid": loginid})
    if rate or flat:
        row = {"offerid": offerid, "loginid": loginid, "rate": rate, "flat": flat}
        conn.execute(insert(OP), row)


def managers(conn: Connection) -> list[RowMapping]:
    return list(conn.execute(_MANAGERS).mappings())


def set_manager(conn: Connection, manager: int, values: Mapping[str, Any] | None) -> None:
    """Replace a manager's commission; None removes it."""
    conn.execute(_DELETE_MANAGER, {"manager_loginid": manager})
    if values is not None:
        row = {"manager_loginid": manager, "updated_at": utcnow(), **values}
        conn.execute(insert(MC), row)


def goals(conn: Connection) -> list[RowMapping]:
    return list(conn.execute(_GOALS).mappings())


def goal(conn: Connection, goalid: int) -> RowMapping | None:
    return conn.execute(_GOAL, {"goalid": goalid}).mappings().first()


def goal_by_name(conn: Connection, name: str) -> RowMapping | None:
    return conn.execute(_GOAL_BY_NAME, {"name": name}).mappings().first()


def insert_goal(conn: Connection, name: str, allow_repeat: bool) -> int:
    row = {"name": name, "allow_repeat": allow_repeat, "created_at": utcnow()}
    pk = conn.execute(insert(G), row).inserted_primary_key
    assert pk is not None
    return int(pk[0])


def offer_goals(conn: Connection) -> list[RowMapping]:
    return list(conn.execute(_OFFER_GOALS).mappings())


def offer_goals_of(conn: Connection, offerid: int) -> list[RowMapping]:
    return list(conn.execute(_OFFER_GOALS_OF, {"offerid": offerid}).mappings())


def offer_goal(conn: Connection, offerid: int, goalid: int) -> RowMapping | None:
    params = {"offerid": offerid, "goalid": goalid}
    return conn.execute(_OFFER_GOAL, params).mappings().first()


def offer_goal_by_id(conn: Connection, offer_goal_id: int) -> RowMapping | None:
    return conn.execute(_OFFER_GOAL_BY_ID, {"ogid": offer_goal_id}).mappings().first()


def insert_offer_goal(conn: Connection, values: Mapping[str, Any]) -> int:
    now = utcnow()
    result = conn.execute(insert(OG), {"created_at": now, "updated_at": now, **values})
    pk = result.inserted_primary_key
    assert pk is not None
    return int(pk[0])


def update_offer_goal(conn: Connection, offer_goal_id: int, values: Mapping[str, Any]) -> None:
    params = {"b_ogid": offer_goal_id, "updated_at": utcnow(), **values}
    conn.execute(_UPDATE_OFFER_GOAL, params)


def count_up(conn: Connection, key: str) -> int:
    """Add one to a sale counter and return its new value (in the caller's transaction)."""
    return int(_COUNT_UP[conn.dialect.name].scalar(conn, {"key": key}))


def counts(conn: Connection, keys: Iterable[str]) -> dict[str, int]:
    wanted = list(keys)
    if not wanted:
        return {}
    return {str(r[0]): int(r[1]) for r in conn.execute(_COUNTERS, {"keys": wanted})}
