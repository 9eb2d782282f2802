"""The network's payment setup: pay periods and their affiliates, payment profiles, payvia
settings and dump formats (the payments themselves are repository.py's)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    RowMapping,
    bindparam,
    delete,
    insert,
    select,
    update,
)

from trackpost.models.tables import payment_dump_formats as DF
from trackpost.models.tables import payment_profiles as PR
from trackpost.models.tables import payout_period_affiliates as PPA
from trackpost.models.tables import payout_periods as PP
from trackpost.models.tables import payvia_settings as PS
from trackpost.models.tables import payvia_types as PT

# --- periods, profiles, payvia settings, dump formats --------------------------------------------------------
_PERIODS = select(PP).order_by(PP.c.periodid)
_PERIOD = select(PP).where(PP.c.periodid == bindparam("id"))
_CLEAR_DEFAULT = update(PP).where(PP.c.is_default).values(is_default=False)
_PERIOD_AFFILIATES = select(PPA.c.periodid, PPA.c.loginid).order_by(PPA.c.periodid, PPA.c.loginid)
_DELETE_PERIOD_AFFILIATES = delete(PPA).where(PPA.c.periodid == bindparam("id"))
_PROFILES = select(PR)
_PROFILE = select(PR).where(PR.c.loginid == bindparam("id"))
_PAYVIAS = (
    select(PT.c.payvia_type_id, PT.c.name, PT.c.enabled, PS)
    .select_from(PT.outerjoin(PS, PS.c.payvia_type_id == PT.c.payvia_type_id))
    .order_by(PT.c.payvia_type_id)
)
_SETTING = select(PS).where(PS.c.payvia_type_id == bindparam("id"))

_FORMATS = select(DF).order_by(DF.c.name)
_FORMAT = select(DF).where(DF.c.name == bindparam("name"))


def periods(conn: Connection) -> list[RowMapping]:
    return list(conn.execute(_PERIODS).mappings())


def period(conn: Connection, periodid: int, *, lock: bool = False) -> RowMapping | None:
    stmt = _PERIOD.with_for_update() if lock else _PERIOD
    return conn.execute(stmt, {"id": periodid}).mappings().first()


def insert_period(conn: Connection, values: Mapping[str, Any]) -> int:
    if values.get("is_default"):
        conn.execute(_CLEAR_DEFAULT)
    pk = conn.execute(insert(PP), dict(values)).inserted_primary_key
    assert pk is not None
    return int(pk[0])


def update_period(conn: Connection, periodid: int, values: Mapping[str, Any]) -> None:
    if values.get("is_default"):
        conn.execute(_CLEAR_DEFAULT)
    conn.execute(update(PP).where(PP.c.periodid == periodid).values(**values))


def period_affiliates(conn: Connection) -> dict[int, set[int]]:
    out: dict[int, set[int]] = {}
    for periodid, loginid in conn.execute(_PERIOD_AFFILIATES):
        out.setdefault(int(periodid), set()).add(int(loginid))
    return out


def set_period_affiliates(conn: Connection, periodid: int, loginids: Iterable[int]) -> None:
    conn.execute(_DELETE_PERIOD_AFFILIATES, {"id": periodid})
    rows = [{"periodid": periodid, "loginid": i} for i in sorted(set(loginids))]
    if rows:
        conn.execute(insert(PPA), rows)


def profiles(conn: Connection) -> dict[int, RowMapping]:
    return {int(r["loginid"]): r for r in conn.execute(_PROFILES).mappings()}


def profile(conn: Connection, loginid: int) -> RowMapping | None:
    return conn.execute(_PROFILE, {"id": loginid}).mappings().first()


def _save(conn: Connection, key: Column[Any], value: object, values: Mapping[str, Any]) -> bool:
    """Insert the row of `key`'s table whose key is `value`, or update it; True when it is new."""
    table = key.table
    if conn.execute(select(key).where(key == value)).first() is None:
        conn.execute(insert(table), {key.name: value, **values})
        return True
    conn.execute(update(table).where(key == value).values(**values))
    return False


def save_profile(conn: Connection, loginid: int, values: Mapping[str, Any]) -> None:
    _save(conn, PR.c.loginid, loginid, values)


def payvias(conn: Connection) -> list[RowMapping]:
    return list(conn.execute(_PAYVIAS).mappings())


def setting(conn: Connection, payvia_type_id: int) -> RowMapping | None:
    return conn.execute(_SETTING, {"id": payvia_type_id}).mappings().first()


def save_setting(conn: Connection, payvia_type_id: int, values: Mapping[str, Any]) -> None:
    _save(conn, PS.c.payvia_type_id, payvia_type_id, values)


def dump_formats(conn: Connection) -> list[RowMapping]:
    return list(conn.execute(_FORMATS).mappings())


def dump_format(conn: Connection, name: str) -> RowMapping | None:
    return conn.execute(_FORMAT, {"name": name}).mappings().first()


def save_dump_format(conn: Connection, name: str, values: Mapping[str, Any]) -> bool:
    """Insert or replace an admin's format; True when it is new."""
    return _save(conn, DF.c.name, name, values)
